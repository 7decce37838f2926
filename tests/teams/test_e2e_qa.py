"""Policy Q&A end to end: real activities over HTTP, replies captured on the fake connector."""

from __future__ import annotations

from typing import Any

from tests.teams.card_text import text_of, texts
from tests.teams.conftest import TOM, TeamsHarness, card_buttons


def _buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["title"]: a for a in card_buttons(card)}


async def test_question_in_personal_chat_gets_a_verdict_card(harness: TeamsHarness) -> None:
    await harness.post(TOM, text="can i add a yr 11 kid on snap")
    [reply] = harness.connector.sent(f"a:1on1-{TOM}")
    card = reply.card
    assert card is not None
    assert text_of(card["body"][0]) == "⛔ Not allowed"
    assert "Accepting any current pupil" in reply.text  # the policy's own words
    assert "Not allowed" in card["fallbackText"]
    assert not any(a["data"]["pb"]["action"] == "qa.suggest" for a in card_buttons(card))


async def test_follow_up_choice_updates_the_answer_in_place(harness: TeamsHarness) -> None:
    await harness.post(TOM, text="an ex-pupil wants to follow me on instagram")
    [first] = harness.connector.sent()
    assert first.card is not None and text_of(first.card["body"][0]) == "⚠️ It depends"
    button = _buttons(first.card)["18 or over"]
    card_id = "act-1"
    await harness.submit(TOM, button, reply_to=card_id)
    [update] = harness.connector.updates()
    assert update.activity_id == card_id
    assert update.card is not None
    assert text_of(update.card["body"][0]) != "⚠️ It depends"
    assert len(harness.connector.sent()) == 1  # nothing new posted: updated in place


async def test_did_you_mean_choice_answers_that_topic(harness: TeamsHarness) -> None:
    await harness.post(TOM, text="the head")
    [first] = harness.connector.sent()
    assert first.card is not None
    assert "Did you mean:" in texts(first.card["body"])  # the same heading as Slack, console
    suggest = card_buttons(first.card)[0]
    assert suggest["data"]["pb"]["action"] == "qa.suggest"
    await harness.submit(TOM, suggest, reply_to="act-1")
    answers = harness.connector.updates() + harness.connector.sent()[1:]
    assert answers and answers[0].card is not None


async def test_mention_in_a_channel_answers_in_the_thread(harness: TeamsHarness) -> None:
    channel = "19:staffroom@thread.tacv2;messageid=1700000000000"
    body = await harness.post(
        TOM,
        text="<at>policybot</at> can I use the school logo on my own blog",
        conversation_id=channel,
        conversation_type="channel",
    )
    [reply] = harness.connector.sent(channel)
    assert reply.activity_id == body["id"]  # a threaded reply to the mention
    assert reply.card is not None and "policybot" not in reply.card["fallbackText"].split("\n")[0]


async def test_plain_text_client_gets_text_and_can_answer_by_number(harness: TeamsHarness) -> None:
    await harness.post(TOM, text="an ex-pupil wants to follow me on instagram", channel_id="sms")
    [first] = harness.connector.sent()
    assert first.card is None and "attachments" not in first.body
    assert "1. Under 18" in first.body["text"] and "2. 18 or over" in first.body["text"]
    await harness.post(TOM, text="1", channel_id="sms")
    second = harness.connector.sent()[1]
    assert second.card is None
    assert second.body["text"].startswith("Not allowed")  # option 1 was "Under 18"


async def test_help_and_empty_mention_show_what_the_bot_does(harness: TeamsHarness) -> None:
    await harness.post(TOM, text="<at>policybot</at>")
    [home] = harness.connector.sent()
    assert "Report an incident" in [a["title"] for a in (home.card or {}).get("actions", [])]
    await harness.post(TOM, text="help")
    assert "example" in harness.connector.sent()[1].text.lower()


async def test_message_without_aad_object_id_gets_a_friendly_answer(harness: TeamsHarness) -> None:
    body_from = {"id": "29:anon", "name": "Someone"}
    response = await harness.client.post(
        "/api/messages",
        json={
            "type": "message",
            "id": "x1",
            "channelId": "msteams",
            "serviceUrl": harness.connector.url,
            "from": body_from,
            "recipient": {"id": "28:bot"},
            "conversation": {"id": "a:anon", "conversationType": "personal"},
            "text": "hello",
        },
    )
    assert response.status == 202
    [reply] = harness.connector.sent()
    assert "could not tell who you are" in reply.text


async def test_malformed_requests_get_400_not_500(harness: TeamsHarness) -> None:
    for body in (b"not json", b'{"type": "message"}', b'{"type": 5, "conversation": "x"}'):
        response = await harness.client.post(
            "/api/messages", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status == 400, (body, response.status)
    assert harness.connector.calls == []
