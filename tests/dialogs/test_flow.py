"""Step-by-step conversations: happy path, back, change, cancel, resume, prefill, safety."""

from __future__ import annotations

import json

from bot.dialogs import DialogContext, ReportDialog
from bot.incidents.types import ReportSubmission

from .conftest import Chat

FOOTER = "Type “back” to go back or “cancel” to stop."


def test_full_happy_path_step_by_step(chat: Chat) -> None:
    assert chat.step == "immediate_risk"
    assert "immediate risk" in chat.last.text
    assert [c.label for c in chat.last.choices][:2] == ["Yes", "No"]
    assert chat.last.fields[0].name == "immediate_risk"
    chat.say("no")
    assert chat.step == "academy"
    chat.say("2")  # South Academy, by number
    assert chat.step == "category"
    chat.say("disparging post")  # a close typo
    assert chat.step == "child_involved"
    chat.say("nope")
    assert chat.step == "staff_involved"  # no sexual-imagery question without a child
    chat.say("yeah")
    assert chat.step == "concerns_headteacher"
    chat.say("y")
    assert chat.step == "concerns_roles"
    chat.say("none")
    assert chat.step == "platform"
    chat.say("facebok")
    assert chat.step == "link"
    chat.say("<https://www.facebook.com/groups/123/posts/456|the post>")
    assert chat.step == "when"
    chat.say("20/11")
    assert chat.step == "seen"
    chat.say("A parent posted that the Head is a liar and named her.")
    assert chat.step == "actions_taken"
    chat.say("2, 3")
    assert chat.step == "urgency"
    chat.say("urgent")
    assert chat.step == "confirm"
    summary = chat.last.text
    for expected in (
        "South Academy",
        "Disparaging or defamatory post",
        "Concerns the Principal/Headteacher: Yes",
        "Facebook",
        "https://www.facebook.com/groups/123/posts/456",
        "Friday 20 November 2026",
        "Kept a screenshot or printout; Reported it to the platform",
        "Urgent: needs action today",
    ):
        assert expected in summary
    assert [c.action for c in chat.last.choices] == [
        "dialog.submit",
        "dialog.edit",
        "dialog.cancel",
    ]
    turn = chat.say("submit")
    assert turn.replies == []
    assert turn.state["status"] == "submitted"
    assert turn.submission == ReportSubmission(
        academy="south",
        category="disparaging_post",
        urgency="urgent",
        child_involved=False,
        concerns_headteacher=True,
        summary="A parent posted that the Head is a liar and named her.",
        details={
            "immediate_risk": False,
            "staff_involved": True,
            "concerns_roles": ["nobody"],
            "concerns_roles_label": "None of them",
            "platform": "facebook",
            "platform_label": "Facebook",
            "link": "https://www.facebook.com/groups/123/posts/456",
            "when": "2026-11-20",
            "actions_taken": ["screenshot_kept", "reported_to_platform"],
            "actions_taken_label": "Kept a screenshot or printout; Reported it to the platform",
            "when_label": "Friday 20 November 2026",
            "academy_name": "South Academy",
        },
        sexual_imagery=False,
    )


def test_every_question_has_the_back_and_cancel_footer(chat: Chat) -> None:
    for text in ["no", "north", "other", "no", "no", "tiktok", "skip", "today"]:
        assert chat.last.text.endswith(FOOTER), chat.last.text
        assert chat.last.choices[-1].action == "dialog.cancel"
        chat.say(text)


def test_buttons_drive_the_dialog(chat: Chat) -> None:
    chat.press("dialog.answer", "immediate_risk:no")
    chat.press("dialog.answer", "academy:north")
    chat.press("dialog.answer", "category:academy_account_abuse")
    assert chat.step == "child_involved"
    chat.press("dialog.back")
    assert chat.step == "category"
    chat.press("dialog.answer", "category:other")
    assert chat.answers["category"] == "other"
    # a stale button from an earlier question does not answer the current one
    chat.press("dialog.answer", "academy:south")
    assert chat.step == "child_involved"
    assert chat.answers["academy"] == "north"
    assert "earlier question" in chat.turn.replies[0].text


