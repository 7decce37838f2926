"""Whole-form mode (Slack modal / Teams card) and the mapping to ReportSubmission."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogs import DialogContext, IncompleteReport, ReportDialog
from tests.dialogs.conftest import Chat

BASE: dict[str, Any] = {
    "immediate_risk": "no",
    "academy": "north",
    "category": "disparaging_post",
    "child_involved": "no",
    "staff_involved": "no",
    "platform": "facebook",
    "link": "",
    "when": "2026-11-20",
    "seen": "A parent posted that the school covers up bullying.",
    "actions_taken": ["screenshot_kept"],
    "urgency": "routine",
}


def names(dialog: ReportDialog, ctx: DialogContext, answers: dict[str, Any]) -> list[str]:
    return [f.name for f in dialog.form_fields(ctx, answers)]


def test_conditional_fields_follow_the_answers(dialog: ReportDialog, ctx: DialogContext) -> None:
    empty = names(dialog, ctx, {})
    assert empty[:3] == ["immediate_risk", "academy", "category"]
    assert "sexual_imagery" not in empty  # depends on whether a child is involved
    assert "concerns_headteacher" not in empty
    assert "urgency" in empty and "link" in empty

    child = names(dialog, ctx, {"category": "child_communication"})
    assert "child_involved" not in child  # implied by the category
    assert "sexual_imagery" in child

    imagery = names(dialog, ctx, {"category": "child_communication", "sexual_imagery": "yes"})
    assert "link" not in imagery

    staff = names(dialog, ctx, {**BASE, "staff_involved": "yes"})
    assert "concerns_headteacher" in staff
    assert "concerns_headteacher" not in names(dialog, ctx, BASE)

    risk = names(dialog, ctx, {"immediate_risk": "yes"})
    assert "urgency" not in risk and "child_involved" not in risk


def test_academy_field_only_when_needed(
    dialog: ReportDialog, ctx: DialogContext, known_ctx: DialogContext
) -> None:
    fields = {f.name: f for f in dialog.form_fields(ctx, {})}
    assert [(o.label, o.value) for o in fields["academy"].options] == [
        ("North Academy", "north"),
        ("South Academy", "south"),
    ]
    assert "academy" not in names(dialog, known_ctx, {})


def test_fields_are_prefilled_and_typed(dialog: ReportDialog, ctx: DialogContext) -> None:
    fields = {f.name: f for f in dialog.form_fields(ctx, {**BASE, "immediate_risk": False})}
    assert fields["immediate_risk"].kind == "yes_no"
    assert fields["immediate_risk"].value == "no"
    assert fields["category"].value == "disparaging_post"
    assert fields["actions_taken"].kind == "multi_choice"
    assert fields["actions_taken"].value == ["screenshot_kept"]
    assert fields["when"].kind == "date" and fields["when"].value == "2026-11-20"
    assert fields["link"].required is False and fields["link"].kind == "url"
    assert fields["seen"].max_length == 2000


def test_safety_guidance_in_form_mode(dialog: ReportDialog, ctx: DialogContext) -> None:
    fields = {f.name: f for f in dialog.form_fields(ctx, {})}
    assert "call 999" in (fields["immediate_risk"].hint or "")  # short line, always visible
    assert dialog.form_notices(ctx, {}) == []
    answers = {"immediate_risk": "yes", "category": "child_communication", "sexual_imagery": "yes"}
    fields = {f.name: f for f in dialog.form_fields(ctx, answers)}
    assert "Do not wait for this report" in (fields["immediate_risk"].hint or "")
    assert "Do not view, copy, save" in (fields["sexual_imagery"].hint or "")
    notices = dialog.form_notices(ctx, answers)
    assert [n.data["notice"] for n in notices] == ["immediate_risk", "sexual_imagery"]
    assert all(n.kind == "notice" for n in notices)


def test_validate_form_errors_by_field(dialog: ReportDialog, ctx: DialogContext) -> None:
    assert dialog.validate_form(ctx, BASE) == {}
    bad = {
        **BASE,
        "category": "",
        "when": "tomorrow",
        "seen": "short",
        "link": "not a link",
        "actions_taken": [],
    }
    errors = dialog.validate_form(ctx, bad)
    assert set(errors) == {"category", "when", "seen", "link", "actions_taken"}
    assert errors["category"] == "This question needs an answer."
    assert "future" in errors["when"]
    assert "at least 10 characters" in errors["seen"]
    assert "web link" in errors["link"]
    fields = {f.name: f for f in dialog.form_fields(ctx, bad, errors)}
    assert fields["when"].error == errors["when"]
    assert fields["when"].value == "tomorrow"  # the typed value is kept to correct


def test_form_refuses_links_in_text_when_sexual_imagery(
    dialog: ReportDialog, ctx: DialogContext
) -> None:
    answers = {
        **BASE,
        "category": "child_communication",
        "sexual_imagery": "yes",
        "link": "https://example.com/image.jpg",
        "seen": "Image shared at https://example.com/image.jpg",
    }
    errors = dialog.validate_form(ctx, answers)
    # no links in the text, keeping a screenshot is not an option offered here, nor Routine
    assert list(errors) == ["seen", "actions_taken", "urgency"]
    answers["actions_taken"] = ["told_someone"]
    answers["urgency"] = "urgent"
    answers["seen"] = "An image of a pupil is being shared in a year group chat."
    assert dialog.validate_form(ctx, answers) == {}
    submission = dialog.to_submission(ctx, answers)
    assert submission.sexual_imagery is True
    assert "link" not in submission.details  # the hidden field's value is not stored
    assert "example.com" not in repr(submission)


@pytest.mark.parametrize("category", ["contact_from_pupil", "child_communication"])
def test_child_involved_for_pupil_categories(
    dialog: ReportDialog, ctx: DialogContext, category: str
) -> None:
    answers = {**BASE, "category": category, "sexual_imagery": "no"}
    submission = dialog.to_submission(ctx, answers)
    assert submission.child_involved is True
    assert submission.category == category


def test_to_submission_maps_every_field(dialog: ReportDialog, ctx: DialogContext) -> None:
    answers = {**BASE, "staff_involved": "yes", "concerns_headteacher": "yes", "urgency": "urgent"}
    submission = dialog.to_submission(ctx, answers)
    assert submission.academy == "north"
    assert submission.category == "disparaging_post"
    assert submission.urgency == "urgent"
    assert submission.child_involved is False
    assert submission.concerns_headteacher is True
    assert submission.summary == BASE["seen"]
    assert submission.sexual_imagery is False
    assert submission.details["platform"] == "facebook"
    assert submission.details["link"] is None
    assert submission.details["when_label"] == "Friday 20 November 2026"
    assert submission.details["academy_name"] == "North Academy"
    # concerns_headteacher only counts when the (conditional) field is visible
    hidden = {**answers, "staff_involved": "no"}
    assert dialog.to_submission(ctx, hidden).concerns_headteacher is False


def test_immediate_risk_sets_urgency(dialog: ReportDialog, ctx: DialogContext) -> None:
    answers = {**BASE, "immediate_risk": "yes", "urgency": "routine", "sexual_imagery": "no"}
    submission = dialog.to_submission(ctx, answers)
    assert submission.urgency == "immediate"
    assert submission.child_involved is True


def test_to_submission_refuses_incomplete_answers(dialog: ReportDialog, ctx: DialogContext) -> None:
    with pytest.raises(IncompleteReport) as info:
        dialog.to_submission(ctx, {**BASE, "seen": ""})
    assert list(info.value.errors) == ["seen"]


def test_confirmation_shows_everything_and_guidance(
    dialog: ReportDialog, ctx: DialogContext
) -> None:
    reply = dialog.confirmation(ctx, {**BASE, "immediate_risk": "yes", "sexual_imagery": "no"})
    assert reply.kind == "dialog"
    assert reply.text.startswith("Important: A child may be in danger")
    assert "call 999" in reply.text
    assert "What you saw: A parent posted" in reply.text
    assert "Link: Not given" in reply.text
    assert [c.action for c in reply.choices] == ["dialog.submit", "dialog.edit", "dialog.cancel"]
    assert reply.data["notices"] == ["immediate_risk"]


def test_form_confirmation_says_to_press_the_forms_buttons(
    dialog: ReportDialog, ctx: DialogContext, chat: Chat
) -> None:
    form = dialog.confirmation(ctx, BASE)
    labels = [c.label for c in form.choices]
    assert labels == ["Send report", "Change answers", "Cancel"]
    prompt = form.text.split("\n\n")[-1]
    assert prompt == form.data["prompt"] and form.data["prompt_for"] == "form"
    assert "Type" not in form.text and "change 3" not in form.text
    assert all(f"press “{label}”" in prompt for label in labels)
    # the chat dialog's confirmation keeps the typed commands
    for step_answer in ("no", "north", "disparaging", "no", "no", "facebook", "skip"):
        chat.say(step_answer)
    chat.say("last friday")
    chat.say(BASE["seen"])
    chat.say("2")
    chat.say("routine")
    assert chat.step == "confirm", chat.text()
    typed = chat.last
    assert typed.data["prompt_for"] == "chat"
    assert typed.text.endswith("“change” (or “change 3”) to change an answer, or “cancel” to stop.")
    assert [c.label for c in typed.choices] == ["Submit report", "Change an answer", "Cancel"]
    assert typed.text.split("\n\n")[:-1] == form.text.split("\n\n")[:-1]


def test_handle_form_goes_to_confirmation_then_submits(
    dialog: ReportDialog, ctx: DialogContext
) -> None:
    turn = dialog.handle_form(ctx, {}, {**BASE, "seen": "short"})
    assert turn.state["step"] != "confirm"
    assert "seen" in turn.replies[-1].data["form_errors"]
    turn = dialog.handle_form(ctx, turn.state, {"seen": BASE["seen"]})
    assert turn.state["step"] == "confirm"
    turn = dialog.handle_action(ctx, turn.state, "dialog.submit", "submit")
    assert turn.submission is not None
    assert turn.submission.summary == BASE["seen"]
