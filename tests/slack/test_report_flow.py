"""Reporting end to end: /report modal, live conditional fields, field errors, confirmation,
receipt, escalation DMs through the outbox (Slack down, rate limited), incident buttons."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.delivery.worker import OutboxWorker
from bot.messages import Actor, Message
from tests.slack.conftest import DSL, HEAD, REPORTER, STRANGER, SlackClient
from tests.slack.fake_slack import FakeSlack
from tests.slack.literal import shown_literally, slack_escaped

GOOD = {
    "immediate_risk": "no",
    "category": "disparaging_post",
    "child_involved": "no",
    "staff_involved": "no",
    "platform": "facebook",
    "link": "",
    "when": "2026-11-23",
    "seen": "A parent posted <!channel> a rude comment about Mr Jones on the PTA page",
    "actions_taken": ["reported_to_platform"],
    "urgency": "routine",
}


def state_for(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """``view.state.values`` as Slack would send it for ``answers``."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        el = block["element"]
        value = answers.get(block["block_id"])
        kind = el["type"]
        state: dict[str, Any] = {"type": kind}
        if kind in {"plain_text_input", "url_text_input"}:
            state["value"] = value or None
        elif kind == "datepicker":
            state["selected_date"] = value
        elif kind in {"radio_buttons", "static_select"}:
            state["selected_option"] = {"value": value} if value else None
        else:
            state["selected_options"] = [{"value": v} for v in value or []]
        values[block["block_id"]] = {el["action_id"]: state}
    return values


def submission(user: str, view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "user": {"id": user, "username": "someone"},
        "trigger_id": "1337.50.trigger",
        "view": {
            **view,
            "id": "V0FAKE",
            "hash": "h1",
            "state": {"values": state_for(view, answers)},
        },
    }


async def open_form(slack: SlackClient, fake: FakeSlack) -> dict[str, Any]:
    resp = await slack.command("/report")
    assert resp.status == 200
    (opened,) = await fake.wait_for("views.open")
    return opened.args["view"]


async def submit_report(
    slack: SlackClient, fake: FakeSlack, answers: dict[str, Any]
) -> dict[str, Any]:
    """Fill in the form, pass the confirmation step, and send; the modal shown after."""
    form = await open_form(slack, fake)
    confirm = await slack.interactive_json(submission(REPORTER, form, answers))
    assert confirm["response_action"] == "update", confirm
    if confirm["view"]["callback_id"] == "report.form":  # a conditional field appeared
        confirm = await slack.interactive_json(submission(REPORTER, confirm["view"], answers))
    view = confirm["view"]
    assert view["callback_id"] == "report.confirm"
    sent = await slack.interactive_json(submission(REPORTER, view, {}))
    assert sent["response_action"] == "update"  # answered once the report is stored
    assert "saved with reference SM-" in json.dumps(sent["view"])
    return dict(sent["view"])


