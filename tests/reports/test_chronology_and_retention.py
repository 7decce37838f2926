"""The DSL's chronology export (entitled people only, audited) and the retention rule."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FakeClock
from bot.incidents.errors import NotEntitled
from bot.reports import retention
from bot.reports.chronology import EXPORTED, export
from bot.store.db import Database
from bot.store.models import AuditEvent, Incident, IncidentNote
from bot.store.models_governors import IncidentTombstone
from bot.trust.config import TrustConfig
from bot.trust.directory import person_for_identity
from tests.conftest import EXAMPLE_TRUST
from tests.incidents.helpers import JANE, OMAR, ROBERT, TOM, audit_actions, service, submission


async def _story(database: Database, clock: FakeClock) -> tuple[str, int]:
    svc = service(database, clock)
    result = await svc.submit(TOM, submission(child_involved=True))
    clock.advance(timedelta(minutes=5))
    await svc.view_details(OMAR, result.reference)
    clock.advance(timedelta(minutes=5))
    await svc.acknowledge(OMAR, result.reference)
    await svc.add_note(OMAR, result.reference, "Called SECRET-NOTE parents at 10:15")
    clock.advance(timedelta(hours=2))
    await svc.close(JANE, result.reference, "Post removed; advice given")
    return result.reference, result.incident_id


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


async def test_chronology_tells_the_whole_story_in_order(
    database: Database, trust: TrustConfig, fake_clock: FakeClock, tmp_path: Path
) -> None:
    ref, incident_id = await _story(database, fake_clock)
    async with database.session() as session:
        omar = await person_for_identity(session, OMAR.platform, OMAR.user_id)
    chron = await export(database, omar, OMAR.key, ref.lower(), fake_clock.now())
    assert chron.reference == ref and chron.pdf.startswith(b"%PDF-")
    actions = await audit_actions(database, incident_id)
    assert actions[-1] == EXPORTED  # the export is itself audited...
    assert chron.events == len(actions)  # ...and every event is in the chronology
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed: PDF text not checked")
    text = _pdf_text(chron.pdf, tmp_path)
    for words in (
        "SECRET-SUMMARY",  # the report itself
        "Report made",
        "Sent to",
        "Details viewed",
        "Called SECRET-NOTE parents",
        "State: open → acknowledged",
        "Post removed; advice given",
        "Chronology exported",
        "Omar Khan",
        "Jane Smith",
    ):
        assert words in text, words
    assert text.index("Report made") < text.index("Details viewed") < text.index("Note added")
    assert (
        text.index("Note added")
        < text.index("State: acknowledged")
        < text.index("Chronology exported")
    )


async def test_chronology_refused_to_the_unentitled_and_audited(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    ref, incident_id = await _story(database, fake_clock)
    for actor in (TOM, ROBERT):  # the reporter and a governor it was never sent to
        async with database.session() as session:
            person = await person_for_identity(session, actor.platform, actor.user_id)
        with pytest.raises(NotEntitled, match="cannot export the chronology"):
            await export(database, person, actor.key, ref, fake_clock.now())
    with pytest.raises(NotEntitled):
        await export(database, None, "slack:U0NOBODY", ref, fake_clock.now())
    actions = await audit_actions(database, incident_id)
    assert EXPORTED not in actions and actions.count("refused") == 3


def test_cli_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("TRUST_CONFIG", raising=False)
    assert main(["admin", "import-config", str(EXAMPLE_TRUST)]) == 0
    assert main(["incidents", "list", "--as", "tom"]) == 0
    import asyncio

    async def make() -> str:
        db = Database(url)
        try:
            return (await _story(db, FakeClock()))[0]
        finally:
            await db.dispose()

    ref = asyncio.run(make())
    capsys.readouterr()
    out = tmp_path / "c.pdf"
    assert main(["incidents", "export", ref, "--as", "omar", "--out", str(out)]) == 0
    assert f"Wrote the chronology of {ref}" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"%PDF-")
    assert main(["incidents", "export", ref, "--as", "tom", "--out", str(tmp_path / "x")]) == 1
    assert "cannot export the chronology" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


async def test_retention_dry_run_lists_and_apply_removes_keeping_a_tombstone(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    old_ref, old_id = await _story(database, fake_clock)
    svc = service(database, fake_clock)
    still_open = (await svc.submit(TOM, submission())).reference
    fake_clock.advance(timedelta(days=30))
    recent_ref, _ = await _story(database, fake_clock)
    # six years after the first closure plus a week: only the first is past retention
    later = fake_clock.now() + timedelta(days=6 * 365 + 7 - 30)
    found = await retention.expired(database, later, 6)
    assert [e.reference for e in found] == [old_ref]
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Incident)) == 3
    removed = await retention.apply(database, later, 6, actor="cli:admin")
    assert [e.reference for e in removed] == [old_ref]
    async with database.session() as session:
        refs = set(await session.scalars(select(Incident.reference)))
        assert refs == {still_open, recent_ref}
        assert not list(
            await session.scalars(select(IncidentNote).where(IncidentNote.incident_id == old_id))
        )
        assert not list(
            await session.scalars(select(AuditEvent).where(AuditEvent.incident_id == old_id))
        )
        stone = await session.get(IncidentTombstone, old_ref)
        assert stone is not None and stone.category == "disparaging_post"
        assert stone.closed_at is not None and stone.deleted_at == later
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "retention_removed")
        )
        assert event is not None and event.data["reference"] == old_ref
        assert event.actor == "cli:admin" and "SECRET" not in str(event.data)
    assert await retention.apply(database, later, 6, actor="cli:admin") == []


def test_retention_cli_needs_apply_to_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("RETENTION_YEARS", "1")
    with pytest.raises(SystemExit):
        main(["admin", "retention"])  # one of --dry-run / --apply is required
    capsys.readouterr()
    assert main(["admin", "retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "kept 1 years after closure" in out and "0 incident(s) would be removed" in out
