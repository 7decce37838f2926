"""While Slack's Web API is down, people are told the truth: an Acknowledge or a note the
bot saved is reported as saved (never "try again", which would duplicate a note)."""

from __future__ import annotations

from bot.app import PolicyBot
from bot.delivery.worker import OutboxWorker
from bot.messages import Actor
from tests.slack.conftest import DSL, SlackClient
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_report_flow import _button, _delivered, submission


async def _details_notes(bot: PolicyBot, reference: str) -> int:
    details = await bot.incidents.view_details(Actor("slack", DSL), reference)
    return len(details.notes)


async def test_acknowledge_saved_during_an_outage_says_so(
    slack: SlackClient, fake_slack: FakeSlack, worker: OutboxWorker, bot: PolicyBot
) -> None:
    message = await _delivered(slack, fake_slack, worker)
    channel, ts = "D" + DSL[1:], "1764000000.000001"
    ack = _button(message, "incident.ack")
    fake_slack.fail("chat.postMessage", status=500)
    fake_slack.fail("chat.update", status=500)
    await slack.button(ack["action_id"], ack["value"], user=DSL, channel=channel, message_ts=ts)
    (told,) = await fake_slack.wait_for("respond")
    assert "acknowledged" in told.args["text"] and "it is saved" in told.args["text"]
    assert "try again" not in told.args["text"].lower()
    [summary] = await bot.incidents.handler_queue(Actor("slack", DSL))
    assert summary.state == "acknowledged"


async def test_a_note_saved_during_an_outage_is_shown_saved_in_its_modal_once(
    slack: SlackClient, fake_slack: FakeSlack, worker: OutboxWorker, bot: PolicyBot
) -> None:
    message = await _delivered(slack, fake_slack, worker)
    channel, ts = "D" + DSL[1:], "1764000000.000001"
    note = _button(message, "incident.note")
    await slack.button(note["action_id"], note["value"], user=DSL, channel=channel, message_ts=ts)
    form = (await fake_slack.wait_for("views.open", 2))[-1].args["view"]
    assert "SM-" in str(form["blocks"])  # the reference is in the body, not cut off the title
    fake_slack.fail("*", status=500)  # Slack's Web API is down
    answer = await slack.interactive_json(submission(DSL, form, {"note": "Spoke to the parent."}))
    assert answer["response_action"] == "update"
    assert answer["view"]["title"]["text"] == "Saved"
    assert "note has been added" in str(answer["view"]["blocks"])
    assert await _details_notes(bot, note["value"]) == 1
    empty = await slack.interactive_json(submission(DSL, form, {"note": ""}))
    assert empty["response_action"] == "errors" and "note" in empty["errors"]
    assert await _details_notes(bot, note["value"]) == 1
