"""Conversation references are captured on install / first contact, kept in the database,
and an admin can see who Teams cannot reach yet and why (``policybot teams-reach``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters.teams.references import ReferenceStore
from bot.cli import main
from tests.teams.conftest import BOT_ID, JANE, OMAR, TeamsHarness


async def test_install_in_personal_scope_stores_reference_and_says_hello(
    harness: TeamsHarness,
) -> None:
    await harness.install_for(JANE)
    [welcome] = harness.connector.sent(f"a:1on1-{JANE}")
    assert "Report an incident" in [a["title"] for a in (welcome.card or {}).get("actions", [])]
    ref = await ReferenceStore(harness.bot.conversations).get(JANE)
    assert ref is not None and ref.conversation_id == f"a:1on1-{JANE}"
    assert ref.service_url == harness.connector.url and ref.user_id == f"29:{JANE}"


async def test_team_install_captures_members_without_a_personal_chat(harness: TeamsHarness) -> None:
    await harness.post(
        JANE,
        kind="conversationUpdate",
        conversation_id="19:general@thread.tacv2",
        conversation_type="channel",
        membersAdded=[
            {"id": BOT_ID},
            {"id": f"29:{OMAR}", "name": "Omar Khan", "aadObjectId": OMAR},
        ],
    )
    refs = ReferenceStore(harness.bot.conversations)
    omar = await refs.get(OMAR)
    assert omar is not None and omar.conversation_id is None  # a 1:1 is created on first send
    assert harness.connector.sent() == []  # no welcome posted into the team channel


async def test_admin_listing_says_who_cannot_be_reached_and_why(
    harness: TeamsHarness,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await harness.install_for(JANE, OMAR)
    await harness.post(JANE, kind="installationUpdate", action="remove")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'e2e.sqlite3'}")
    for name in ("TRUST_CONFIG", "POLICY_KB"):
        monkeypatch.delenv(name, raising=False)
    assert await asyncio.to_thread(main, ["teams-reach"]) == 1  # the CLI runs its own loop
    out = capsys.readouterr().out
    lines = {line.split(":", 1)[0].strip(" -"): line for line in out.splitlines()[1:]}
    assert "removed the policybot app" in lines["Jane Smith"]
    assert "not been installed" in lines["Leena Patel"]
    assert "Omar Khan" not in lines


async def test_reference_is_written_only_when_something_changes(harness: TeamsHarness) -> None:
    await harness.install_for(JANE)
    store = harness.bot.conversations
    first = await store.get(f"teams-ref:{JANE}")
    await harness.post(JANE, text="help")
    await harness.post(JANE, text="help")
    again = await store.get(f"teams-ref:{JANE}")
    assert first is not None and again is not None and again.version == first.version
