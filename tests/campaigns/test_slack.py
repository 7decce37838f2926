"""A campaign to a Slack channel's members, over real signed HTTP into the server: the
Headteacher starts it with ``/policy campaign start`` in the staff channel (form in a
modal), the members are read with ``conversations.members`` from the fake Web API, each gets
a DM with the buttons, one confirms, one leaves the channel, reminders go to the rest, and
the completion list and CSV show it (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from adapters.server.app import create_app
from adapters.slack.app import SLACK_KEY, install, web_client
from adapters.slack.notifier import SlackNotifier
from adapters.slack.runtime import SlackRuntime
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.config import load_settings
from bot.delivery.worker import OutboxWorker
from bot.store.db import Database
from bot.store.models import AuditEvent
from tests.campaigns.conftest import bot_on
from tests.parity.drivers.slack import dm_channel, read_blocks
from tests.slack.conftest import DSL, HEAD, REPORTER, SECRET, STRANGER, TOKEN, SlackClient
from tests.slack.fake_slack import BOT_USER, Call, FakeSlack
from tests.slack.test_report_flow import submission

STAFF_ROOM = "C0STAFF01"


@dataclass
class Slack:
    """The running app, its fakes and the core."""

    client: SlackClient
    fake: FakeSlack
    runtime: SlackRuntime
    worker: OutboxWorker
    bot: PolicyBot
    seen: int = 0

    async def settled(self) -> list[Call]:
        """The Web API calls made since last time, once the listeners have finished."""
        await self.runtime.drain()
        calls = self.fake.calls[self.seen :]
        self.seen = len(self.fake.calls)
        assert not [c.method for c in calls if c.method.startswith("failed:")]
        return calls

    async def command(self, user: str, text: str, channel: str = STAFF_ROOM) -> list[Call]:
        await self.settled()
        resp = await self.client.command("/policy", text, user=user, channel=channel)
        assert resp.status == 200
        return await self.settled()

    async def press(self, user: str, button: dict[str, Any], **where: Any) -> list[Call]:
        await self.settled()
        resp = await self.client.button(button["action_id"], button["value"], user=user, **where)
        assert resp.status == 200
        return await self.settled()


def shown(call: Call) -> dict[str, Any]:
    blocks = call.args["view"]["blocks"] if "view" in call.args else call.args.get("blocks")
    out = read_blocks(list(blocks or []))
    out["all"] = html.unescape(" ".join([out["title"] or "", out["text"]]))
    return out


def button(call: Call, label: str) -> dict[str, Any]:
    for b in shown(call)["buttons"]:
        if b["text"]["text"] == label:
            return dict(b)
    raise AssertionError(f"no button {label!r} in {shown(call)['buttons']}")


@pytest.fixture
async def slack(database: Database, clock: FakeClock, tmp_path: Path) -> AsyncIterator[Slack]:
    bot = await bot_on(database, clock, "slack", tmp_path)
    fake = FakeSlack()
    await fake.start()
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",  # the bot has its own
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
            "RUN_WORKER": "false",
        }
    )
    app = create_app(settings, bot, installers=[install])
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    worker = OutboxWorker(database, {"slack": SlackNotifier(web_client(settings))}, clock)
    try:
        async with aiohttp.ClientSession() as session:
            client = SlackClient(session, str(server.make_url("/slack/events")), fake)
            yield Slack(client, fake, app[SLACK_KEY].runtime, worker, bot)
    finally:
        await server.close()
        await fake.close()


async def start_campaign(slack: Slack, answers: dict[str, Any]) -> Call:
    """``/policy campaign start`` in the staff room, the button, the modal, submitted."""
    (prompt,) = [c for c in await slack.command(HEAD, "campaign start") if c.method == "respond"]
    assert prompt.method == "respond" and prompt.args["response_type"] == "ephemeral"
    assert "Start a \u201cread and understood\u201d campaign" in shown(prompt)["all"]
    calls = await slack.press(
        HEAD, button(prompt, "Start campaign"), channel=STAFF_ROOM, ephemeral=True
    )
    (opened,) = [c for c in calls if c.method == "views.open"]
    view = opened.args["view"]
    audience = next(b for b in view["blocks"] if b.get("block_id") == "audience")
    labels = [o["text"]["text"] for o in audience["element"]["options"]]
    assert labels == [
        f"The members of the Slack channel {STAFF_ROOM}",
        "Everyone at the academy in the trust\u2019s staff list",
    ]
    await slack.client.interactive_json(submission(HEAD, view, answers))
    (started,) = [c for c in await slack.settled() if c.method == "chat.postEphemeral"]
    assert started.args["channel"] == STAFF_ROOM and started.args["user"] == HEAD
    return started


async def test_campaign_to_a_channel_with_reminders_and_completion_list(
    slack: Slack, clock: FakeClock, database: Database
) -> None:
    slack.fake.channel_members[STAFF_ROOM] = [HEAD, REPORTER, DSL, STRANGER, BOT_USER]
    answers = {"scope": "oakfield", "audience": "group", "remind_days": "1", "reminders": "2"}
    started = await start_campaign(slack, answers)
    text = shown(started)["all"]
    assert "Campaign 1 has started: 4 people are being sent the policy summary" in text
    assert "1 of them are not in the trust's staff list" in text
    assert [c for c in slack.fake.calls if c.method == "conversations.members"]

    assert await slack.worker.run_once() == 4
    posted = {c.args["channel"]: c for c in await slack.settled() if c.method == "chat.postMessage"}
    assert set(posted) == {dm_channel(u) for u in (HEAD, REPORTER, DSL, STRANGER)}
    tom_dm = posted[dm_channel(REPORTER)]
    assert "Please read: Social Media Policy (version 1)" in shown(tom_dm)["all"]
    assert "Accepting any current pupil of any age" in shown(tom_dm)["all"]
    assert [b["text"]["text"] for b in shown(tom_dm)["buttons"]] == [
        "I have read and understood",
        "I have a question",
    ]

    # Tom confirms on his DM: the message is replaced by the thank-you
    calls = await slack.press(
        REPORTER,
        button(tom_dm, "I have read and understood"),
        channel=dm_channel(REPORTER),
        message_ts="1764000000.000002",
    )
    (thanks,) = [c for c in calls if c.method == "respond"]
    assert thanks.args["replace_original"] is True
    assert "I have recorded that you have read and understood" in thanks.args["text"]

    # Omar leaves the staff room before confirming: dropped from the outstanding list
    await slack.client.event(
        {"type": "member_left_channel", "user": DSL, "channel": STAFF_ROOM, "channel_type": "C"}
    )
    await slack.settled()

    clock.advance(hours=25)
    assert await slack.bot.campaigns.service.run_due() == 2  # Jane and the stranger
    assert await slack.worker.run_once() == 2
    reminded = [c for c in await slack.settled() if c.method == "chat.postMessage"]
    assert {c.args["channel"] for c in reminded} == {dm_channel(HEAD), dm_channel(STRANGER)}
    assert all("Reminder 1 of 2" in shown(c)["all"] for c in reminded)

    (status,) = [c for c in await slack.command(HEAD, "campaign 1") if c.method == "respond"]
    listing = shown(status)["all"]
    assert "Confirmed: 1 of 3." in listing
    assert "Oakfield Primary Academy: 1 of 2 confirmed" in listing
    assert "Not yet confirmed: Jane Smith (reminded 1\u00d7)" in listing
    assert "Confirmed: Tom Cooper" in listing
    assert (
        f"Not in the trust's staff list: 0 of 1 confirmed Not yet confirmed: slack user {STRANGER}"
        in " ".join(listing.split())
    )
    assert "No longer asked (left the channel, team or trust): Omar Khan" in listing

    (export,) = [
        c for c in await slack.press(HEAD, button(status, "Export CSV")) if c.method == "respond"
    ]
    raw = html.unescape(export.args["text"]).split("```")[1].strip()
    rows = {r["name"]: r["state"] for r in csv.DictReader(io.StringIO(raw + "\n"))}
    assert rows == {
        "Jane Smith": "outstanding",
        "Omar Khan": "dropped",
        "Tom Cooper": "confirmed",
        f"slack user {STRANGER}": "outstanding",
    }
    async with database.session() as session:
        actions = list(await session.scalars(select(AuditEvent.action)))
    for action in (
        "campaign_started",
        "campaign_confirmed",
        "campaign_member_dropped",
        "campaign_reminder_sent",
        "campaign_exported",
    ):
        assert action in actions


async def test_a_channel_the_bot_is_not_in_is_explained(slack: Slack) -> None:
    answers = {"scope": "oakfield", "audience": "group"}
    started = await start_campaign(slack, answers)
    assert "I am not a member of that channel" in shown(started)["all"]
    assert await slack.worker.run_once() == 0


async def test_a_teacher_cannot_start_a_campaign(slack: Slack) -> None:
    (reply,) = [c for c in await slack.command(REPORTER, "campaign start") if c.method == "respond"]
    assert "Only a Principal/Headteacher" in reply.args["text"]


async def test_mentioning_the_bot_in_the_channel_offers_its_members(slack: Slack) -> None:
    await slack.settled()
    await slack.client.event(
        {
            "type": "app_mention",
            "user": HEAD,
            "text": f"<@{BOT_USER}> campaign start",
            "channel": STAFF_ROOM,
            "ts": "1764000000.000900",
        }
    )
    (prompt,) = [c for c in await slack.settled() if c.method == "chat.postEphemeral"]
    assert prompt.args["user"] == HEAD and prompt.args["channel"] == STAFF_ROOM
    assert "You can ask the members of the Slack channel C0STAFF01" in shown(prompt)["all"]
    assert [b["text"]["text"] for b in shown(prompt)["buttons"]] == ["Start campaign"]


async def test_in_the_channel_only_starting_is_done_there(slack: Slack) -> None:
    """A channel may start a campaign; a completion list (who has not confirmed) and the list
    of campaigns are not shown where others read, and a teacher still cannot start one."""
    slack.fake.channel_members[STAFF_ROOM] = [HEAD, REPORTER]
    answers = {"scope": "oakfield", "audience": "group"}
    assert "people are being sent" in shown(await start_campaign(slack, answers))["all"]
    await slack.settled()
    said = []
    for n, (user, text) in enumerate(
        [(HEAD, "campaign 1"), (HEAD, "campaigns"), (REPORTER, "campaign start")]
    ):
        await slack.client.event(
            {
                "type": "app_mention",
                "user": user,
                "text": f"<@{BOT_USER}> {text}",
                "channel": STAFF_ROOM,
                "ts": f"1764000001.00010{n}",
            }
        )
        said.append(" ".join(shown(c)["all"] for c in await slack.settled() if "text" in c.args))
    status, listing, teacher = said
    assert "That is private" in status and "Not yet confirmed" not in status
    assert "That is private" in listing and "Campaign 1" not in listing
    assert "Only a Principal/Headteacher" in teacher


async def test_someone_joining_the_channel_is_asked_too(slack: Slack) -> None:
    slack.fake.channel_members[STAFF_ROOM] = [HEAD, REPORTER]
    answers = {"scope": "oakfield", "audience": "group"}
    assert "2 people are being sent" in shown(await start_campaign(slack, answers))["all"]
    assert await slack.worker.run_once() == 2
    joined = {"type": "member_joined_channel", "user": DSL, "channel": STAFF_ROOM}
    await slack.client.event(joined)
    await slack.settled()
    assert await slack.worker.run_once() == 1
    (asked,) = [c for c in await slack.settled() if c.method == "chat.postMessage"]
    assert asked.args["channel"] == dm_channel(DSL)
    assert "Please read: Social Media Policy (version 1)" in shown(asked)["all"]
    await slack.client.event(joined)  # Slack may repeat an event: not asked twice
    await slack.settled()
    assert await slack.worker.run_once() == 0
    (status,) = [c for c in await slack.command(HEAD, "campaign 1") if c.method == "respond"]
    assert "Confirmed: 0 of 3." in shown(status)["all"]
