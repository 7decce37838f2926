"""The core facade end to end: chat Q&A, the report dialog, incidents and the outbox,
on a real migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.delivery.worker import OutboxWorker
from bot.incidents.service import IncidentService
from bot.messages import Action, Actor, Message, Reply
from bot.notifier import Delivery
from bot.qa.engine import AnswerEngine
from bot.store.db import Database
from bot.trust.config import TrustConfig

TOM = Actor("console", "tom", "Tom")  # teacher at Oakfield (example trust)
JANE = Actor("console", "jane", "Jane")  # Oakfield Principal/Headteacher
OMAR = Actor("console", "omar", "Omar")  # Oakfield DSL
SARAH = Actor("console", "sarah", "Sarah")  # Riverside Headteacher: not entitled to Oakfield's

ANSWERS = {
    "immediate_risk": "no",
    "category": "contact from a pupil",
    "child_involved": "yes",
    "sexual_imagery": "no",
    "staff_involved": "no",
    "concerns_headteacher": "no",
    "platform": "instagram",
    "link": "skip",
    "when": "yesterday",
    "seen": "A pupil in Year 9 sent me a direct message asking for my phone number.",
    "actions_taken": "1, 2",
    "urgency": "routine",
}


class RecordingNotifier:
    """The console platform's port, recording deliveries (the outside world, not our code)."""

    platform = "console"

    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> str | None:
        self.sent.append(delivery)
        return f"msg-{delivery.id}"


_ENGINE: AnswerEngine | None = None


def make_bot(database: Database, clock: FakeClock) -> PolicyBot:
    global _ENGINE
    _ENGINE = _ENGINE or AnswerEngine.from_file()
    incidents = IncidentService(
        database,
        clock=clock,
        platforms={"console"},
        reminder_after=timedelta(minutes=30),
        escalate_after=timedelta(minutes=60),
    )
    return PolicyBot(engine=_ENGINE, database=database, incidents=incidents, clock=clock)


async def say(bot: PolicyBot, actor: Actor, text: str) -> list[Reply]:
    return await bot.handle(Message(actor, text, f"c-{actor.user_id}"))


async def step(bot: PolicyBot, actor: Actor) -> str:
    draft = await bot.conversations.get(f"report:{actor.key}")
    return "" if draft is None else str(draft.state.get("step", ""))


async def file_report(bot: PolicyBot, actor: Actor, answers: dict[str, str]) -> str:
    """Start a report and walk the dialog answering each step; return the receipt text."""
    await say(bot, actor, "report")
    return await file_report_from_here(bot, actor, answers)


