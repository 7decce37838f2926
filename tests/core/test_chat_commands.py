"""What a person types in the chat is never misread: paused reports, commands in the middle
of a report, notes typed as replies, command slips, "who is the DSL", safeguarding words.
On a real migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from pathlib import Path

from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.messages import Action, Message
from bot.store.db import Database
from bot.trust.config import TrustConfig
from tests.core.test_policybot import ANSWERS, JANE, OMAR, SARAH, TOM, file_report, make_bot, say
from tests.core.test_policybot import step as current_step


def _unanswered_log() -> str:
    path = Path(os.environ["UNANSWERED_LOG"])
    return path.read_text(encoding="utf-8") if path.exists() else ""


async def _draft(bot: PolicyBot) -> dict:
    stored = await bot.conversations.get(f"report:{TOM.key}")
    assert stored is not None
    return stored.state


async def _reference(bot: PolicyBot) -> str:
    receipt = await file_report(bot, TOM, ANSWERS)
    return receipt.split("reference ")[1].split(".")[0]


async def test_a_report_left_idle_is_paused_and_the_next_message_is_not_its_answer(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    await say(bot, TOM, "report")
    await say(bot, TOM, "no")
    await say(bot, TOM, "disparaging post")
    before = await _draft(bot)
    fake_clock.advance(hours=3)
    replies = await say(bot, TOM, "my reports")
    assert "You have not made any reports yet" in replies[0].text
    assert "Your report is paused" in replies[-1].text
    assert [c.action for c in replies[-1].choices] == ["dialog.resume", "dialog.cancel"]
    after = await _draft(bot)
    assert after["answers"] == before["answers"] and after["status"] == "paused"
    # a policy question is answered as one, and nothing about it is stored in the report
    answer = await say(bot, TOM, "can i add a yr 11 kid on snap")
    assert answer[0].verdict == "not_allowed"
    assert (await _draft(bot))["answers"] == before["answers"]
    # the words the pause told them to type work
    resumed = await say(bot, TOM, "resume")
    assert any("Welcome back" in r.text for r in resumed)
    assert await current_step(bot, TOM) == before["step"]


async def test_cancel_on_a_paused_report_asks_first(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    await say(bot, TOM, "report")
    await say(bot, TOM, "no")
    assert await bot.pause_report(TOM)
    assert (notice := await bot.unfinished_report(TOM)) is not None
    assert "“resume”" in notice.text and "“cancel”" in notice.text
    asked = await say(bot, TOM, "cancel")
    assert "throw this report away" in asked[0].text
    kept = await say(bot, TOM, "no")
    assert "paused" in kept[0].text
    await say(bot, TOM, "cancel")
    gone = await say(bot, TOM, "yes")
    assert "Report cancelled" in gone[0].text
    assert await bot.unfinished_report(TOM) is None


async def test_commands_mid_report_are_answered_and_the_question_shown_again(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    await say(bot, TOM, "report")
    await say(bot, TOM, "no")
    before = await _draft(bot)
    replies = await say(bot, TOM, "my reports")
    assert "You have not made any reports yet" in replies[0].text
    assert replies[-1].data.get("step") == before["step"]
    who = await say(bot, TOM, "who is the dsl")
    assert "Omar Khan" in who[0].text
    assert (await _draft(bot))["answers"] == before["answers"]


async def test_a_note_typed_as_the_reply_is_saved_and_never_logged(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    ref = await _reference(bot)
    logged = _unanswered_log()
    asked = await bot.handle(Action(JANE, "incident.note", ref, "c-jane"))
    assert "reply with the text" in asked[0].text
    saved = await say(bot, JANE, "Rang the family, they will watch his phone use")
    assert f"Your note has been added to {ref}" in saved[0].text
    details = await say(bot, JANE, f"view {ref}")
    assert "Rang the family" in details[0].text
    # the same for an outcome typed after "close REF"
    await say(bot, JANE, f"close {ref}")
    closed = await say(bot, JANE, "Pupil spoken to; no further action")
    assert f"{ref} is now closed" in closed[0].text
    assert _unanswered_log() == logged
    # a command after the prompt means they moved on: the next message is itself again
    await say(bot, JANE, f"note {ref}")
    assert "Incidents sent to you" in (await say(bot, JANE, "incidents"))[0].text
    answer = await say(bot, JANE, "can i add a yr 11 kid on snap")
    assert answer[0].verdict == "not_allowed"
    # and the prompt does not wait for ever
    await say(bot, JANE, f"note {ref}")
    fake_clock.advance(minutes=11)
    assert (await say(bot, JANE, "can i add a yr 11 kid on snap"))[0].verdict == "not_allowed"


async def test_text_is_asked_for_only_once_it_would_be_accepted(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    ref = await _reference(bot)
    refused = await say(bot, SARAH, f"note {ref}")
    assert refused[0].kind == "error" and not refused[0].fields
    assert (
        refused[0].text == f"There is no report {ref} that you can see. Please check the reference."
    )
    missing = await say(bot, SARAH, "note SM-2026-0999")
    assert missing[0].text == refused[0].text.replace(ref, "SM-2026-0999")
    # the reporter may add information to their own report
    asked = await say(bot, TOM, f"note {ref}")
    assert asked[0].fields and asked[0].fields[0].name == "note"
    added = await say(bot, TOM, "I forgot: he also sent a friend request on Snapchat.")
    assert f"Your note has been added to {ref}" in added[0].text
    details = await say(bot, OMAR, f"view {ref}")
    assert "Tom Cooper (reporter)" in details[0].text


async def test_command_slips_get_command_help_and_are_not_logged(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    logged = _unanswered_log()
    for typed in ("ack", "view", "close 42", "note sm-2026"):
        replies = await say(bot, JANE, typed)
        assert replies[0].kind == "help", typed
        assert "SM-2026-0042" in replies[0].text
    echoed = await say(bot, JANE, "ack SM-0000-9999")
    assert "SM-0000-9999" in echoed[0].text
    assert _unanswered_log() == logged


async def test_who_is_the_dsl_names_the_askers_academy_contacts(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    reply = (await say(bot, TOM, "who is the DSL?"))[0]
    assert "At Oakfield Primary Academy" in reply.text
    for name in ("Omar Khan", "Leena Patel", "Jane Smith", "omar.khan@oakfield.example.org"):
        assert name in reply.text
    assert "Riverside" not in reply.text
    # and the immediate-risk guidance names the DSL
    await say(bot, TOM, "report")
    guidance = await say(bot, TOM, "yes")
    assert "Designated Safeguarding Lead (DSL), Omar Khan, straight away" in guidance[0].text


async def test_undecodable_bytes_are_replaced_not_a_crash(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    replies = await bot.handle(Message(TOM, "can i \udcff add a pupil on snap", "c"))
    assert replies and replies[0].text
    await bot.handle(Message(TOM, "\udcfe\udcff", "c"))
    assert "\udcff" not in _unanswered_log()


async def test_sexual_image_words_switch_the_report_to_the_safe_path(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    answers = {
        **ANSWERS,
        "category": "other",
        "child_involved": "no",
        "staff_involved": "no",
        "link": "skip",
        "seen": "A nude photo of a Year 10 girl is being shared in a group chat.",
        "sexual_imagery": "yes",
        "actions_taken": "told a colleague",
        "urgency": "urgent",
    }
    await say(bot, TOM, "report")
    shown: list[str] = []
    for _ in range(20):
        current = await current_step(bot, TOM)
        if current == "confirm":
            break
        replies = await say(bot, TOM, answers[current])
        shown += [r.text for r in replies]
    text = "\n".join(shown)
    assert "suggests sexual images of a child" in text
    assert "Do not view, copy, save" in text
    receipt = (await say(bot, TOM, "submit"))[-1].text
    assert "Omar Khan" in receipt  # the DSL is told
    queue = await say(bot, OMAR, "incidents")
    assert "SEXUAL IMAGES OF A CHILD" in queue[0].text and "urgent" in queue[0].text
