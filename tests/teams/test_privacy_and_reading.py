"""Teams end to end over real HTTP: reports stay private (never taken in a channel), what
people type is shown as typed (never read as Markdown), the report form puts the
safeguarding guidance first and speaks form, not chat, and cards read well (urgency at a
glance, one welcome per install)."""

from __future__ import annotations

from typing import Any

from tests.teams.card_text import texts, walk
from tests.teams.conftest import BOT_ID, JANE, LEENA, OMAR, TOM, TeamsHarness, card_buttons
from tests.teams.fake_connector import Call

CHANNEL = "19:staffroom@thread.tacv2;messageid=1700000000000"
EVIDENCE = "_jo_smith_09_ shared [this post](https://evil.example/phish) about a pupil"


def _inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {el["id"]: el for el in walk(card["body"]) if str(el.get("type")).startswith("Input.")}


def _button(call: Call, title: str) -> dict[str, Any]:
    assert call.card is not None, call.body
    return next(a for a in card_buttons(call.card) if a["title"] == title)


def _latest(h: TeamsHarness, card_id: str) -> Call:
    return [c for c in h.connector.updates() if c.activity_id == card_id][-1]


async def _draft(h: TeamsHarness, aad: str) -> dict[str, Any] | None:
    stored = await h.bot.conversations.get(f"report:teams:{aad}")
    return stored.state if stored else None


async def test_report_in_a_channel_goes_to_the_private_chat_and_nothing_is_taken_there(
    harness: TeamsHarness,
) -> None:
    h = harness
    await h.install_for(TOM)
    in_channel = {"conversation_id": CHANNEL, "conversation_type": "channel"}
    await h.post(TOM, text="<at>policybot</at> report", **in_channel)
    (pointer,) = h.connector.sent(CHANNEL)
    assert pointer.card is not None and not _inputs(pointer.card)  # no form in the channel
    (open_chat,) = card_buttons(pointer.card)
    assert open_chat["type"] == "Action.OpenUrl" and BOT_ID in open_chat["url"]
    assert "sent you the report form" in pointer.text
    form = h.connector.sent(f"a:1on1-{TOM}")[-1]
    assert form.card is not None and "immediate_risk" in _inputs(form.card)

    await h.post(TOM, text="<at>policybot</at> the Headteacher is drunk", **in_channel)
    assert await _draft(h, TOM) is None
    assert not [c for c in h.connector.updates() if c.conversation_id == CHANNEL]


async def test_without_a_private_chat_the_channel_gets_only_a_pointer(
    harness: TeamsHarness,
) -> None:
    h = harness
    await h.post(
        JANE, text="<at>policybot</at> report", conversation_id=CHANNEL, conversation_type="channel"
    )
    (pointer,) = h.connector.sent(CHANNEL)
    assert "Open your private chat" in pointer.text
    assert not h.connector.sent(f"a:1on1-{JANE}")


async def test_a_channel_message_never_answers_a_report_started_in_private(
    harness: TeamsHarness,
) -> None:
    h = harness
    await h.post(TOM, text="report", channel_id="sms")  # a plain-text client: step by step
    before = await _draft(h, TOM)
    assert before is not None
    await h.post(
        TOM, text="<at>policybot</at> yes", conversation_id=CHANNEL, conversation_type="channel"
    )
    assert await _draft(h, TOM) == before


async def _report(h: TeamsHarness, **answers: str) -> tuple[str, Call]:
    """Tom fills in and sends a report through the card form; (reference, receipt)."""
    await h.post(TOM, text="report")
    form = h.connector.sent(f"a:1on1-{TOM}")[-1]
    assert form.card is not None and form.created_id is not None
    card_id = form.created_id
    card = form
    for _ in range(4):
        inputs = _inputs(card.card or {})
        await h.submit(
            TOM,
            _button(card, "Continue"),
            reply_to=card_id,
            **{k: v for k, v in answers.items() if k in inputs},
        )
        card = _latest(h, card_id)
        if any(a["title"] == "Send report" for a in (card.card or {}).get("actions", [])):
            break
    await h.submit(TOM, _button(card, "Send report"), reply_to=card_id)
    [summary] = await h.bot.incidents.reporter_status(_actor(TOM))
    return summary.reference, _latest(h, card_id)


