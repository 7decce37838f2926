"""Invalid answers are re-asked with a specific hint, and the re-asking is bounded."""

from __future__ import annotations

import pytest

from bot.dialogs import DialogContext, ReportDialog

from .conftest import Chat

# answers that take the dialog to each step (academy unknown, two academies)
TO_STEP: dict[str, list[str]] = {
    "immediate_risk": [],
    "academy": ["no"],
    "category": ["no", "north"],
    "child_involved": ["no", "north", "other"],
    "sexual_imagery": ["no", "north", "other", "yes"],
    "staff_involved": ["no", "north", "other", "no"],
    "concerns_headteacher": ["no", "north", "other", "no", "yes"],
    "platform": ["no", "north", "other", "no", "no"],
    "link": ["no", "north", "other", "no", "no", "tiktok"],
    "when": ["no", "north", "other", "no", "no", "tiktok", "skip"],
    "seen": ["no", "north", "other", "no", "no", "tiktok", "skip", "today"],
    "actions_taken": ["no", "north", "other", "no", "no", "tiktok", "skip", "today", "x" * 12],
    "urgency": ["no", "north", "other", "no", "no", "tiktok", "skip", "today", "x" * 12, "1"],
}


def at(dialog: ReportDialog, ctx: DialogContext, step: str) -> Chat:
    chat = Chat(dialog, ctx)
    for text in TO_STEP[step]:
        chat.say(text)
    assert chat.step == step, chat.text()
    return chat


@pytest.mark.parametrize(
    ("step", "answer", "hint"),
    [
        ("immediate_risk", "maybe", "Please answer yes or no."),
        ("immediate_risk", "no idea", "Please answer yes or no."),
        ("academy", "7", "Please pick one of the options"),
        ("academy", "east", "Please pick one of the options"),
        ("category", "banana", "Please pick one of the options"),
        ("child_involved", "perhaps", "Please answer yes or no."),
        ("platform", "x" * 61, "Please keep it under 60 characters (yours has 61)."),
        ("platform", "42", "Please pick one of the options"),
        ("link", "not a link", "doesn’t look like a web link"),
        ("link", "http://localhost/x", "doesn’t look like a web link"),
        ("link", "ftp://files.example.com/a", "doesn’t look like a web link"),
        ("when", "tomorrow", "That’s in the future"),
        ("when", "next friday", "That’s in the future"),
        ("when", "2027-01-05", "That’s in the future"),
        ("when", "25/12", "25/12 hasn’t come yet this year"),
        ("when", "30/02/2026", "There is no 30 February"),
        ("when", "11/20/2026", "day first, the UK way"),
        ("when", "https://x.com/a/status/1", "looks like a link rather than a time"),
        ("when", "ok", "Please say when it happened"),
        ("seen", "bad post", "at least 10 characters"),
        ("seen", "y" * 2001, "under 2000 characters (yours has 2001)"),
        ("actions_taken", "9", "I couldn’t match “9”"),
        ("actions_taken", "1, dancing", "I couldn’t match “dancing”"),
        ("urgency", "whenever", "Please pick one of the options"),
        ("seen", "skip", "This question needs an answer, so it can’t be skipped."),
    ],
)
def test_invalid_answer_is_reasked_with_a_specific_hint(
    dialog: ReportDialog, ctx: DialogContext, step: str, answer: str, hint: str
) -> None:
    chat = at(dialog, ctx, step)
    before = dict(chat.answers)
    chat.say(answer)
    assert chat.step == step
    assert hint in chat.last.text
    assert chat.last.fields[0].error is not None and hint in chat.last.fields[0].error
    assert chat.answers == before  # nothing invalid is stored


