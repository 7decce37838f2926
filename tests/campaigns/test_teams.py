"""A campaign to a Teams team's members, over real HTTP into ``/api/messages`` (local mode):
the Headteacher types "campaign start" in the staff team's channel and fills in the card, the
members are read from the fake connector's ``GET /v3/conversations/{team}/members``, each
gets a 1:1 card, one confirms, one is removed from the team, reminders go to the rest and
the completion list shows it (SQLite and PostgreSQL)."""

from __future__ import annotations

import functools
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server.app import create_app
from adapters.teams.app import TEAMS_KEY, install
from bot.clock import FakeClock
from bot.config import load_settings
from bot.delivery.worker import OutboxWorker
from bot.store.db import Database
from tests.campaigns.conftest import bot_on
from tests.teams.conftest import JANE, OMAR, TENANT, TOM, TeamsHarness, card_buttons
from tests.teams.fake_connector import Call, FakeConnector

TEAM = "19:staffroom0000@thread.tacv2"
STRANGER = "0badc0de-0000-4000-8000-00000000beef"  # in the team, not in the trust file


def member(aad: str, name: str) -> dict[str, Any]:
    return {"id": f"29:{aad}", "name": name, "aadObjectId": aad}


IN_TEAM = {
    "conversation_id": f"{TEAM};messageid=1764000000001",
    "conversation_type": "channel",
    "channelData": {"tenant": {"id": TENANT}, "team": {"id": TEAM}},
}


@pytest.fixture
async def harness(
    database: Database, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[TeamsHarness]:
    bot = await bot_on(database, clock, "teams")
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"})
    installer = functools.partial(install, env={"TEAMS_LOCAL_MODE": "true"})
    app = create_app(settings, bot, installers=[installer])
    worker = OutboxWorker(
        database, {"teams": app[TEAMS_KEY].notifier()}, clock, rng=random.Random(1)
    )
    async with (
        FakeConnector() as connector,
        TestClient(TestServer(app, host="127.0.0.1")) as client,
    ):
        yield TeamsHarness(client, connector, bot, worker)


def button(call: Call, title: str) -> dict[str, Any]:
    assert call.card is not None, call.body
    for b in card_buttons(call.card):
        if b.get("title") == title:
            return b
    raise AssertionError(
        f"no {title!r} button in {[b.get('title') for b in card_buttons(call.card)]}"
    )


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_campaign_to_a_team_with_reminders_and_completion_list(
    harness: TeamsHarness, clock: FakeClock
) -> None:
    h = harness
    await h.install_for(JANE, TOM, OMAR)
    h.connector.members[TEAM] = [
        member(JANE, "Jane Smith"),
        member(TOM, "Tom Cooper"),
        member(OMAR, "Omar Khan"),
        member(STRANGER, "Visiting Teacher"),
    ]
    await h.post(JANE, text="<at>policybot</at> campaign start", **IN_TEAM)
    form = h.connector.sent()[-1]
    assert "Start a \u201cread and understood\u201d campaign" in form.text
    assert "The members of this Teams team" in str(form.card)

    await h.post(
        JANE,
        value={
            **button(form, "Start campaign")["data"],
            "scope": "oakfield",
            "audience": "group",
            "remind_days": "1",
            "reminders": "2",
        },
        reply_to_id=form.created_id,
        **IN_TEAM,
    )
    assert any(c.method == "GET" and c.conversation_id == TEAM for c in h.connector.calls)
    started = h.connector.sent()[-1]
    assert "Campaign 1 has started: 4 people are being sent the policy summary" in flat(
        started.text
    )

    await h.worker.run_once()
    for aad in (JANE, TOM, OMAR):
        (card,) = h.connector.sent(f"a:1on1-{aad}")[-1:]
        assert "Please read: Social Media Policy (version 1)" in card.text
    tom_card = h.connector.sent(f"a:1on1-{TOM}")[-1]
    assert [b["title"] for b in card_buttons(tom_card.card or {})] == [
        "I have read and understood",
        "I have a question",
    ]

    # Tom confirms: his card is updated in place
    await h.submit(
        TOM, button(tom_card, "I have read and understood"), reply_to=tom_card.created_id
    )
    (update,) = h.connector.updates()[-1:]
    assert "I have recorded that you have read and understood" in update.text

    # Omar is removed from the team: no longer outstanding
    await h.post(
        JANE,
        kind="conversationUpdate",
        membersRemoved=[member(OMAR, "Omar Khan")],
        conversation_id=TEAM,
        conversation_type="channel",
        channelData={"tenant": {"id": TENANT}, "team": {"id": TEAM}},
    )

    clock.advance(hours=25)
    assert await h.bot.campaigns.service.run_due() == 2  # Jane, and the visitor (unreachable)
    before = len(h.connector.sent(f"a:1on1-{JANE}"))
    await h.worker.run_once()
    reminder = h.connector.sent(f"a:1on1-{JANE}")[before:]
    assert len(reminder) == 1 and "Reminder 1 of 2" in flat(reminder[0].text)
    assert len(h.connector.sent(f"a:1on1-{OMAR}")) == 2  # welcome + the first ask only

    await h.post(JANE, text="campaign 1")
    status = flat(h.connector.sent(f"a:1on1-{JANE}")[-1].text)
    assert "Confirmed: 1 of 3." in status
    assert "Not yet confirmed: Jane Smith (reminded 1\u00d7)" in status
    assert "Confirmed: Tom Cooper" in status
    assert f"teams user {STRANGER}" in status
    assert "No longer asked (left the channel, team or trust): Omar Khan" in status


async def test_someone_added_to_the_team_is_asked_too(harness: TeamsHarness) -> None:
    h = harness
    await h.install_for(JANE)
    h.connector.members[TEAM] = [member(JANE, "Jane Smith")]
    await h.post(JANE, text="<at>policybot</at> campaign start", **IN_TEAM)
    form = h.connector.sent()[-1]
    value = {**button(form, "Start campaign")["data"], "scope": "oakfield", "audience": "group"}
    await h.post(JANE, value=value, reply_to_id=form.created_id, **IN_TEAM)
    assert "Campaign 1 has started: 1 person is" in flat(h.connector.sent()[-1].text)
    await h.worker.run_once()
    await h.post(
        JANE,
        kind="conversationUpdate",
        membersAdded=[member(TOM, "Tom Cooper")],
        conversation_id=TEAM,
        conversation_type="channel",
        channelData={"tenant": {"id": TENANT}, "team": {"id": TEAM}},
    )
    await h.worker.run_once()
    assert h.connector.created()  # Tom was only seen in the team: his 1:1 chat is created
    (card,) = h.connector.sent(f"a:1on1-29:{TOM}")
    assert "Please read: Social Media Policy (version 1)" in card.text