async def test_report_form_shows_conditional_fields_as_answers_change(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    form = await open_form(slack, fake_slack)
    names = [b["block_id"] for b in form["blocks"] if b["type"] == "input"]
    assert "seen" in names and "sexual_imagery" not in names
    payload = submission(REPORTER, form, {"child_involved": "yes"})
    payload.update(
        type="block_actions",
        container={"type": "view", "view_id": "V0FAKE"},
        actions=[{"type": "radio_buttons", "action_id": "form.child_involved"}],
    )
    await slack.interactive(payload)
    (update,) = await fake_slack.wait_for("views.update")
    new_names = [b["block_id"] for b in update.args["view"]["blocks"] if b["type"] == "input"]
    assert "sexual_imagery" in new_names
    assert update.args["view_id"] == "V0FAKE"


async def test_field_errors_come_back_with_response_action_errors(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    form = await open_form(slack, fake_slack)
    result = await slack.interactive_json(submission(REPORTER, form, {**GOOD, "seen": "too"}))
    assert result["response_action"] == "errors"
    assert set(result["errors"]) == {"seen"}
    assert "characters" in result["errors"]["seen"]


async def test_report_is_stored_and_escalated_exactly_once(
    slack: SlackClient, fake_slack: FakeSlack, worker: OutboxWorker, bot: PolicyBot
) -> None:
    shown = json.dumps(await submit_report(slack, fake_slack, GOOD))
    assert "SM-2026-" in shown  # the receipt is the answer to Send report
    assert await worker.run_once() == 1  # the Headteacher's alert
    assert await worker.run_once() == 1  # then the reporter's receipt, naming who has it
    assert await worker.run_once() == 0
    opened = {c.args["users"] for c in fake_slack.named("conversations.open")}
    assert HEAD in opened and REPORTER in opened
    assert DSL not in opened  # no child involved
    posts = fake_slack.named("chat.postMessage")
    assert len(posts) == len(opened)
    escalation = next(p for p in posts if p.args["channel"] == "D" + HEAD[1:])
    text = json.dumps(escalation.args["blocks"])
    assert "SM-2026-" in text and "Oakfield" in text
    assert "<!channel>" not in text  # nothing a reporter typed can ping a channel


async def test_slack_down_report_stored_then_dms_arrive_once_after_recovery(
    slack: SlackClient,
    fake_slack: FakeSlack,
    worker: OutboxWorker,
    bot: PolicyBot,
    clock: FakeClock,
) -> None:
    form = await open_form(slack, fake_slack)
    confirm = await slack.interactive_json(submission(REPORTER, form, GOOD))
    fake_slack.fail(status=500)  # Slack's Web API goes down
    sent = await slack.interactive_json(submission(REPORTER, confirm["view"], {}))
    assert sent["response_action"] == "update"
    (stored,) = await bot.incidents.reporter_status(Actor("slack", REPORTER))
    assert stored.reference in json.dumps(sent["view"])  # the receipt needs nothing of Slack
    assert stored.reference.startswith("SM-2026-")  # stored at once, whatever Slack's state
    await worker.run_once()
    assert fake_slack.named("chat.postMessage") == []
    fake_slack.recover()
    assert await worker.run_once() == 0  # backing off: nothing due yet
    clock.advance(hours=2)
    delivered = 0
    while n := await worker.run_once():
        delivered += n
    assert delivered == 2  # the Headteacher's alert, then the receipt naming her
    clock.advance(hours=2)
    assert await worker.run_once() == 0
    channels = [c.args["channel"] for c in fake_slack.named("chat.postMessage")]
    assert len(channels) == len(set(channels)) == delivered
    assert "D" + HEAD[1:] in channels and "D" + REPORTER[1:] in channels


async def test_rate_limit_waits_for_retry_after(
    slack: SlackClient, fake_slack: FakeSlack, worker: OutboxWorker, clock: FakeClock
) -> None:
    await submit_report(slack, fake_slack, GOOD)
    fake_slack.fail("chat.postMessage", retry_after=600)
    await worker.run_once()
    assert fake_slack.named("failed:chat.postMessage")
    fake_slack.recover()
    clock.advance(timedelta(seconds=590))
    assert await worker.run_once() == 0  # Slack asked for 600 s
    clock.advance(timedelta(hours=1))
    assert await worker.run_once() >= 1
    assert fake_slack.named("chat.postMessage")


async def _delivered(slack: SlackClient, fake: FakeSlack, worker: OutboxWorker) -> dict:
    await submit_report(slack, fake, {**GOOD, "child_involved": "yes", "sexual_imagery": "no"})
    await worker.run_once()
    return next(
        p.args for p in fake.named("chat.postMessage") if p.args["channel"] == "D" + DSL[1:]
    )


def _button(message: dict, action: str) -> dict:
    return next(
        el
        for b in message["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"].split("#")[0] == action
    )


async def test_incident_buttons_ack_view_note_close(
    slack: SlackClient, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    message = await _delivered(slack, fake_slack, worker)
    channel, ts = "D" + DSL[1:], "1764000000.000001"
    # View details: a modal, only for people entitled
    view = _button(message, "incident.view")
    await slack.button(view["action_id"], view["value"], user=DSL, channel=channel, message_ts=ts)
    opened = await fake_slack.wait_for("views.open", 2)
    shown = json.dumps(opened[-1].args["view"])
    assert "Mr Jones" in shown and shown_literally(opened[-1].args["view"], "<!channel>")
    await slack.button(view["action_id"], view["value"], user=STRANGER, channel=channel)
    refused = (await fake_slack.wait_for("views.open", 3))[-1].args["view"]
    assert "Mr Jones" not in json.dumps(refused)  # the stranger saw no details
    # Acknowledge: the messages update in place through the outbox
    ack = _button(message, "incident.ack")
    posted = len(fake_slack.named("chat.postMessage"))  # counted before: the reply may be quick
    await slack.button(ack["action_id"], ack["value"], user=DSL, channel=channel, message_ts=ts)
    await fake_slack.wait_for("chat.postMessage", posted + 1)
    await worker.run_once()
    assert fake_slack.named("chat.update")
    # Add note: a modal, then the note is saved
    note = _button(message, "incident.note")
    await slack.button(note["action_id"], note["value"], user=DSL, channel=channel, message_ts=ts)
    opened = await fake_slack.wait_for("views.open", 4)
    form = opened[-1].args["view"]
    assert form["callback_id"] == "action.form"
    before = len(fake_slack.named("chat.postMessage"))
    await slack.interactive(submission(DSL, form, {"note": "Spoke to the parent."}))
    posts = await fake_slack.wait_for("chat.postMessage", before + 1)
    assert "note has been added" in posts[-1].args["text"]
    # Close: confirm dialog on the button, then a modal asking the outcome
    close = _button(message, "incident.close")
    assert close.get("confirm")
    await slack.button(close["action_id"], close["value"], user=DSL, channel=channel, message_ts=ts)
    opened = await fake_slack.wait_for("views.open", 5)
    form = opened[-1].args["view"]
    before = len(fake_slack.named("chat.postMessage"))
    await slack.interactive(submission(DSL, form, {"outcome": "Post removed by the parent."}))
    posts = await fake_slack.wait_for("chat.postMessage", before + 1)
    assert "is now closed" in posts[-1].args["text"]


async def test_report_this_message_prefills_text_and_link(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    await slack.interactive(
        {
            "type": "message_action",
            "callback_id": "report_message",
            "user": {"id": REPORTER, "username": "tom"},
            "channel": {"id": "C0STAFF01"},
            "message": {"ts": "1764000005.000900", "text": "look at what a pupil sent me"},
            "trigger_id": "1337.60.trigger",
            "response_url": fake_slack.response_url("sc"),
        }
    )
    (opened,) = await fake_slack.wait_for("views.open")
    blocks = {b.get("block_id"): b for b in opened.args["view"]["blocks"]}
    assert blocks["seen"]["element"]["initial_value"] == "look at what a pupil sent me"
    assert blocks["link"]["element"]["initial_value"].startswith(
        "https://school.slack.com/archives/C0STAFF01/p1764000005"
    )


async def test_home_tab_lists_own_reports_and_a_report_button(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    await submit_report(slack, fake_slack, GOOD)
    await slack.event({"type": "app_home_opened", "user": REPORTER, "tab": "home"})
    (published,) = await fake_slack.wait_for("views.publish")
    view = published.args["view"]
    assert view["type"] == "home"
    assert "SM-2026-" in json.dumps(view)
    assert any(
        el["action_id"].startswith("report.start")
        for b in view["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
    )


async def test_a_spent_trigger_gets_a_button_that_opens_the_form(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("views.open", error="expired_trigger_id", times=1)
    await slack.command("/report")
    (notice,) = await fake_slack.wait_for("respond")
    assert "took too long" in notice.args["text"] and notice.args["response_type"] == "ephemeral"
    (again,) = [b for b in _buttons(notice.args["blocks"]) if b["value"] == "{}"]
    await slack.button(again["action_id"], again["value"])
    (opened,) = await fake_slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "report.form"


async def test_a_spent_trigger_keeps_a_long_reported_message_and_its_link(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("views.open", error="expired_trigger_id", times=1)
    long_text = "they wrote “" + "é & <b>" * 400 + "”"  # as typed; Slack sends it escaped
    await slack.interactive(
        {
            "type": "message_action",
            "callback_id": "report_message",
            "user": {"id": REPORTER, "username": "tom"},
            "channel": {"id": "C0STAFF01"},
            "message": {"ts": "1764000005.000900", "text": slack_escaped(long_text)},
            "trigger_id": "1337.61.trigger",
            "response_url": fake_slack.response_url("sc"),
        }
    )
    (notice,) = await fake_slack.wait_for("respond")
    (again,) = _buttons(notice.args["blocks"])
    assert len(again["value"]) <= 2000
    prefill = json.loads(again["value"])
    assert prefill["link"].startswith("https://school.slack.com/archives/C0STAFF01/")
    assert long_text.startswith(prefill["seen"].rstrip("…")) and len(prefill["seen"]) > 1000
    await slack.button(again["action_id"], again["value"])
    (opened,) = await fake_slack.wait_for("views.open")
    blocks = {b.get("block_id"): b for b in opened.args["view"]["blocks"]}
    assert blocks["seen"]["element"]["initial_value"] == prefill["seen"]


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        el
        for block in blocks
        if block["type"] == "actions"
        for el in block["elements"]
        if el["type"] == "button"
    ]


async def test_a_spent_trigger_on_add_note_offers_the_same_button_again(
    slack: SlackClient, fake_slack: FakeSlack, worker: OutboxWorker
) -> None:
    message = await _delivered(slack, fake_slack, worker)
    channel, ts = "D" + DSL[1:], "1764000000.000001"
    note = _button(message, "incident.note")
    fake_slack.fail("views.open", error="expired_trigger_id", times=1)
    posted = len(fake_slack.named("chat.postMessage"))
    await slack.button(note["action_id"], note["value"], user=DSL, channel=channel, message_ts=ts)
    notice = (await fake_slack.wait_for("chat.postMessage", posted + 1))[-1]  # in the DM
    assert "took too long" in notice.args["text"] and notice.args["channel"] == channel
    (again,) = _buttons(notice.args["blocks"])
    assert again["action_id"].split("#")[0] == "incident.note" and again["value"] == note["value"]
    opened = len(fake_slack.named("views.open"))
    await slack.button(again["action_id"], again["value"], user=DSL, channel=channel)
    form = (await fake_slack.wait_for("views.open", opened + 1))[-1].args["view"]
    assert form["callback_id"] == "action.form"


async def test_a_dismissed_note_form_takes_nothing_typed_afterwards(
    slack: SlackClient, fake_slack: FakeSlack, worker: OutboxWorker, bot: PolicyBot
) -> None:
    """Add note opens a modal; closed without saving, the handler's next DM is a question
    again, never saved as a note."""
    message = await _delivered(slack, fake_slack, worker)
    channel, ts = "D" + DSL[1:], "1764000000.000001"
    note = _button(message, "incident.note")
    opened = len(fake_slack.named("views.open"))
    await slack.button(note["action_id"], note["value"], user=DSL, channel=channel, message_ts=ts)
    await fake_slack.wait_for("views.open", opened + 1)  # ... and the modal is dismissed
    posted = len(fake_slack.named("chat.postMessage"))
    dm = {"type": "message", "channel_type": "im", "channel": channel, "user": DSL}
    await slack.event({**dm, "text": "can i add a yr 11 kid on snap", "ts": "1764000100.000100"})
    answer = (await fake_slack.wait_for("chat.postMessage", posted + 1))[-1].args
    assert "note has been added" not in answer["text"]
    assert "Not allowed" in json.dumps(answer["blocks"])
    (mine,) = await bot.incidents.reporter_status(Actor("slack", REPORTER))
    details = await bot.handle(Message(Actor("slack", DSL), f"view {mine.reference}", "x"))
    assert "yr 11 kid" not in details[0].text