def test_back_at_several_points(chat: Chat) -> None:
    chat.say("back")
    assert chat.step == "immediate_risk"
    assert "first question" in chat.turn.replies[0].text
    chat.say("no")
    chat.say("north")
    chat.say("back")
    assert chat.step == "academy"
    assert "Your current answer: North Academy" in chat.last.text
    chat.say("south")
    assert chat.step == "category"
    chat.say("contact from a pupil")
    assert chat.step == "sexual_imagery"  # child implied by the category
    chat.say("no")
    chat.say("no")
    assert chat.step == "platform"
    chat.say("back")
    assert chat.step == "staff_involved"
    chat.say("back")
    assert chat.step == "sexual_imagery"
    chat.say("back")  # child_involved is implied, so back goes to the category
    assert chat.step == "category"
    chat.say("1")
    # going forward again walks through the answers already given, each one kept by "keep"
    assert chat.step == "sexual_imagery"
    assert "Your current answer: No. Type “keep” to keep it" in chat.last.text
    assert chat.last.choices[0].action == "dialog.keep"
    chat.say("keep")
    assert chat.step == "staff_involved"
    chat.press("dialog.keep", "staff_involved")
    assert chat.step == "platform"
    assert chat.answers["academy"] == "south"
    assert chat.answers["staff_involved"] is False


def test_back_from_confirmation_and_editing(chat: Chat) -> None:
    _answer_all(chat)
    assert chat.step == "confirm"
    chat.say("back")
    assert chat.step == "urgency"
    chat.say("back")  # back keeps the answer and steps further back
    assert chat.step == "actions_taken"
    chat.say("1")
    assert chat.step == "urgency"  # the next answer is shown again, not jumped over
    chat.say("keep")
    assert chat.step == "confirm"


def test_change_an_answer_from_the_confirmation(chat: Chat) -> None:
    _answer_all(chat)
    chat.say("change")
    assert chat.step == "edit"
    assert "Which answer would you like to change?" in chat.last.text
    assert {c.value for c in chat.last.choices} >= {"when", "seen", "category"}
    chat.say("when")
    assert chat.step == "when"
    assert "Type “keep” to keep it" in chat.last.text
    chat.say("yesterday")
    assert chat.step == "confirm"
    assert "Monday 23 November 2026" in chat.last.text
    chat.say("change 9")  # by number from the summary
    assert chat.step == "seen"
    chat.say("back")  # keep it
    assert chat.step == "confirm"
    chat.press("dialog.edit", "platform")
    chat.say("WhatsApp")
    assert chat.step == "confirm"
    assert "Where: WhatsApp" in chat.last.text
    assert chat.say("yes").submission is not None


def test_changing_the_category_asks_the_new_questions(chat: Chat) -> None:
    _answer_all(chat)
    assert "sexual_imagery" not in chat.answers
    chat.say("change what happened")
    chat.say("inappropriate communication involving a child")
    # the child is now implied, so the sexual-imagery question appears before the summary
    assert chat.step == "sexual_imagery"
    chat.say("no")
    assert chat.step == "confirm"
    submission = chat.say("submit").submission
    assert submission is not None
    assert submission.child_involved is True
    assert submission.category == "child_communication"


def test_cancel(chat: Chat) -> None:
    chat.say("no")
    chat.say("north")
    asked = chat.say("cancel")  # never on one word: it asks first
    assert asked.cancelled is False
    assert "throw this report away" in asked.replies[0].text
    assert [c.action for c in asked.replies[0].choices] == ["dialog.discard", "dialog.carry_on"]
    turn = chat.say("yes")
    assert turn.cancelled is True
    assert turn.state["status"] == "cancelled"
    assert "answers" not in turn.state or turn.state["answers"] == {}
    assert "Nothing has been sent" in turn.replies[0].text
    assert turn.submission is None


def test_cancel_button_after_safeguarding_guidance_still_points_to_dsl(chat: Chat) -> None:
    chat.say("yes")
    assert not chat.press("dialog.cancel", "cancel").cancelled
    turn = chat.press("dialog.discard")
    assert turn.cancelled
    assert "Designated Safeguarding Lead" in turn.replies[0].text


