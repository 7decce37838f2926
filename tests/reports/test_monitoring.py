"""The monitoring report from a seeded term: its numbers against the database (SQLite and
PostgreSQL), nothing identifying in it, small counts suppressed, and the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from benchmarks.report_data import MARKER, Seeded
from bot.cli import main
from bot.incidents.types import CATEGORY_LABELS
from bot.reports import monitoring
from bot.reports.anonymise import FEWER, Cell, breakdown, cell
from bot.reports.figures import gather
from bot.reports.period import Period
from bot.store.db import Database
from bot.store.models import AuditEvent, Incident, OutboxMessage
from bot.store.models_governors import QuestionTopic
from tests.reports.conftest import NOW, REMINDER


def _in(period: Period, column):  # type: ignore[no-untyped-def]
    return (column >= period.start) & (column < period.end)


async def test_figures_match_the_database(database: Database, term: Seeded) -> None:
    period = Period(term.start, term.end)
    async with database.session() as session:
        fig = await gather(
            session,
            scope="oakfield",
            period=period,
            now=NOW,
            reminder_after=REMINDER,
            unanswered_log=term.unanswered_log,
        )
        mine = (Incident.academy_id == "oakfield") & _in(period, Incident.created_at)
        total = await session.scalar(select(func.count()).where(mine))
        by_cat = dict(
            (
                await session.execute(
                    select(Incident.category, func.count()).where(mine).group_by(Incident.category)
                )
            ).all()
        )
        child = await session.scalar(select(func.count()).where(mine, Incident.child_involved))
        escalated = await session.scalar(
            select(func.count()).where(mine, Incident.escalation_level > 0)
        )
        open_ = await session.scalar(select(func.count()).where(mine, Incident.closed_at.is_(None)))
        rows = (await session.execute(select(Incident).where(mine))).scalars().all()
        reminders = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .join(Incident, Incident.id == AuditEvent.incident_id)
            .where(
                AuditEvent.action == "reminder_sent",
                Incident.academy_id == "oakfield",
                _in(period, AuditEvent.at),
            )
        )
        dead = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Incident, Incident.id == OutboxMessage.incident_id)
            .where(
                OutboxMessage.state == "dead",
                Incident.academy_id == "oakfield",
                _in(period, OutboxMessage.created_at),
            )
        )
        answered = await session.scalar(
            select(func.count())
            .select_from(QuestionTopic)
            .where(QuestionTopic.verdict != "no_match", _in(period, QuestionTopic.at))
        )
    assert total == 30  # every other of the 60 is Oakfield's
    assert fig.incidents == total
    assert {k: v for k, v in fig.by_category.items() if v} == by_cat
    assert set(fig.by_category) == set(CATEGORY_LABELS)
    assert fig.child_involved == child
    assert fig.escalated == escalated
    assert fig.still_open == open_
    assert sum(fig.by_month.values()) == total
    assert fig.reminders == reminders and reminders
    assert fig.undelivered == dead
    assert fig.questions == answered
    acks = sorted(i.acknowledged_at - i.created_at for i in rows if i.acknowledged_at)
    assert fig.acknowledge.count == len(acks)
    assert fig.acknowledge.slowest == acks[-1]
    assert fig.past_reminder == sum(
        1
        for i in rows
        if (i.acknowledged_at or NOW) - i.created_at > REMINDER  # unacknowledged: until now
    )
    lines = [json.loads(x) for x in term.unanswered_log.read_text().splitlines()]
    assert fig.uncovered == sum(1 for x in lines if period.contains(_dt(x["at"])))


def _dt(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text)


async def test_report_shows_the_figures_suppressed(database: Database, term: Seeded, ctx) -> None:  # type: ignore[no-untyped-def]
    period = Period(term.start, term.end)
    async with database.session() as session:
        report = await monitoring.build(session, "oakfield", period, ctx)
        fig = await gather(
            session, scope="oakfield", period=period, now=NOW, reminder_after=REMINDER
        )
    text = report.document.all_text()
    assert report.title == "Social media monitoring report: Oakfield Academy"
    assert f"{fig.incidents}\nincidents reported" not in text  # figures are value then label
    assert report.document.figures[0].value == str(fig.incidents)
    cells = breakdown(fig.by_category)
    for category, c in cells.items():
        row = f"{CATEGORY_LABELS[category]}\n{c.text}\n"
        assert row in text
    assert "Staff \u201cread and understood\u201d" in text and "Not yet recorded" not in text
    assert report.pdf.startswith(b"%PDF-") and len(report.pdf) > 10_000
    assert report.html.startswith("<!DOCTYPE html>") and "<svg" in report.html
    assert 'src="http' not in report.html and "<script" not in report.html


async def test_nothing_identifying_in_any_governors_report(
    database: Database,
    term: Seeded,
    ctx,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    period = Period(term.start, term.end)
    async with database.session() as session:
        refs = list(await session.scalars(select(Incident.reference)))
        reports = [
            await monitoring.build(session, scope, period, ctx) for scope in ("oakfield", "")
        ]
    for report in reports:
        for text in (report.html, report.document.all_text()):
            assert MARKER not in text and MARKER.lower() not in text
            assert not any(ref in text for ref in refs)
            assert "Jack" not in text and "Jane" not in text and "Tom" not in text
        if shutil.which("pdftotext"):
            pdf = tmp_path / "r.pdf"
            pdf.write_bytes(report.pdf)
            words = subprocess.run(
                ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout
            assert "monitoring report" in words
            assert MARKER not in words and not any(ref in words for ref in refs)


def test_small_counts_are_suppressed_with_a_second_cell_where_the_total_would_tell() -> None:
    assert cell(0) == Cell(0, False) and cell(2).text == FEWER and cell(3).text == "3"
    cells = breakdown({"a": 1, "b": 5, "c": 9, "d": 0})
    assert cells["a"].text == FEWER and cells["b"].suppressed  # b hides a from the total
    assert cells["b"].text == "not shown"  # never "fewer than 3": b is 5
    assert not cells["c"].suppressed and cells["d"].text == "0"
    two = breakdown({"a": 1, "b": 2, "c": 9})
    assert two["a"].text == two["b"].text == FEWER and two["c"].text == "9"


async def test_a_single_incident_is_never_shown_exactly(
    database: Database,
    term: Seeded,
    ctx,  # type: ignore[no-untyped-def]
) -> None:
    async with database.session() as session:
        first = await session.scalar(
            select(func.min(Incident.created_at)).where(
                Incident.academy_id == "oakfield", Incident.created_at >= term.start
            )
        )
        assert first is not None
        one_day = Period(term.start, first + timedelta(seconds=1))
        n = await session.scalar(
            select(func.count()).where(
                Incident.academy_id == "oakfield", _in(one_day, Incident.created_at)
            )
        )
        report = await monitoring.build(session, "oakfield", one_day, ctx)
    assert n == 1
    assert report.document.figures[0].value == FEWER
    assert "Median time to acknowledge\nfewer than 3 incidents" in report.document.all_text()


def test_cli_writes_pdf_and_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("UNANSWERED_LOG", str(tmp_path / "unanswered.jsonl"))
    for name in ("TRUST_CONFIG", "POLICY_KB"):
        monkeypatch.delenv(name, raising=False)
    assert main(["admin", "import-config", "config/trust.example.yaml"]) == 0
    out = tmp_path / "out"
    code = main(
        ["report", "monitoring", "--academy", "oakfield", "--from", "2026-09-01",
         "--to", "2026-12-18", "--out", str(out)]
    )  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    pdf = out / "monitoring-oakfield-2026-09-01-2026-12-18.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "No incidents were reported" in pdf.with_suffix(".html").read_text()
    assert main(["report", "monitoring", "--academy", "nowhere", "--from", "2026-09-01",
                 "--to", "2026-12-18", "--out", str(out)]) == 1  # fmt: skip
    assert "There is no academy 'nowhere'" in capsys.readouterr().err
    assert main(["report", "monitoring", "--trust", "--from", "2026-12-18",
                 "--to", "2026-09-01"]) == 1  # fmt: skip
    assert "ends (2026-09-01) before it starts" in capsys.readouterr().err
    code = main(["report", "review", "--trust", "--year-to", "2026-08-31", "--out", str(out)])
    assert code == 0
    assert (out / "review-trust-2025-09-01-2026-08-31.pdf").read_bytes().startswith(b"%PDF-")
