"""Reports stay private in Slack, over real signed HTTP: a report asked for in a channel gets
a pointer only its asker sees (a button opening the private form); nothing said in a channel
feeds a report, not even a draft started in a DM; people are identified by member ID."""

from __future__ import annotations

from typing import Any

from adapters.slack.identity import actor_from_body
from bot.app import PolicyBot
from tests.slack.conftest import REPORTER, SlackClient
from tests.slack.fake_slack import BOT_USER, FakeSlack

CHANNEL = "C0STAFF01"
DM = "D0TCOOPR10"


def _mention(text: str, ts: str) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": REPORTER,
        "text": f"<@{BOT_USER}> {text}",
        "channel": CHANNEL,
        "ts": ts,
    }


def _dm(text: str, ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "user": REPORTER,
        "text": text,
        "channel": DM,
        "ts": ts,
    }


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [el for b in blocks if b["type"] == "actions" for el in b["elements"]]


async def _draft(bot: PolicyBot) -> dict[str, Any] | None:
    stored = await bot.conversations.get(f"report:slack:{REPORTER}")
    return stored.state if stored else None


async def test_report_in_a_channel_gets_a_private_pointer_and_takes_nothing_there(
    slack: SlackClient, fake_slack: FakeSlack, bot: PolicyBot
) -> None:
    await slack.event(_mention("report", "1764000100.000100"))
    (pointer,) = await fake_slack.wait_for("chat.postEphemeral")
    assert pointer.args["user"] == REPORTER and pointer.args["channel"] == CHANNEL
    (button,) = _buttons(pointer.args["blocks"])
    assert button["action_id"].startswith("report.start#")
    assert "in private" in pointer.args["text"]
    assert not fake_slack.named("chat.postMessage")  # nothing in the channel for all to see
    assert await _draft(bot) is None

    # what the reporter then writes in the channel is not taken as a report
    await slack.event(_mention("the Headteacher is drunk on her Facebook", "1764000100.000200"))
    await fake_slack.wait_for("chat.postMessage")
    assert await _draft(bot) is None

    # the pointer's button opens the form only the reporter sees
    await slack.button(button["action_id"], button["value"], ephemeral=True, channel=CHANNEL)
    (opened,) = await fake_slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "report.form"


async def test_a_channel_mention_never_answers_a_report_started_in_the_dm(
    slack: SlackClient, fake_slack: FakeSlack, bot: PolicyBot
) -> None:
    await slack.event(_dm("report", "1764000200.000100"))
    await fake_slack.wait_for("chat.postMessage")
    before = await _draft(bot)
    assert before is not None and before.get("status", "active") == "active"
    await slack.event(_mention("yes", "1764000200.000200"))
    await fake_slack.wait_for("chat.postMessage", 2)
    assert await _draft(bot) == before  # the channel's "yes" did not answer the DM's question
    # incident commands in a channel are refused there too
    await slack.event(_mention("view SM-2026-0001", "1764000200.000300"))
    (refused,) = await fake_slack.wait_for("chat.postEphemeral")
    assert "direct message" in refused.args["text"]


def test_the_reporter_is_their_member_id_never_a_chosen_username() -> None:
    for payload in (
        {"user": {"id": "U0NOBODY999", "username": "u", "name": "headteacher"}},
        {"user_id": "U0NOBODY999", "user_name": "headteacher"},
    ):
        actor = actor_from_body(payload)
        assert actor.user_id == "U0NOBODY999" and actor.display_name == ""
