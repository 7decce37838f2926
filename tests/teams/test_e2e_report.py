"""Reporting and escalation end to end in Teams: the card form, the confirmation step, the
proactive escalations through the outbox (connector down, then back: exactly once), and the
handlers' Acknowledge / Add note / View details / Close buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.teams.conftest import JANE, LEENA, OMAR, SARAH, TOM, TeamsHarness, card_buttons
from tests.teams.fake_connector import Call

ANSWERS = {
    "immediate_risk": "no",
    "category": "contact_from_pupil",
    "child_involved": "yes",
    "staff_involved": "no",
    "platform": "snapchat",
    "when": "yesterday",
    "seen": "A Year 9 pupil sent me a friend request and then a message on Snapchat.",
    "actions_taken": "blocked,screenshot_kept",
    "urgency": "urgent",
}


def _inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(elements: list[dict[str, Any]]) -> None:
        for el in elements:
            if str(el.get("type", "")).startswith("Input."):
                found[el["id"]] = el
            walk(el.get("items", []))

    walk(card["body"])
    return found


def _button(call: Call, title: str) -> dict[str, Any]:
    assert call.card is not None, call.body
    return next(a for a in card_buttons(call.card) if a["title"] == title)


def _latest_card(h: TeamsHarness, card_id: str) -> Call:
    return [c for c in h.connector.updates() if c.activity_id == card_id][-1]


async def _fill_in_report(h: TeamsHarness, reporter: str = TOM) -> tuple[str, Call]:
    """Open the form with "report", answer it, reach the confirmation step; (card id, card)."""
    await h.post(reporter, text="report")
    form = h.connector.sent(f"a:1on1-{reporter}")[-1]
    assert form.card is not None and form.created_id is not None
    inputs = _inputs(form.card)
    assert inputs["category"]["isRequired"] and inputs["category"]["label"]
    assert "sexual_imagery" not in inputs
    answers = {k: v for k, v in ANSWERS.items() if k in inputs}
    await h.submit(reporter, _button(form, "Continue"), reply_to=form.created_id, **answers)
    # the answers bring a conditional question: the form is re-rendered in place
    again = _latest_card(h, form.created_id)
    assert again.card is not None
    assert "sexual_imagery" in _inputs(again.card)
    assert _inputs(again.card)["category"]["value"] == "contact_from_pupil"
    await h.submit(
        reporter,
        _button(again, "Continue"),
        reply_to=form.created_id,
        **answers,
        sexual_imagery="no",
    )
    confirm = _latest_card(h, form.created_id)
    assert "Check your report" in confirm.text
    return form.created_id, confirm


async def test_report_form_validation_errors_are_shown_on_the_card(harness: TeamsHarness) -> None:
    h = harness
    await h.post(TOM, text="report")
    form = h.connector.sent()[-1]
    assert form.created_id is not None
    await h.submit(TOM, _button(form, "Continue"), reply_to=form.created_id, category="other")
    again = _latest_card(h, form.created_id)
    assert "⚠️" in again.text  # a specific error next to each unanswered question
    assert "Check your report" not in again.text


async def test_report_escalates_once_even_with_the_connector_down(harness: TeamsHarness) -> None:
    h = harness
    await h.install_for(JANE, OMAR, LEENA, SARAH)
    card_id, confirm = await _fill_in_report(h)
    send = _button(confirm, "Send report")
    h.connector.down()
    await h.submit(TOM, send, reply_to=card_id)
    h.connector.up()
    # the receipt could not replace the card while Teams was down, but the report is stored
    [summary] = await h.bot.incidents.reporter_status(_actor(TOM))
    reference = summary.reference
    # pressing Send again (Teams retried, or a double click) never makes a second report:
    # it shows the same report's receipt
    await h.submit(TOM, send, reply_to=card_id)
    assert len(await h.bot.incidents.reporter_status(_actor(TOM))) == 1
    assert f"saved with reference {reference}" in _latest_card(h, card_id).text
    h.connector.down()
    await h.worker.run_once()
    alerts = [c for c in h.connector.sent() if reference in c.text and "Acknowledge" in c.text]
    assert not alerts  # Teams is down
    h.connector.up()
    for _ in range(6):
        h.bot.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
        await h.worker.run_once()
    for person in (JANE, OMAR, LEENA):
        got = [c for c in h.connector.sent(f"a:1on1-{person}") if reference in c.text]
        assert len(got) == 1, (person, [c.text for c in got])
        assert got[0].card is not None
        titles = [a["title"] for a in card_buttons(got[0].card)]
        assert any("Acknowledge" in t for t in titles)
        assert "Year 9 pupil" not in got[0].text  # details only via View details
    assert not [c for c in h.connector.sent(f"a:1on1-{SARAH}") if reference in c.text]


async def _escalated(h: TeamsHarness) -> tuple[str, Call]:
    """A report sent by Tom and delivered; (reference, the DSL's escalation card)."""
    await h.install_for(JANE, OMAR, LEENA)
    card_id, confirm = await _fill_in_report(h)
    await h.submit(TOM, _button(confirm, "Send report"), reply_to=card_id)
    receipt = _latest_card(h, card_id)
    [summary] = await h.bot.incidents.reporter_status(_actor(TOM))
    reference = summary.reference
    assert reference in receipt.text
    await h.worker.run_once()
    [escalation] = [c for c in h.connector.sent(f"a:1on1-{OMAR}") if reference in c.text]
    assert escalation.created_id is not None
    return reference, escalation


async def test_view_details_only_for_people_entitled(harness: TeamsHarness) -> None:
    h = harness
    reference, escalation = await _escalated(h)
    await h.submit(
        OMAR, _button(escalation, _title(escalation, "View")), reply_to=escalation.created_id
    )
    details = h.connector.sent(f"a:1on1-{OMAR}")[-1]
    assert "Year 9 pupil" in details.text
    # someone the report was not routed to cannot read it
    await h.press(SARAH, "incident.view", reference, reply_to=None)
    refused = h.connector.sent(f"a:1on1-{SARAH}")[-1]
    assert "Year 9 pupil" not in refused.text


async def test_handler_buttons_update_the_card_and_tell_the_reporter(harness: TeamsHarness) -> None:
    h = harness
    reference, escalation = await _escalated(h)

    # Acknowledge -> the escalation card updates in place; the reporter hears
    await h.submit(
        OMAR, _button(escalation, _title(escalation, "Acknowledge")), reply_to=escalation.created_id
    )
    while await h.worker.run_once():  # one message at a time to each person
        pass
    updated = [c for c in h.connector.updates() if c.activity_id == escalation.created_id]
    assert updated and "acknowledged" in updated[-1].text.lower()
    to_reporter = [c for c in h.connector.sent(f"a:1on1-{TOM}") if reference in c.text]
    assert any("acknowledged" in c.text.lower() for c in to_reporter)

    # Add note: a card asks for it, then it is saved
    await h.submit(
        OMAR, _button(escalation, _title(escalation, "note")), reply_to=escalation.created_id
    )
    ask = h.connector.sent(f"a:1on1-{OMAR}")[-1]
    assert ask.card is not None and "note" in _inputs(ask.card)
    await h.submit(
        OMAR, card_buttons(ask.card)[0], reply_to=ask.created_id, note="Spoke to the head of year."
    )
    assert "note has been added" in h.connector.sent(f"a:1on1-{OMAR}")[-1].text

    # Close: asks the outcome, then closes; the reporter is told
    await h.submit(
        OMAR, _button(escalation, _title(escalation, "Close")), reply_to=escalation.created_id
    )
    ask = h.connector.sent(f"a:1on1-{OMAR}")[-1]
    assert ask.card is not None and "outcome" in _inputs(ask.card)
    await h.submit(
        OMAR,
        card_buttons(ask.card)[0],
        reply_to=ask.created_id,
        outcome="Pupil spoken to; parents told.",
    )
    assert "now closed" in h.connector.sent(f"a:1on1-{OMAR}")[-1].text
    await h.worker.run_once()
    told = [c.text.lower() for c in h.connector.sent(f"a:1on1-{TOM}") if reference in c.text]
    assert any("closed" in t for t in told)


def _title(call: Call, word: str) -> str:
    assert call.card is not None
    return next(a["title"] for a in card_buttons(call.card) if word.lower() in a["title"].lower())


def _actor(aad: str) -> Any:
    from bot.messages import Actor

    return Actor("teams", aad)


async def test_report_button_on_an_answer_opens_the_form_prefilled(harness: TeamsHarness) -> None:
    h = harness
    await h.post(TOM, text="a pupil sent me a friend request on instagram what do i do")
    answer = h.connector.sent()[-1]
    assert answer.card is not None
    report = next(
        (a for a in card_buttons(answer.card) if a["data"]["pb"]["action"] == "report.start"), None
    )
    if report is None:  # the answer did not offer reporting: use the home card's button
        await h.post(TOM, text="")
        report = _button(h.connector.sent()[-1], "Report an incident")
    await h.submit(TOM, report, reply_to=answer.created_id)
    form = h.connector.sent()[-1]
    assert form.card is not None and "category" in _inputs(form.card)
    assert card_buttons(form.card)[0]["title"] == "Continue"
    # Cancel replaces the form: nothing is sent
    assert form.created_id is not None
    await h.submit(TOM, _button(form, "Cancel"), reply_to=form.created_id)
    assert "Nothing was sent" in _latest_card(h, form.created_id).text
    assert await h.bot.incidents.reporter_status(_actor(TOM)) == []


async def test_plain_chat_reports_step_by_step(harness: TeamsHarness) -> None:
    h = harness
    await h.post(TOM, text="report", channel_id="sms")
    first = h.connector.sent()[-1]
    assert first.card is None and first.body["text"]
    assert "Reply with a number" in first.body["text"]
    await h.post(TOM, text="2", channel_id="sms")  # answer the first question by number
    second = h.connector.sent()[-1]
    assert second.card is None and second.body["text"] != first.body["text"]
