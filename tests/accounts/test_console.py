"""Official accounts in the console (SQLite and PostgreSQL): a request missing the policy's
conditions is explained and not sent; one approved (the Headteacher told the URL and
identity, the requester and administrators told) and one declined with a reason; the
register and its CSV; a check done and one overdue (reminders, then the Headteacher); an
administrator leaving flags the account; Q&A offers "Request an official account"."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from adapters.console.notifier import ConsoleNotifier
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.delivery.worker import OutboxWorker
from bot.messages import Message
from bot.store.models import AuditEvent
from bot.trust.directory import find_person, set_role
from tests.campaigns.test_console import Person, Pick, flat

#: the request form's fields in order: academy, platform, handle, purpose, pupils, email,
#: administrators, code of behaviour, About-page links
GOOD = (
    "1",
    "Instagram",
    "@oakfield_y6",
    "Year 6 class news",
    "yes",
    "y6@oakfield.example.org",
    "Omar Khan, Tom Cooper",
    "yes",
    "yes",
)


class Inbox:
    """The console notifier's output, read since last time."""

    def __init__(self, bot: PolicyBot, clock: FakeClock) -> None:
        self.stream = io.StringIO()
        self.worker = OutboxWorker(bot.database, {"console": ConsoleNotifier(self.stream)}, clock)
        self.bot = bot

    async def deliver(self) -> str:
        await self.bot.campaigns.service.run_due()
        await self.bot.accounts.service.run_due()
        start = self.stream.tell()
        await self.worker.run_once()
        return flat(self.stream.getvalue()[start:])


async def test_official_accounts_in_the_console(console_bot: PolicyBot, clock: FakeClock) -> None:
    bot = console_bot
    inbox = Inbox(bot, clock)
    tom, jane, leena = Person(bot, "tom"), Person(bot, "jane"), Person(bot, "leena")
    async with bot.database.transaction() as session:  # Leena is Oakfield's nominated checker
        leena_p = await find_person(session, "leena")
        assert leena_p is not None
        await set_role(session, "oakfield", "social_media_checker", leena_p, now=clock.now())

    # Q&A about a class account offers the request
    answer = await tom.type("can i set up an instagram account for my class")
    assert "Request an official account" in answer

    # missing the policy's conditions: each explained, nothing sent
    shown = await tom.type(
        "request account",
        "1",
        "1",
        "@y6",
        "Class news",
        "no",
        "tom@gmail.com",
        "Tom Cooper",
        "no",
        "yes",
    )
    assert "[1] Oakfield Primary Academy [2] Riverside Secondary Academy" in shown
    assert "This request can't be sent yet" in shown
    assert "official academy email account, not a personal one" in shown
    assert "@oakfield.example.org" in shown
    assert "At least two members of staff must administer and monitor it" in shown
    assert "A code of behaviour for its users" in shown
    assert "The policy: \u201cClear processes for the administration and monitoring" in shown
    assert "About or Info page" not in shown.split("The policy")[0]  # that one was met
    assert await inbox.deliver() == ""

    # a good request goes to the Headteacher (no senior leader named, so her)
    shown = await tom.type("request account", *GOOD)
    assert "Your request 1 has been sent for approval" in shown
    assert "Pupils must not be given access until it is approved" in shown
    got = await inbox.deliver()
    assert "To Jane Smith" in got and "Official account request 1: Instagram @oakfield_y6" in got
    assert "Administrators: Omar Khan, Tom Cooper" in got and "[1] Approve [2] Decline" in got

    # while it waits, Jane is reminded
    clock.advance(days=2)
    got = await inbox.deliver()
    assert "To Jane Smith" in got and "Reminder 1: this request is still waiting" in got

    # Tom cannot approve his own; Jane approves
    assert "Only the academy's senior leader" in await tom.type("approve 1")
    assert "Approved. It is in the register" in await jane.type("approve 1")
    got = await inbox.deliver()
    assert (
        "To Jane Smith" in got
        and "the URL and identity of academy accounts are notified to you" in got
    )
    assert "Address (URL or handle): @oakfield_y6" in got
    assert "To Tom Cooper" in got and "To Omar Khan" in got
    assert "pupils may now be given access" in got
    assert "already approved" in await jane.type("decline 1 changed my mind")

    # a second request is declined with a reason
    await tom.type(
        "request account",
        "1",
        "TikTok",
        "@oakfield_dance",
        "Dance club",
        "yes",
        "dance@oakfield.example.org",
        Pick("Jane Smith", "Tom Cooper"),
        "yes",
        "yes",
    )
    await inbox.deliver()
    shown = await jane.type("decline 2", "Please use the academy's main account for clubs")
    assert "give the reason for declining (the requester is told it)" in shown
    assert "Declined. The requester has been told why." in shown
    got = await inbox.deliver()
    assert "To Tom Cooper" in got and "was declined by Jane Smith" in got
    assert "Reason: Please use the academy's main account for clubs" in got

    # the register and its CSV
    register = await jane.type("accounts")
    assert "1: Oakfield Primary Academy, Instagram @oakfield_y6: approved by Jane Smith" in register
    assert "2: Oakfield Primary Academy, TikTok @oakfield_dance: declined by Jane Smith" in register
    [export] = await bot.handle(Message(jane.chat.actor, "accounts export", "console:jane"))
    rows = list(csv.DictReader(io.StringIO(export.data["csv"])))
    assert [(r["id"], r["state"], r["administrators"]) for r in rows] == [
        ("1", "approved", "Omar Khan; Tom Cooper"),
        ("2", "declined", "Jane Smith; Tom Cooper"),
    ]

    # the regular check: sent to Leena after 90 days, recorded
    clock.advance(days=90)
    got = await inbox.deliver()
    assert "To Leena Patel" in got and "time for the regular check" in got
    assert "Is its content professional?" in got
    shown = await leena.type("check account 1", "yes", "yes", "yes", "yes", "All fine")
    assert "Check recorded: all fine. The next one is due on" in shown
    assert "Last checked:" in await jane.type("account 1")

    # the next check is not done: two reminders a week apart, then the Headteacher
    clock.advance(days=90)
    assert "To Leena Patel" in await inbox.deliver()
    for n in (1, 2):
        clock.advance(days=7)
        got = await inbox.deliver()
        assert f"Reminder {n}: the check of this official account" in got and "To Leena" in got
    clock.advance(days=7)
    got = await inbox.deliver()
    assert (
        "To Jane Smith" in got and "Overdue: Leena Patel has not recorded the regular check" in got
    )
    clock.advance(days=7)
    assert await inbox.deliver() == ""  # escalated once

    # Omar leaves: the account has one administrator left, flagged, Jane told
    name, flagged = await bot.accounts.service.person_left("okhan")
    assert name == "Omar Khan" and [v.id for v in flagged] == [1]
    got = await inbox.deliver()
    assert (
        "To Jane Smith" in got
        and "Omar Khan has left; it now has 1 administrator (Tom Cooper)" in got
    )
    shown = await jane.type("account 1 add admin leena")
    assert "leena now administers it" in shown and "Needs attention" not in shown

    async with bot.database.session() as session:
        actions = set(await session.scalars(select(AuditEvent.action)))
    assert {
        "account_requested",
        "account_approved",
        "account_declined",
        "account_check_sent",
        "account_checked",
        "account_check_reminded",
        "account_check_overdue",
        "person_left",
        "account_flagged",
        "account_register_exported",
    } <= actions
