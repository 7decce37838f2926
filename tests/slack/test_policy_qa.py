"""/policy, DMs and @mentions end to end: signed request in, Block Kit out to the fake Slack."""

from __future__ import annotations

import time

from tests.slack.conftest import REPORTER, SlackClient
from tests.slack.fake_slack import FakeSlack


def _texts(blocks: list[dict]) -> str:
    out = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            out.append(text["text"])
        for el in block.get("elements", []):
            if isinstance(el.get("text"), dict):
                out.append(el["text"]["text"])
            elif isinstance(el.get("text"), str):
                out.append(el["text"])
    return "\n".join(out)


async def test_policy_answers_privately_with_verdict_and_policy_words(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    started = time.perf_counter()
    resp = await slack.command("/policy", "can i add a yr 11 kid on snapchat")
    assert resp.status == 200
    assert time.perf_counter() - started < 3.0
    (call,) = await fake_slack.wait_for("respond")
    assert call.args["response_type"] == "ephemeral"
    blocks = call.args["blocks"]
    shown = _texts(blocks)
    assert "*Not allowed*" in shown
    assert any(b["type"] == "section" and "&gt; " in b["text"]["text"] for b in blocks)
    assert "Policy:" in shown
    assert call.args["text"]  # plain-text fallback


async def test_follow_up_button_updates_the_answer_in_place(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    await slack.command("/policy", "an ex-pupil wants to follow me on instagram")
    (first,) = await fake_slack.wait_for("respond")
    buttons = [
        el
        for b in first.args["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"].startswith("qa.fact#")
    ]
    assert buttons, "a conditional answer offers the fact as buttons"
    resp = await slack.button(
        buttons[0]["action_id"], buttons[0]["value"], ephemeral=True, channel="C0STAFF01"
    )
    assert resp.status == 200
    calls = await fake_slack.wait_for("respond", 2)
    assert calls[1].args["replace_original"] is True
    assert calls[1].args["text"] != first.args["text"]  # answered again with the fact


async def test_dm_to_the_bot_is_answered_in_a_thread(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    resp = await slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0TOM0001",
            "user": REPORTER,
            "text": "can I use the school logo on my own blog",
            "ts": "1764000001.000200",
        }
    )
    assert resp.status == 200
    (post,) = await fake_slack.wait_for("chat.postMessage")
    assert post.args["channel"] == "D0TOM0001"
    assert post.args["thread_ts"] == "1764000001.000200"


async def test_mention_answers_in_the_thread_and_ignores_bots(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    await slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0TOM0001",
            "user": REPORTER,
            "bot_id": "BOTHER",
            "text": "I am a bot",
            "ts": "1764000001.000100",
        }
    )
    await slack.event(
        {
            "type": "app_mention",
            "channel": "C0STAFF01",
            "user": REPORTER,
            "text": "<@UPOLICYBOT1> who do I tell if a pupil DMs me",
            "ts": "1764000002.000300",
        }
    )
    (post,) = await fake_slack.wait_for("chat.postMessage")
    assert post.args["channel"] == "C0STAFF01"
    assert post.args["thread_ts"] == "1764000002.000300"
    assert "UPOLICYBOT1" not in post.args["text"]
