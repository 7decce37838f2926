"""A campaign in the console: the Headteacher starts it for the people in the trust file,
everyone gets the summary, reminders go to those who have not confirmed, the completion
list and CSV show who has, and a new campaign for the same version asks nobody twice."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from sqlalchemy import select

from adapters.console.chat import ConsoleChat
from adapters.console.notifier import ConsoleNotifier
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.delivery.worker import OutboxWorker
from bot.messages import Action, Actor, Message
from bot.store.models import AuditEvent

OAKFIELD = [
    "Jane Smith",
    "Leena Patel",
    "Omar Khan",
    "Priya Shah",
    "Robert Hughes",
    "Tom Cooper",
]


class Pick:
    """A form answer naming options ("Jane Smith"): typed as their numbers in the list shown."""

    def __init__(self, *labels: str) -> None:
        self.labels = labels

    def numbers(self, shown: str) -> str:
        """The numbers of ``labels`` in the last option line printed in ``shown``."""
        options = shown.rstrip().splitlines()[-1]
        found = dict(re.findall(r"\[(\d+)\] ([^\[(]+?)\s*(?:\(|\[|$)", options))
        by_label = {label: number for number, label in found.items()}
        missing = [label for label in self.labels if label not in by_label]
        assert not missing, f"{missing} not among the options {options!r}"
        return ", ".join(by_label[label] for label in self.labels)


class Person:
    """One console user: what they type and what the chat printed for them."""

    def __init__(self, bot: PolicyBot, name: str) -> None:
        self.out = io.StringIO()
        self.chat = ConsoleChat(bot, Actor("console", name, name), out=self.out)

    async def type(self, text: str, *form: str | Pick) -> str:
        answers = iter(form)

        def read(prompt: str) -> str:
            answer = next(answers, None)
            if answer is None:
                raise AssertionError(f"the console asked {prompt!r}: no answer scripted")
            return answer.numbers(self.out.getvalue()) if isinstance(answer, Pick) else answer

        start = self.out.tell()
        await self.chat.line(text, read)
        return flat(self.out.getvalue()[start:])


def flat(text: str) -> str:
    """Text with the console's line wrapping undone."""
    return " ".join(text.split())