@pytest.mark.parametrize(
    ("step", "answer", "stored"),
    [
        ("immediate_risk", "Nope.", False),
        ("immediate_risk", "yess", True),
        ("immediate_risk", "No thanks", False),
        ("child_involved", "Yeah", True),
        ("academy", "South", "south"),
        ("academy", "north academy", "north"),
        ("category", "logo", "confidential_or_brand_misuse"),
        ("category", "Abuse on academy acount", "academy_account_abuse"),
        ("platform", "Mumsnet", "Mumsnet"),
        ("platform", "twitter", "x"),
        ("platform", "Instergram", "instagram"),
        ("link", "www.tiktok.com/@someone", "https://www.tiktok.com/@someone"),
        ("when", "yesterday", "2026-11-23"),
        ("when", "Sunday", "2026-11-22"),
        ("when", "last Tuesday", "2026-11-17"),
        ("when", "Tuesday", "2026-11-24"),
        ("when", "20/11/2026", "2026-11-20"),
        ("when", "2026-11-20", "2026-11-20"),
        ("when", "5 November", "2026-11-05"),
        ("when", "3 days ago", "2026-11-21"),
        ("when", "last week", "2026-11-16/2026-11-22"),
        ("when", "about a month ago", "about a month ago"),
        ("actions_taken", "1 3", ["blocked", "reported_to_platform"]),
        ("actions_taken", "blocked and told my manager", ["blocked", "told_someone"]),
        ("actions_taken", "1, 5", ["blocked"]),  # 'Nothing yet' with others is dropped
        ("urgency", "3", "routine"),
    ],
)
def test_accepted_answers_are_normalised(
    dialog: ReportDialog, ctx: DialogContext, step: str, answer: str, stored: object
) -> None:
    chat = at(dialog, ctx, step)
    chat.say(answer)
    assert chat.step != step, chat.text()
    assert chat.answers[step] == stored


def test_choice_bound_plain_choices_then_pause(dialog: ReportDialog, ctx: DialogContext) -> None:
    chat = at(dialog, ctx, "category")
    limit = dialog.definition.max_attempts
    for _ in range(limit - 1):
        chat.say("banana")
        assert chat.step == "category" and chat.status == "active"
        assert "Please pick one of the options" in chat.last.text
    chat.say("banana")  # the limit: choices offered plainly, by number
    assert chat.status == "active"
    assert "reply with just the number" in chat.last.text
    assert "1. Contact from a pupil on social media" in chat.last.text
    chat.say("banana")  # one more failure: pause with answers kept
    assert chat.status == "paused"
    assert chat.answers["academy"] == "north"
    assert [c.action for c in chat.last.choices] == ["dialog.resume", "dialog.cancel"]
    chat.press("dialog.resume")
    assert chat.status == "active" and chat.step == "category"
    chat.say("banana")  # the count starts again after resuming
    assert chat.status == "active"


def test_plain_choices_still_accept_a_number(dialog: ReportDialog, ctx: DialogContext) -> None:
    chat = at(dialog, ctx, "immediate_risk")
    for _ in range(dialog.definition.max_attempts):
        chat.say("hmm")
    assert "1. Yes\n2. No" in chat.last.text
    chat.say("2")
    assert chat.step == "academy"


def test_required_text_bound_pauses(dialog: ReportDialog, ctx: DialogContext) -> None:
    chat = at(dialog, ctx, "seen")
    for _ in range(dialog.definition.max_attempts - 1):
        chat.say("short")
        assert chat.status == "active"
    chat.say("short")
    assert chat.status == "paused"
    assert "Your answers so far are saved" in chat.last.text
    assert chat.answers["when"] == "2026-11-24"


def test_optional_bound_skips(dialog: ReportDialog, ctx: DialogContext) -> None:
    chat = at(dialog, ctx, "link")
    for _ in range(dialog.definition.max_attempts - 1):
        chat.say("no idea")
        assert chat.step == "link"
    chat.say("no idea")
    assert chat.step == "when"
    assert "left that blank" in chat.turn.replies[0].text
    assert chat.answers["link"] is None


def test_confirmation_and_edit_list_bounds(dialog: ReportDialog, ctx: DialogContext) -> None:
    chat = at(dialog, ctx, "urgency")
    chat.say("routine")
    assert chat.step == "confirm"
    for _ in range(dialog.definition.max_attempts):
        chat.say("what?")
        assert chat.step == "confirm" and chat.status == "active"
        assert "didn’t catch that" in chat.turn.replies[0].text
    chat.say("what?")
    assert chat.status == "paused"
    chat.say("resume")
    chat.say("change")
    for _ in range(dialog.definition.max_attempts):
        chat.say("the colour")
        assert chat.step == "edit"
    chat.say("the colour")
    assert chat.status == "paused"


@pytest.mark.parametrize("step", sorted(TO_STEP))
def test_no_step_can_loop_forever(dialog: ReportDialog, ctx: DialogContext, step: str) -> None:
    """Feeding nonsense to any question ends (pause or skip) within max_attempts + 1 tries."""
    chat = at(dialog, ctx, step)
    nonsense = "zzzz qqqq 99 xx" if step not in ("seen", "when", "platform") else "?"
    bound = dialog.definition.max_attempts + 1
    tries = 0
    while chat.status == "active" and chat.step == step:
        tries += 1
        assert tries <= bound, f"{step} still re-asking after {bound} tries"
        chat.say(nonsense)
    assert tries >= 1
