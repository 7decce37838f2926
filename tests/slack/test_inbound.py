"""What comes in from Slack, over real HTTP: the signature is checked before the body is read
(bad requests get 400/401, never a 5xx), a retried event is handled once, and what people
type reaches the bot as they typed it: colleagues' mentions kept, links with their address."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest

from adapters.slack.typed_text import readable
from bot.app import PolicyBot
from tests.slack.conftest import REPORTER, SlackClient, sign
from tests.slack.fake_slack import BOT_USER, FakeSlack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload={not json", FORM),
        ("{oops", JSON),
        ('["a list"]', JSON),
        ("payload=%5B1%2C2%5D", FORM),
        ("\x00\x01 binary", "application/octet-stream"),
    ],
)
async def test_malformed_bodies_get_401_unsigned_and_400_signed_never_5xx(
    slack: SlackClient, body: str, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    unsigned = await slack.post(body, content_type, headers={})
    assert unsigned.status == 401
    forged = await slack.post(body, content_type, headers=sign(body, secret="wrong"))
    assert forged.status == 401
    stale = await slack.post(body, content_type, headers=sign(body, int(time.time()) - 3600))
    assert stale.status == 401
    bad_ts = {**sign(body), "X-Slack-Request-Timestamp": "abc"}
    assert (await slack.post(body, content_type, headers=bad_ts)).status == 401
    signed = await slack.post(body, content_type)
    assert signed.status == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_retried_event_is_answered_once(
    slack: SlackClient, fake_slack: FakeSlack, bot: PolicyBot
) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "user": REPORTER,
        "text": "report",
        "channel": "D0TCOOPR10",
        "ts": "1764000300.000100",
    }
    first = await slack.event(event, event_id="Ev0RETRY1")
    assert first.status == 200
    await fake_slack.wait_for("chat.postMessage")
    draft = await bot.conversations.get(f"report:slack:{REPORTER}")
    for attempt in (1, 2):
        again = await slack.event(event, event_id="Ev0RETRY1", retry=attempt)
        assert again.status == 200
    await slack.event({**event, "text": "help", "ts": "1764000300.000200"})  # a new event
    calls = await fake_slack.wait_for("chat.postMessage", 2)
    assert len(calls) == 2  # the retries were not answered again
    after = await bot.conversations.get(f"report:slack:{REPORTER}")
    assert after is not None and draft is not None and after.version == draft.version


async def test_mentions_of_colleagues_are_kept_as_their_names(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    typed = f"<@{BOT_USER}> <@U04JSMITH01> and <@U0NONAME01> posted <https://evil.example/x|this>"
    await slack.interactive(
        {
            "type": "message_action",
            "callback_id": "report_message",
            "user": {"id": REPORTER},
            "channel": {"id": "C0STAFF01"},
            "message": {"ts": "1764000400.000100", "text": typed},
            "trigger_id": "1337.70.trigger",
            "response_url": fake_slack.response_url("sc"),
        }
    )
    (opened,) = await fake_slack.wait_for("views.open")
    blocks = {b.get("block_id"): b for b in opened.args["view"]["blocks"]}
    seen = blocks["seen"]["element"]["initial_value"]
    assert seen == "@Jane Smith and @U0NONAME01 posted this (https://evil.example/x)"


def test_slack_markup_is_read_back_as_typed() -> None:
    names = {"U0ANN01": "Ann Lee"}
    assert (
        readable("<@U0ANN01> &lt;b&gt; &amp; <#C1|staff> <!here>", names)
        == "@Ann Lee <b> & #staff @here"
    )
    assert readable("<@UBOT1> hi", {}, bot_user_id="UBOT1").strip() == "hi"
    assert readable("<mailto:a@b.org|a@b.org> <https://x.org>", {}) == "a@b.org https://x.org"
    assert readable("<!subteam^S1|@heads> <!date^1|Monday>", {}) == "@heads Monday"


async def test_long_non_ascii_question_keeps_its_follow_up_buttons_whole(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    # JSON escapes each emoji to 12 characters: the button value would be over 3,700
    question = "an ex-pupil wants to follow me on instagram " + "😀" * 300
    await slack.command("/policy", question)
    (first,) = await fake_slack.wait_for("respond")
    buttons = [
        el
        for b in first.args["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"].startswith("qa.fact#")
    ]
    assert buttons and all(len(b["value"]) <= 2000 for b in buttons)
    await slack.button(buttons[0]["action_id"], buttons[0]["value"], ephemeral=True)
    calls = await fake_slack.wait_for("respond", 2)
    assert calls[1].args["replace_original"] is True
    assert "Sorry" not in calls[1].args["text"]  # the stored value was read back whole


async def test_top_level_text_never_pings_or_links(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    dm = {"type": "message", "channel_type": "im", "user": REPORTER, "channel": "D0TCOOPR10"}
    # Slack sends what was typed as "<!channel>" (a real @channel) and *bold* as it is
    question = "an ex-pupil wants to follow me on insta <!channel> *bold* <https://evil.example|x>"
    await slack.event({**dm, "text": question, "ts": "1764000500.000100"})
    await slack.event({**dm, "text": "and if she's 20?", "ts": "1764000500.000200"})
    calls = await fake_slack.wait_for("chat.postMessage", 2)
    for call in calls:
        text = call.args["text"]
        assert "<!channel>" not in text and "<https://" not in text
    assert any("@channel" in json.dumps(c.args) for c in calls)
    body = urlencode({"payload": "{}"})
    assert (await slack.post(body, FORM)).status < 500