async def test_campaign_in_the_console(console_bot: PolicyBot, clock: FakeClock) -> None:
    bot = console_bot
    notices = io.StringIO()
    worker = OutboxWorker(bot.database, {"console": ConsoleNotifier(notices)}, clock)
    jane, tom, omar = Person(bot, "jane"), Person(bot, "tom"), Person(bot, "omar")

    # a teacher cannot start one
    assert "Only a Principal/Headteacher" in await tom.type("campaign start")

    shown = await jane.type("campaign start", "1", "1", "1", "2")
    assert "[1] Oakfield Primary Academy" in shown  # the choices are listed to pick by number
    assert "Campaign 1 has started: 6 people are being sent the policy summary (version 1)" in shown
    assert "every 1 day to anyone who has not confirmed, up to 2 times" in shown

    assert await worker.run_once() == 6
    printed = flat(notices.getvalue())
    for name in OAKFIELD:
        assert f"To {name}" in printed
    assert "Please read: Social Media Policy (version 1)" in printed
    assert "Jane Smith (Principal/Headteacher) asks every member of staff" in printed
    # the summary is the KB's own words
    assert (
        "Not allowed: \u201cInviting, accepting or engaging in communications with pupils"
        in printed
    )
    assert "[1] I have read and understood" in printed and "[2] I have a question" in printed

    # Tom confirms by typing; Omar asks a question first (Q&A), then confirms by number
    assert "I have recorded that you have read and understood the Social Media Policy" in (
        await tom.type("read and understood")
    )
    assert "already confirmed" in await tom.type("confirm 1")
    assert "I can't find that campaign" in await omar.type("confirm 99")
    [asked] = await bot.handle(Action(omar.chat.actor, "campaign.question", "1", "console:omar"))
    assert "Ask me your question about the policy in your own words" in asked.text
    assert [c.label for c in asked.choices] == ["I have read and understood"]
    assert "Not allowed" in await omar.type("can i message a pupil on instagram")
    clock.advance(hours=25)
    assert await bot.campaigns.service.run_due() == 5  # all but Tom
    notices.truncate(0)
    notices.seek(0)
    assert await worker.run_once() == 5
    assert "Reminder 1 of 2: you have not yet confirmed" in flat(notices.getvalue())
    assert "To Tom Cooper" not in notices.getvalue()
    assert await bot.campaigns.service.run_due() == 0  # not again before the interval

    status = await jane.type("campaign 1")
    assert "Confirmed: 1 of 6." in status
    assert "Oakfield Primary Academy: 1 of 6 confirmed" in status
    assert "Not yet confirmed: Jane Smith (reminded 1\u00d7), Leena Patel" in status
    assert "Confirmed: Tom Cooper (24 Nov 09:00)" in status

    clock.advance(hours=25)
    assert await bot.campaigns.service.run_due() == 5  # the second and last reminder
    clock.advance(hours=25)
    assert await bot.campaigns.service.run_due() == 1  # no more than 2; Jane gets the report
    notices.truncate(0)
    notices.seek(0)
    while await worker.run_once():  # each person gets one message per round
        pass
    report = flat(notices.getvalue())
    assert "To Jane Smith" in report and "Campaign 1: 5 not yet confirmed" in report
    assert "1 of 6 have confirmed. Not yet confirmed: Jane Smith, Leena Patel, Omar Khan" in report
    assert await bot.campaigns.service.run_due() == 0  # reported once

    assert "campaign,policy_version,academy,name" in await jane.type("campaign export 1")
    [export] = await bot.handle(Message(jane.chat.actor, "campaign export 1", "console:jane"))
    rows = list(csv.DictReader(io.StringIO(export.data["csv"])))
    assert {r["name"]: r["state"] for r in rows} == {
        "Jane Smith": "outstanding",
        "Leena Patel": "outstanding",
        "Omar Khan": "outstanding",
        "Priya Shah": "outstanding",
        "Robert Hughes": "outstanding",
        "Tom Cooper": "confirmed",
    }
    assert rows[0]["policy_version"] == "1" and rows[0]["academy"] == "Oakfield Primary Academy"

    async with bot.database.session() as session:
        actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        confirmed = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "campaign_confirmed")
        )
    assert actions.count("campaign_reminder_sent") == 10
    assert "campaign_started" in actions and "campaign_exported" in actions
    assert confirmed is not None
    assert confirmed.actor == "console:tom" and confirmed.data["version"] == "1"
    assert confirmed.at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    # Riverside's Headteacher cannot see Oakfield's campaign
    sarah = Person(bot, "sarah")
    assert "There is no campaign 1 that you can see" in await sarah.type("campaign 1")

    # ending it; a new campaign for the same version does not ask Tom again
    assert "Campaign 1 has ended" in await jane.type("campaign end 1")
    shown = await jane.type("campaign start", "1", "1", "", "")
    assert "Campaign 2 has started: 5 people" in shown
    assert "1 had already confirmed version 1, so they are not asked again" in shown
    assert "every 2 days" in shown and "up to 3 times" in shown

    # Leena leaves the trust: no longer chased
    await bot.accounts.service.person_left("leena")
    clock.advance(days=2, hours=1)
    assert await bot.campaigns.service.run_due() == 4
    status = await jane.type("campaign 2")
    assert "No longer asked (left the channel, team or trust): Leena Patel" in status

    # the last four confirm: Jane is told everyone has
    for name in ("jane", "omar", "priya", "robert"):
        assert "I have recorded" in await Person(bot, name).type("read and understood")
    notices.truncate(0)
    notices.seek(0)
    while await worker.run_once():
        pass
    assert "Campaign 2: everyone has confirmed" in flat(notices.getvalue())
    assert "has confirmed they have read and understood the policy, version 1: 5 of 5" in flat(
        notices.getvalue()
    )