async def test_chat_follow_up_is_answered_by_typing_an_option(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    first = await say(bot, TOM, "an ex-pupil wants to follow me on insta")
    assert first[0].verdict == "conditional"
    assert [c.action for c in first[0].choices][:2] == ["qa.fact", "qa.fact"]
    second = await say(bot, TOM, "18 or over")
    assert second[0].verdict == "allowed"
    # the pending follow-up is gone: a new question is just a question
    third = await say(bot, TOM, "2")
    assert third[0].verdict == "no_match"


async def test_follow_up_button_updates_the_answer_in_place(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    first = await say(bot, TOM, "can we post sports day pics on the school fb page")
    yes = next(c for c in first[0].choices if c.action == "qa.fact" and "yes" in c.value)
    replies = await bot.handle(Action(TOM, yes.action, yes.value, "c-tom"))
    assert replies[0].verdict == "allowed" and replies[0].replace_previous


async def test_a_message_can_go_on_from_the_last_question(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    first = await say(bot, TOM, "can i accept a friend request from an ex pupil who is 16")
    assert first[0].verdict == "not_allowed"
    older = await say(bot, TOM, "and if shes 20?")
    assert older[0].verdict == "allowed"
    assert older[0].data["rule_ids"] == ["inappropriate.friend-pupils"]
    assert (
        older[0]
        .text.split("\n")[2]
        .startswith(
            "Going on from your question \u201ccan i accept a friend request from an ex pupil"
        )
    )
    assert (await say(bot, TOM, "what if shes 15 tho"))[0].verdict == "not_allowed"
    # a message not understood leaves the question to go on from as it was
    assert (await say(bot, TOM, "what about in the holidays"))[0].verdict == "no_match"
    assert (await say(bot, TOM, "she's 19 now"))[0].verdict == "allowed"
    # the follow-up buttons of an answer carried on re-ask the first question
    photos = await say(bot, TOM, "can we post sports day pics on the school fb page")
    assert photos[0].verdict == "conditional"
    no = next(c for c in photos[0].choices if c.action == "qa.fact" and '"no"' in c.value)
    refused = await bot.handle(Action(TOM, no.action, no.value, "c-tom"))
    assert refused[0].verdict == "not_allowed"
    consent = await say(bot, TOM, "what if we get written consent from the parents")
    assert consent[0].verdict == "allowed"
    assert consent[0].data["rule_ids"] == ["education.photos-consent"]


async def test_going_on_needs_a_recent_question_on_facts_in_the_same_chat(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    await say(bot, TOM, "can i accept a friend request from an ex pupil who is 16")
    other_chat = await bot.handle(Message(TOM, "and if shes 20?", "another-channel"))
    assert other_chat[0].verdict == "no_match"
    assert (await say(bot, JANE, "and if shes 20?"))[0].verdict == "no_match"
    fake_clock.advance(timedelta(minutes=31))
    assert (await say(bot, TOM, "and if shes 20?"))[0].verdict == "no_match"
    # an answer that depends on no fact leaves nothing to go on from
    await say(bot, TOM, "can i accept a friend request from an ex pupil who is 16")
    assert (await say(bot, TOM, "who do I tell if a pupil DMs me"))[0].verdict != "no_match"
    assert (await say(bot, TOM, "and if shes 20?"))[0].verdict == "no_match"


async def test_full_report_is_stored_routed_and_delivered_once(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    receipt = await file_report(bot, TOM, ANSWERS)
    ref = receipt.split("reference ")[1].split(".")[0]
    assert ref.startswith("SM-2026-")
    notifier = RecordingNotifier()
    worker = OutboxWorker(database, {"console": notifier}, fake_clock)
    while await worker.run_once():
        pass
    to = {d.recipient.address for d in notifier.sent}
    assert {"jane", "omar", "leena", "tom"} <= to  # Head, DSL, deputy DSL, the reporter
    assert "robert" not in to  # the Chair only when the report concerns the Headteacher
    escalation = next(d for d in notifier.sent if d.recipient.address == "jane")
    assert ref in escalation.reply.text
    assert "phone number" not in escalation.reply.text  # details never in a notification
    assert {c.action for c in escalation.reply.choices} >= {"incident.ack", "incident.view"}
    assert await worker.run_once() == 0  # nothing sent twice

    status = await say(bot, TOM, "my reports")
    assert ref in status[0].text and "open" in status[0].text


async def test_report_resumes_after_a_restart(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    await say(bot, TOM, "report")
    await say(bot, TOM, "no")  # immediate risk
    await say(bot, TOM, "contact from a pupil")
    before = await step(bot, TOM)
    assert before not in ("", "immediate_risk", "category")
    # a new process: new Database object on the same store, new bot
    again = Database(database.url, schema=database.schema)
    try:
        bot2 = make_bot(again, fake_clock)
        assert await step(bot2, TOM) == before
        receipt = await file_report_from_here(bot2, TOM)
        assert "SM-2026-" in receipt
    finally:
        await again.dispose()


async def file_report_from_here(
    bot: PolicyBot, actor: Actor, answers: dict[str, str] = ANSWERS
) -> str:
    """Answer each step of an open report until it is submitted; return the receipt text."""
    replies: list[Reply] = []
    for _ in range(30):
        current = await step(bot, actor)
        if current == "confirm":
            replies = await say(bot, actor, "submit")
            break
        assert current in answers, f"unexpected step {current!r}"
        replies = await say(bot, actor, answers[current])
    receipt = replies[-1].text
    assert "reference" in receipt, receipt
    return receipt


async def test_incident_actions_and_entitlement(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    receipt = await file_report(bot, TOM, ANSWERS)
    ref = receipt.split("reference ")[1].split(".")[0]

    refused = await bot.handle(Action(SARAH, "incident.view", ref, "c"))
    assert refused[0].kind == "error"
    assert "phone number" not in refused[0].text

    details = await bot.handle(Action(OMAR, "incident.view", ref, "c"))
    assert "phone number" in details[0].text

    ack = await bot.handle(Action(JANE, "incident.ack", ref, "c"))
    assert "acknowledged" in ack[0].text

    form = await bot.handle(Action(JANE, "incident.close", ref, "c"))
    assert form[0].fields and form[0].fields[0].name == "outcome"
    closed = await bot.handle(
        Action(JANE, "incident.close", ref, "c", {"outcome": "Spoke to pupil and parents."})
    )
    assert "closed" in closed[0].text
    typed = await say(bot, JANE, f"note {ref} followed up with the form tutor")
    assert "note" in typed[0].text.lower()
    status = await say(bot, TOM, "my reports")
    assert "closed" in status[0].text


@pytest.mark.parametrize("text", ["", "x" * 10_000, "\x00\xff", "🙂", "report " * 3])
async def test_bad_chat_input_gets_a_friendly_reply(
    database: Database, trust: TrustConfig, fake_clock: FakeClock, text: str
) -> None:
    bot = make_bot(database, fake_clock)
    replies = await say(bot, TOM, text)
    assert replies and all(r.text for r in replies)


async def test_report_button_from_an_answer_prefills_the_category(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    answer = await say(bot, TOM, "who do I tell if a pupil DMs me")
    report = next(c for c in answer[0].choices if c.action == "report.start")
    assert json.loads(report.value) == {"category": "contact_from_pupil"}
    await bot.handle(Action(TOM, report.action, report.value, "c-tom"))
    await say(bot, TOM, "no")  # immediate risk
    assert await step(bot, TOM) != "category"


async def test_a_message_asking_two_things_gets_two_answers(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    replies = await say(
        bot,
        TOM,
        "Can I accept my ex-pupil's request, she's 20 now? "
        "Also can I write her a LinkedIn recommendation?",
    )
    assert [r.verdict for r in replies] == ["allowed", "not_allowed"]
    assert [r.data["rule_ids"] for r in replies] == [
        ["inappropriate.friend-pupils"],
        ["inappropriate.references"],
    ]
    one = await say(bot, TOM, "can i add a pupil on insta? what if she's 18?")
    assert len(one) == 1
