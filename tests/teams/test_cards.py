"""Adaptive Card rendering of the core's neutral replies and form fields."""

from __future__ import annotations

import functools
from datetime import datetime

from adapters.teams import cards
from bot.dialogs import DialogContext, ReportDialog
from bot.messages import Choice, Citation, FormField, Reply
from bot.qa.engine import AnswerEngine
from bot.qa.render import SUGGESTIONS_HEADING, answer_reply
from tests.teams.card_text import is_text, text_of, texts, walk
from tests.teams.conftest import card_buttons


@functools.cache
def _engine() -> AnswerEngine:
    """The bundled KB's engine (loaded once)."""
    return AnswerEngine.from_file()


_walk = walk


def test_policy_answer_has_verdict_answer_quote_and_buttons() -> None:
    reply = Reply(
        text="No. Do not accept current pupils as friends.",
        kind="answer",
        verdict="not_allowed",
        citations=[Citation("inappropriate.friend-pupils", "Personal Use", "accepting any pupil")],
        choices=[
            Choice("Report an incident", '{"category": "contact_from_pupil"}', "report.start"),
            Choice("Did you mean: ex-pupils?", '{"q": "x", "rule": "r"}', "qa.suggest", "primary"),
        ],
    )
    card = cards.reply_card(reply)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    shown = texts(card["body"])
    assert shown[0] == "⛔ Not allowed"
    assert reply.text in shown
    assert "“accepting any pupil”" in shown and "Personal Use" in shown
    assert [a["title"] for a in card["actions"]] == [
        "Report an incident",
        "Did you mean: ex-pupils?",
    ]
    assert card["actions"][1]["style"] == "positive"
    data = card["actions"][0]["data"]
    assert data == {"pb": {"action": "report.start", "value": '{"category": "contact_from_pupil"}'}}
    assert card["fallbackText"].startswith(reply.text)


def test_did_you_mean_topics_come_under_the_cores_heading() -> None:
    answer = _engine().answer("staff")
    card = cards.reply_card(answer_reply(answer))
    body = card["body"]
    at = next(i for i, el in enumerate(body) if text_of(el) == SUGGESTIONS_HEADING)
    heading = body[at]
    assert is_text(heading) and heading["inlines"][0]["weight"] == "Bolder"
    assert text_of(heading) == SUGGESTIONS_HEADING == "Did you mean:"
    buttons = card_buttons(card)
    topics = [a["title"] for a in buttons]
    assert topics == [s.topic for s in answer.suggestions] and len(topics) >= 1
    assert all(a["data"]["pb"]["action"] == "qa.suggest" for a in buttons)
    assert all(i > at for i, el in enumerate(body) if "selectAction" in el or "actions" in el)
    assert "actions" not in card  # every button is under its heading


def test_follow_up_question_heads_its_buttons_and_report_stays_at_the_bottom() -> None:
    answer = _engine().answer("ex pupil wants to add me on insta")
    assert answer.follow_up is not None
    reply = answer_reply(answer)
    reply.choices.append(Choice("Report an incident", "{}", "report.start", "primary"))
    card = cards.reply_card(reply)
    body = card["body"]
    (at,) = [i for i, el in enumerate(body) if el["type"] == "ActionSet"]
    assert text_of(body[at - 1]) == answer.follow_up.question
    assert [a["title"] for a in body[at]["actions"]] == [o.label for o in answer.follow_up.options]
    assert [a["title"] for a in card["actions"]] == ["Report an incident"]


def test_core_answer_pieces_come_once_in_the_same_order_as_slack_and_console() -> None:
    answer = _engine().answer("can we post sports day pics on the school fb page")
    assert answer.follow_up is not None
    body = cards.reply_card(answer_reply(answer))["body"]
    assert [el["type"] for el in body[:4]] == [
        "RichTextBlock",
        "RichTextBlock",
        "Container",
        "RichTextBlock",
    ]
    assert body[4:] and all(el["type"] == "ActionSet" or "selectAction" in el for el in body[4:])
    assert text_of(body[0]) == "⚠️ It depends"
    assert text_of(body[1]) == answer.answer
    section, quoted = body[2]["items"][1:]
    assert (text_of(section), text_of(quoted)) == (
        answer.citations[0].section,
        f"“{answer.citations[0].text}”",
    )
    assert text_of(body[3]) == answer.follow_up.question


def test_each_verdict_has_its_own_line() -> None:
    lines = {text_of(cards.verdict_block(Reply("", verdict=v))) for v in cards.VERDICT_STYLES}
    assert len(lines) == 5
    assert text_of(cards.verdict_block(Reply("", verdict="no_match"))) == (
        "❔ Not covered by the policy"  # the core's words, as Slack and the console say it
    )