def test_resume_from_serialised_state(dialog: ReportDialog, ctx: DialogContext) -> None:
    chat = Chat(dialog, ctx)
    chat.say("no")
    chat.say("north")
    chat.say("pupil contact")
    stored = json.dumps(chat.turn.state)  # e.g. saved to the database; the process restarts
    fresh = ReportDialog.load()
    turn = fresh.resume_prompt(ctx, json.loads(stored))
    assert turn.replies[0].text.startswith("Welcome back")
    assert turn.state["step"] == "sexual_imagery"
    assert "sexual images" in turn.replies[-1].text
    turn = fresh.handle_text(ctx, json.loads(json.dumps(turn.state)), "no")
    assert turn.state["step"] == "staff_involved"
    assert turn.state["answers"]["category"] == "contact_from_pupil"


def test_pause_and_resume_keeps_answers(chat: Chat) -> None:
    chat.say("no")
    chat.say("north")
    chat.say("pause")
    assert chat.status == "paused"
    assert "saved" in chat.last.text
    chat.say("what was I doing")  # anything else: a reminder, nothing lost
    assert chat.status == "paused"
    assert "resume" in chat.last.text
    chat.say("resume")
    assert chat.status == "active"
    assert chat.step == "category"
    assert chat.answers["academy"] == "north"


def test_help_reshows_the_question(chat: Chat) -> None:
    chat.say("help")
    assert chat.turn.replies[0].kind == "help"
    assert chat.step == "immediate_risk"
    assert "immediate risk" in chat.last.text


def test_corrupt_state_restarts_politely(dialog: ReportDialog, ctx: DialogContext) -> None:
    turn = dialog.handle_text(ctx, {"status": "active", "answers": "oops"}, "yes")
    assert "couldn’t pick up" in turn.replies[0].text
    assert turn.state["step"] == "immediate_risk"


def test_immediate_risk_guidance_comes_first(chat: Chat) -> None:
    # the very first question is the immediate-risk check...
    assert chat.turns[0].state["step"] == "immediate_risk"
    assert all(
        not f.name or f.name == "immediate_risk" for r in chat.turns[0].replies for f in r.fields
    )
    turn = chat.say("yes")
    # ...and the guidance is its own reply, before the next question
    guidance, question = turn.replies[0], turn.replies[-1]
    assert guidance.kind == "notice"
    assert "call 999" in guidance.text
    assert "Designated Safeguarding Lead" in guidance.text
    assert question.data["step"] == "academy"
    assert len(turn.replies) == 2
    # the urgency is set to immediate without asking, and a child is involved
    for text in ["north", "other", "no", "no", "snapchat", "skip", "today"]:
        chat.say(text)
    chat.say("A pupil posted that they are going to hurt themselves tonight.")
    chat.say("told someone")
    assert chat.step == "confirm"
    confirm = chat.last.text
    assert confirm.startswith("Important: A child may be in danger")
    assert "Urgency: Immediate: a child may be at risk now (set automatically)" in confirm
    assert "A child is involved: Yes (set automatically)" in confirm
    assert sum("call 999" in r.text for t in chat.turns for r in t.replies) == 2  # once + summary
    submission = chat.say("submit").submission
    assert submission is not None
    assert submission.urgency == "immediate"
    assert submission.child_involved is True


def test_sexual_imagery_guidance_and_no_image_questions(chat: Chat) -> None:
    for text in ["no", "north", "inappropriate communication involving a child"]:
        chat.say(text)
    assert chat.step == "sexual_imagery"
    turn = chat.say("yes")
    guidance = turn.replies[0]
    assert guidance.kind == "notice"
    for words in ("Do not view, copy, save", "forward", "Designated Safeguarding Lead"):
        assert words in guidance.text
    chat.say("no")
    chat.say("snapchat")
    assert chat.step == "when"  # no link question
    chat.say("today")
    assert chat.step == "seen"
    assert "words only" in chat.last.text
    chat.say("Year 9 pupils sharing it, see https://snapchat.com/add/xyz")
    assert chat.step == "seen"
    assert "Please don’t paste links" in chat.last.text
    chat.say("Pupils in Year 9 are sharing an image of another pupil: snapchat.com/t/abc")
    assert chat.step == "seen"
    chat.say("Pupils in Year 9 are sharing an image of another pupil in a group chat.")
    assert chat.step == "actions_taken"
    assert "screenshot" not in chat.last.text.lower()
    chat.say("2")  # 'Reported it to the platform' with the screenshot option removed
    chat.say("routine")  # not offered: sexual images of a child are at least Urgent
    assert chat.step == "urgency"
    assert "Routine" not in chat.last.text
    chat.say("urgent")
    confirm = chat.last.text
    assert "Important: Sexual images of a child" in confirm
    assert "Link" not in confirm
    submission = chat.say("submit").submission
    assert submission is not None
    assert submission.sexual_imagery is True
    assert submission.details["actions_taken"] == ["reported_to_platform"]
    assert "link" not in submission.details
    assert "http" not in json.dumps(chat.turn.state)