def _actor(aad: str) -> Any:
    from bot.messages import Actor

    return Actor("teams", aad)


ROUTINE = {
    "immediate_risk": "no",
    "category": "disparaging_post",
    "child_involved": "no",
    "staff_involved": "no",
    "platform": "facebook",
    "when": "2026-11-23",
    "seen": EVIDENCE,
    "actions_taken": "told_someone",
    "urgency": "routine",
}


async def test_what_people_typed_is_shown_literally_in_the_details(harness: TeamsHarness) -> None:
    h = harness
    await h.install_for(JANE, OMAR, LEENA)
    reference, _receipt = await _report(h, **ROUTINE)
    await h.worker.run_once()
    [escalation] = [c for c in h.connector.sent(f"a:1on1-{JANE}") if reference in c.text]
    await h.submit(
        JANE,
        next(
            a
            for a in card_buttons(escalation.card)  # type: ignore[arg-type]
            if a["title"] == "View details"
        ),
        reply_to=escalation.created_id,
    )
    details = h.connector.calls[-1]
    assert details.card is not None
    holders = [el for el in walk(details.card["body"]) if EVIDENCE in str(el)]
    assert holders, "the evidence is in the details card"
    innermost = [
        el for el in holders if el.get("type") in {"TextBlock", "RichTextBlock", "FactSet"}
    ]
    assert innermost and all(el["type"] == "RichTextBlock" for el in innermost)
    assert EVIDENCE in texts(details.card["body"])


async def test_form_guidance_first_in_form_wording_and_an_other_platform(
    harness: TeamsHarness,
) -> None:
    h = harness
    await h.post(TOM, text="report")
    form = h.connector.sent(f"a:1on1-{TOM}")[-1]
    assert form.card is not None
    first = form.card["body"][0]
    assert first["type"] == "Container" and first["style"] == "attention"
    assert "999" in "\n".join(texts([first])) and "do not view" in "\n".join(texts([first])).lower()
    shown = "\n".join(texts(form.card["body"])).lower()
    assert "reply with" not in shown and "type “skip”" not in shown and "type 'skip'" not in shown
    assert "“send report”" in shown
    when = _inputs(form.card)["when"]
    assert when["type"] == "Input.Date" and when["max"] == h.bot.clock.now().date().isoformat()
    platform = _inputs(form.card)["platform"]
    assert platform["choices"][-1]["value"] == "__other__" and "platform_other" in _inputs(
        form.card
    )
    answers = {**ROUTINE, "platform": "__other__", "platform_other": "Mastodon"}
    reference, _receipt = await _report(h, **answers)
    details = await h.bot.incidents.view_details(_actor(JANE), reference)
    assert "Mastodon" in str(details.details)


async def test_immediate_risk_guidance_is_its_own_message_and_cancel_says_tell_the_dsl(
    harness: TeamsHarness,
) -> None:
    h = harness
    await h.post(TOM, text="report")
    form = h.connector.sent(f"a:1on1-{TOM}")[-1]
    assert form.created_id is not None and form.card is not None
    # before it applies, each line says what it is about (it stands above its question)
    before = texts([form.card["body"][0]])
    assert not any("If yes" in line for line in before), before
    assert any(line.startswith("•  If a child is in immediate danger") for line in before)
    await h.submit(TOM, _button(form, "Continue"), reply_to=form.created_id, immediate_risk="yes")
    notice = h.connector.sent(f"a:1on1-{TOM}")[-1]
    assert notice.card is not None and notice is not form
    assert notice.card["body"][0]["style"] == "attention" and "999" in notice.text
    again = _latest(h, form.created_id)
    assert again.card is not None and "999" in "\n".join(texts([again.card["body"][0]]))
    # the full guidance names Tom's DSL, filled in as the core says it, never "{dsl}"
    shown = "\n".join(texts([notice.card["body"][0], again.card["body"][0]]))
    assert "(DSL), Omar Khan, straight away" in shown and "{" not in shown
    # pressing Continue again does not send the guidance a second time
    await h.submit(TOM, _button(again, "Continue"), reply_to=form.created_id, immediate_risk="yes")
    assert h.connector.sent(f"a:1on1-{TOM}")[-1] is notice
    await h.submit(TOM, _button(_latest(h, form.created_id), "Cancel"), reply_to=form.created_id)
    cancelled = _latest(h, form.created_id)
    assert "Nothing was sent" in cancelled.text and "straight away" in cancelled.text