def test_form_fields_become_inputs_with_label_required_and_error() -> None:
    fields = [
        FormField(
            "category",
            "What happened?",
            kind="choice",
            options=[
                Choice("Contact from a pupil", "category:contact_from_pupil", "dialog.answer")
            ],
            value="contact_from_pupil",
        ),
        FormField("child_involved", "Is a child involved?", kind="yes_no"),
        FormField("seen", "What did you see?", kind="textarea", max_length=3000, error="Too short"),
        FormField("link", "Link", kind="url", required=False, hint="Only if safe."),
        FormField(
            "actions_taken",
            "What have you done?",
            kind="multi_choice",
            options=[
                Choice("Blocked", "actions_taken:blocked", "dialog.answer"),
                Choice("Reported", "actions_taken:reported", "dialog.answer"),
            ],
            value=["blocked", "reported"],
        ),
    ]
    card = cards.report_form_card(fields)
    inputs = {el["id"]: el for el in _walk(card["body"]) if el["type"].startswith("Input.")}
    cat = inputs["category"]
    assert cat["type"] == "Input.ChoiceSet" and cat["label"] == "What happened?"
    assert cat["isRequired"] is True and cat["errorMessage"]
    assert cat["choices"] == [{"title": "Contact from a pupil", "value": "contact_from_pupil"}]
    assert cat["value"] == "contact_from_pupil"
    assert [c["value"] for c in inputs["child_involved"]["choices"]] == ["yes", "no"]
    seen = inputs["seen"]
    assert seen["isMultiline"] and seen["maxLength"] == 3000 and seen["errorMessage"] == "Too short"
    assert "⚠️ Too short" in texts(card["body"])
    assert inputs["link"]["isRequired"] is False and inputs["link"]["style"] == "Url"
    multi = inputs["actions_taken"]
    assert multi["isMultiSelect"] and multi["value"] == "blocked,reported"
    cont = card["actions"][0]
    assert cont["data"]["pb"]["action"] == cards.FORM_CONTINUE
    assert cont["data"]["pb"]["state"]["shown"] == [f.name for f in fields]
    assert card["actions"][1]["associatedInputs"] == "none"


def test_reply_with_fields_uses_its_choice_as_submit() -> None:
    reply = Reply(
        text="Add a note for SM-2026-0001",
        fields=[FormField("note", "Your note", kind="textarea")],
        choices=[Choice("Save note", "SM-2026-0001", "incident.note", "primary")],
    )
    card = cards.reply_card(reply)
    assert [el["id"] for el in _walk(card["body"]) if "id" in el] == ["note"]
    shown = "\n".join(texts(card["body"]))
    assert "press “Save note”" in shown and "reply with" not in shown.lower()
    assert card["actions"][0]["data"]["pb"] == {"action": "incident.note", "value": "SM-2026-0001"}


def test_parse_submit_splits_our_data_from_inputs() -> None:
    sub = cards.parse_submit(
        {"pb": {"action": "incident.note", "value": "SM-1", "state": {"a": 1}}, "note": "  hi  "}
    )
    assert sub == cards.Submission("incident.note", "SM-1", {"note": "hi"}, {"a": 1})
    assert cards.parse_submit({"something": "else"}) is None
    assert cards.parse_submit(None) is None


def test_confirmation_card_carries_answers_and_form_id() -> None:
    reply = Reply(text="Please check: 1. Category: Other", title="Check your report")
    card = cards.confirmation_card(reply, {"category": "other"}, form_id="f1")
    send, change, cancel = card["actions"]
    assert send["title"] == "Send report"
    assert send["data"]["pb"]["state"] == {"answers": {"category": "other"}, "form_id": "f1"}
    assert change["data"]["pb"]["action"] == cards.FORM_EDIT
    assert cancel["data"]["pb"]["action"] == cards.FORM_CANCEL


def test_confirmation_card_tells_you_to_press_its_own_buttons() -> None:
    ctx = DialogContext(academies=[("north", "North")], default_academy=None, now=datetime.now())
    answers = {"category": "other", "seen": "A post", "urgency": "routine"}
    reply = ReportDialog.load().confirmation(ctx, answers)
    card = cards.confirmation_card(reply, answers, form_id="f1")
    text = "\n".join(texts(card["body"]))
    labels = [a["title"] for a in card["actions"]]
    assert labels == ["Send report", "Change answers", "Cancel"]
    assert all(f"press “{label}”" in text for label in labels)
    assert "Type" not in text and "change 3" not in text


def test_plain_text_fallback_is_the_complete_text_with_numbered_choices() -> None:
    reply = Reply(
        text="It depends on whether they are under 18.\n\n> policy words",
        verdict="conditional",
        citations=[Citation("r", "Section A", "policy words")],
        choices=[Choice("Yes", "y", "qa.fact"), Choice("No", "n", "qa.fact")],
    )
    text = cards.plain_text(reply)
    assert text.startswith(reply.text)
    assert text.endswith("Reply with a number:\n1. Yes\n2. No")


def test_plain_text_does_not_repeat_options_the_core_already_numbered() -> None:
    reply = Reply(
        text="What happened?\n\n1. Contact from a pupil\n2. Other",
        choices=[
            Choice("Contact from a pupil", "a", "dialog.answer"),
            Choice("Other", "b", "dialog.answer"),
            Choice("Cancel", "cancel", "dialog.cancel"),
        ],
    )
    assert cards.plain_text(reply) == reply.text + "\n\nOr reply with a number:\n3. Cancel"


def test_a_form_that_is_not_an_incident_note_keeps_the_core_words() -> None:
    """A campaign or an account request form says what it is for (the core's words), not
    the note form's "Type it in the box below"."""
    reply = Reply(
        text="Each person will get a private message summarising the policy.",
        fields=[FormField("reminders", "How many reminders at most?", required=False)],
        choices=[Choice("Start campaign", "{}", "campaign.start", "primary")],
    )
    shown = "\n".join(texts(cards.reply_card(reply)["body"]))
    assert "Each person will get a private message summarising the policy." in shown
    assert "Type it in the box below" not in shown