def test_prefilled_link_is_dropped_once_sexual_imagery_is_reported(
    dialog: ReportDialog, known_ctx: DialogContext
) -> None:
    chat = Chat(
        dialog,
        known_ctx,
        {
            "seen": "Forwarded message from a pupil in my DMs",
            "link": "https://chat.example.com/m/1",
        },
    )
    for text in ["no", "contact from a pupil"]:
        chat.say(text)
    assert chat.answers["link"] == "https://chat.example.com/m/1"
    chat.say("yes")  # sexual images
    assert "link" not in chat.answers
    assert "chat.example.com" not in json.dumps(chat.turn.state)


def test_prefill_skips_steps_but_shows_and_edits_them(
    dialog: ReportDialog, known_ctx: DialogContext
) -> None:
    prefill = {
        "category": "contact_from_pupil",
        "seen": "Message from a pupil: 'can u follow me back on insta'",
        "link": "https://workspace.slack.com/archives/C1/p123",
        "not_a_step": "ignored",
    }
    chat = Chat(dialog, known_ctx, prefill)
    assert chat.step == "immediate_risk"  # safety first, even when pre-filled
    chat.say("no")
    assert chat.step == "sexual_imagery"  # academy known, category pre-filled, child implied
    chat.say("no")
    chat.say("no")
    chat.say("instagram")
    assert chat.step == "when"  # link pre-filled
    chat.say("last week")
    assert chat.step == "actions_taken"  # 'seen' pre-filled
    chat.say("blocked")
    chat.say("routine")
    assert chat.step == "confirm"
    confirm = chat.last.text
    assert "Contact from a pupil on social media" in confirm
    assert "can u follow me back on insta" in confirm
    assert "https://workspace.slack.com/archives/C1/p123" in confirm
    assert "Academy: South Academy (set automatically)" in confirm
    assert "16 to 22 November 2026" in confirm
    chat.say("change what happened")
    chat.say("other")
    assert chat.step == "child_involved"  # no longer implied by the category
    chat.say("yes")
    assert chat.step == "confirm"
    submission = chat.say("submit").submission
    assert submission is not None
    assert submission.category == "other"
    assert submission.academy == "south"
    assert submission.details["when"] == "2026-11-16/2026-11-22"


def test_invalid_prefill_values_are_asked(dialog: ReportDialog, known_ctx: DialogContext) -> None:
    chat = Chat(dialog, known_ctx, {"category": "not-a-category", "link": "not a link"})
    assert chat.answers == {}
    chat.say("no")
    assert chat.step == "category"


def test_no_academy_question_with_one_academy(dialog: ReportDialog, ctx: DialogContext) -> None:
    one = DialogContext(academies=[("only", "Only Academy")], default_academy=None, now=ctx.now)
    chat = Chat(dialog, one)
    chat.say("no")
    assert chat.step == "category"
    none = DialogContext(academies=[], default_academy=None, now=ctx.now)
    chat = Chat(dialog, none)
    chat.say("no")
    assert chat.step == "category"
    _answer_rest(chat)
    submission = chat.say("submit").submission
    assert submission is not None and submission.academy == ""


def _answer_all(chat: Chat) -> None:
    chat.say("no")
    chat.say("north")
    _answer_rest(chat)


def _answer_rest(chat: Chat) -> None:
    for text in [
        "other",
        "no",  # child involved
        "no",  # staff involved
        "tiktok",
        "skip",
        "today",
        "A fake account is using the academy logo.",
        "nothing",
        "routine",
    ]:
        chat.say(text)
    assert chat.step == "confirm", chat.text()


def test_a_sentence_starting_with_change_is_an_answer(chat: Chat) -> None:
    for text in ["no", "north", "other", "no", "no", "tiktok", "skip", "today"]:
        chat.say(text)
    assert chat.step == "seen"
    chat.say("Change of profile picture to our logo on a fake link account")
    assert chat.step == "actions_taken"
    assert chat.answers["seen"].startswith("Change of profile picture")