async def test_an_immediate_incident_stands_out_at_a_glance(harness: TeamsHarness) -> None:
    h = harness
    await h.install_for(JANE, OMAR, LEENA)
    answers = {
        **ROUTINE,
        "immediate_risk": "yes",
        "category": "child_communication",
        "sexual_imagery": "no",
        "seen": "A pupil says they will be hurt tonight.",
    }
    reference, _ = await _report(h, **answers)
    await h.worker.run_once()
    [to_dsl] = [c for c in h.connector.sent(f"a:1on1-{OMAR}") if reference in c.text]
    assert to_dsl.card is not None
    banner = to_dsl.card["body"][0]
    assert banner["type"] == "Container" and banner["style"] == "attention"
    assert "IMMEDIATE" in texts([banner])[0]
    facts = [el for el in walk(to_dsl.card["body"]) if el.get("type") == "FactSet"]
    assert facts and any(f["title"] == "Reference" for f in facts[0]["facts"])
    # a sentence with a colon in it is a sentence, not a row of the fact table
    titles = [f["title"] for fs in facts for f in fs["facts"]]
    assert not any(t.startswith("A child may be") for t in titles), titles
    assert any(line.endswith("act now.") for line in texts(to_dsl.card["body"]))
    # the four handler buttons come in rows that each fit Teams' narrowest card
    rows = [el["actions"] for el in walk(to_dsl.card["body"]) if el.get("type") == "ActionSet"]
    assert [[a["title"] for a in row] for row in rows] == [
        ["Acknowledge", "Add a note"],
        ["View details", "Close with outcome"],
    ]
    assert "actions" not in to_dsl.card


async def test_one_welcome_per_install(harness: TeamsHarness) -> None:
    h = harness
    await h.post(TOM, kind="installationUpdate", action="add")
    await h.post(TOM, kind="conversationUpdate", membersAdded=[{"id": BOT_ID}])
    assert len(h.connector.sent(f"a:1on1-{TOM}")) == 1


async def test_notes_are_taken_only_in_the_cards_input(harness: TeamsHarness) -> None:
    """Add note shows a card with its own input: a message typed after it is a question,
    never saved as the note."""
    h = harness
    await h.install_for(JANE, OMAR, LEENA)
    reference, _receipt = await _report(h, **ROUTINE)
    await h.worker.run_once()
    [escalation] = [c for c in h.connector.sent(f"a:1on1-{JANE}") if reference in c.text]
    add_note = next(
        a
        for a in card_buttons(escalation.card)  # type: ignore[arg-type]
        if "note" in a["title"].lower()
    )
    await h.submit(JANE, add_note, reply_to=escalation.created_id)
    form = h.connector.sent(f"a:1on1-{JANE}")[-1]
    assert form.card is not None and "note" in _inputs(form.card)
    await h.post(JANE, text="can i add a yr 11 kid on snap")
    answer = h.connector.sent(f"a:1on1-{JANE}")[-1]
    assert "note has been added" not in answer.text
    assert "Not allowed" in "\n".join(texts((answer.card or {}).get("body", [])))
    await h.post(JANE, text=f"view {reference}")
    details = h.connector.sent(f"a:1on1-{JANE}")[-1]
    assert reference in details.text and "yr 11 kid" not in details.text