def test_change_before_any_answer_says_there_is_nothing_to_change(chat: Chat) -> None:
    turn = chat.say("change")
    assert "nothing to change" in turn.replies[0].text
    assert chat.step == "immediate_risk"
    assert chat.last.data["step"] == "immediate_risk"
    chat.press("dialog.edit")
    assert "nothing to change" in chat.turn.replies[0].text


def test_cancel_then_no_carries_on_with_nothing_lost(chat: Chat) -> None:
    chat.say("no")
    chat.say("north")
    chat.say("cancel")
    turn = chat.say("no")
    assert not turn.cancelled
    assert "kept" in turn.replies[0].text
    assert chat.step == "category" and chat.answers["academy"] == "north"
    chat.press("dialog.cancel")
    chat.press("dialog.carry_on")
    assert chat.status == "active" and chat.step == "category"
    # a stale "Yes, discard it" button (no question asked now) only asks again
    assert not chat.press("dialog.discard").cancelled


def test_words_in_a_typed_answer_switch_to_the_safe_path(chat: Chat) -> None:
    for text in ["no", "north", "other", "no", "no", "snapchat", "https://snapchat.com/x"]:
        chat.say(text)
    assert chat.answers["link"] == "https://snapchat.com/x"
    chat.say("today")
    turn = chat.say("Pupils in year 8 are sharing nudes of a classmate in a group chat.")
    said = [r.text for r in turn.replies]
    assert "suggests sexual images of a child" in said[0]
    assert said[1].startswith("Sexual images of a child: do not share them")
    assert chat.answers["sexual_imagery"] is True
    assert chat.answers["child_involved"] is True
    assert "link" not in chat.answers  # the link to them is dropped
    # the question it brought up comes next, answered already by the signal: carry on
    for _ in range(6):
        if chat.step == "urgency":
            break
        chat.say("keep" if chat.step in chat.answers else "told a colleague")
    assert chat.step == "urgency"
    assert "Routine" not in chat.last.text
    chat.say("urgent")
    submission = chat.say("submit").submission
    assert submission is not None and submission.sexual_imagery and submission.child_involved
    assert "link" not in submission.details


def test_image_words_without_a_child_do_not_fire(dialog: ReportDialog, ctx: DialogContext) -> None:
    chat = Chat(dialog, ctx)
    for text in ["no", "north", "other", "no", "yes", "no", "skip", "facebook", "skip", "today"]:
        chat.say(text)
    chat.say("A colleague posted a nude painting from an art gallery trip.")
    assert "sexual_imagery" not in chat.answers
    assert chat.step == "actions_taken"


def test_a_report_about_the_dsl_is_asked_and_stored(chat: Chat) -> None:
    for text in ["no", "north", "other", "no", "yes", "no"]:
        chat.say(text)
    assert chat.step == "concerns_roles"
    assert "The Designated Safeguarding Lead (DSL)" in chat.last.text
    chat.say("1")
    assert chat.answers["concerns_roles"] == ["dsl"]


def test_a_reported_message_with_sexual_image_words_starts_on_the_safe_path(
    dialog: ReportDialog, known_ctx: DialogContext
) -> None:
    prefill = {"seen": "send me ur nudes babe, ur only in year 9 so nobody will know"}
    chat = Chat(dialog, known_ctx, prefill)
    said = "\n".join(r.text for r in chat.turn.replies)
    assert "suggests sexual images of a child" in said
    assert "Do not view, copy, save, screenshot or forward" in said
    assert chat.answers["sexual_imagery"] is True
    assert chat.step == "immediate_risk"  # safety first, still
    chat.say("no")
    assert chat.step == "category"
    chat.say("2")
    assert chat.step == "staff_involved"  # the image question is answered by the message


def test_a_link_to_sexual_images_switches_to_the_safe_path_and_is_dropped(chat: Chat) -> None:
    for text in ["no", "north", "contact from a pupil", "no", "no", "snapchat"]:
        chat.say(text)
    assert chat.step == "link"
    turn = chat.say("https://example.com/leaked/year9-nudes")
    assert "suggests sexual images of a child" in turn.replies[0].text
    assert chat.answers["sexual_imagery"] is True
    assert "link" not in chat.answers
    assert "http" not in json.dumps(chat.turn.state)
    assert chat.step == "when"
