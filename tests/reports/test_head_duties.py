"""The monitoring report's "read and understood" and official-account sections: campaigns
and accounts made through their own services over two terms, every figure checked against
the database (SQLite and PostgreSQL), small counts suppressed, and nobody named."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.accounts.service import CHECK_QUESTIONS, AccountService, AccountSettings
from bot.campaigns.service import TRUST_WIDE, CampaignService, run_due_campaigns
from bot.clock import FakeClock
from bot.messages import Actor
from bot.reports import monitoring
from bot.reports.anonymise import FEWER, HIDDEN, breakdown, cell
from bot.reports.head_duties import DutyFigures, accounts_now, gather_duties
from bot.reports.monitoring import Context
from bot.reports.period import Period
from bot.store.db import Database
from bot.store.models import AuditEvent
from bot.store.models_head import (
    AccountAdministrator,
    AccountCheck,
    Campaign,
    CampaignMember,
    OfficialAccount,
)
from bot.trust.config import TrustConfig
from policy_kb.loader import load_kb

TERM = Period.of_days(datetime(2026, 9, 1).date(), datetime(2026, 12, 18).date())
BEFORE = TERM.previous()
NOW = datetime(2026, 12, 19, 9, 0, tzinfo=UTC)
SETTINGS = AccountSettings(
    check_every=timedelta(days=21), check_grace=timedelta(days=3), check_reminders=1
)
ALL_YES = {key: True for key, _ in CHECK_QUESTIONS}


def who(name: str) -> Actor:
    return Actor("console", name)


def request(academy: str, handle: str, admins: list[str]) -> dict[str, object]:
    return {
        "academy": academy,
        "platform": "instagram",
        "handle": handle,
        "purpose": "Class news for parents",
        "pupils_use": False,
        "official_email": f"news@{academy}.example.org",
        "administrators": admins,
        "code_of_behaviour": True,
        "about_page": True,
    }


@dataclass(frozen=True)
class Seeded:
    handles: list[str]


async def _seed(database: Database) -> Seeded:
    """Two terms of campaigns and accounts, made by the services as staff would."""
    clock = FakeClock(BEFORE.start + timedelta(days=10))
    campaigns = CampaignService(database, clock=clock, kb=load_kb(), platforms=["console"])
    accounts = AccountService(database, clock=clock, platforms=["console"], settings=SETTINGS)
    handles = [f"https://www.instagram.com/seeded_{i}" for i in range(5)]
    # previous term: a trust-wide campaign (still running this term) and an Oakfield account
    trust_wide = (
        await campaigns.start(
            who("alison"), scope=TRUST_WIDE, group=None, remind_every_hours=48, max_reminders=2
        )
    ).campaign_id
    for name in ("jane", "omar", "leena", "sarah", "david", "emma", "gareth", "alison"):
        await campaigns.confirm(who(name), trust_wide)
    first = await accounts.submit(who("tom"), request("oakfield", handles[0], ["tcooper", "pshah"]))
    await accounts.decide(who("jane"), first.id, approve=True)
    no = await accounts.submit(who("tom"), request("oakfield", handles[1], ["tcooper", "okhan"]))
    await accounts.decide(who("jane"), no.id, approve=False, reason="Use the school page")
    # this term: Oakfield's own campaign, more accounts, and every account's regular checks
    step = timedelta(hours=12)
    events = {
        TERM.start + timedelta(days=3): "oakfield campaign",
        TERM.start + timedelta(days=5): "accounts",
        TERM.start + timedelta(days=9): "confirm",
    }
    checks_seen = 0
    while clock.now() < NOW:
        clock.advance(step)
        now = clock.now()
        for when, what in list(events.items()):
            if when > now:
                continue
            del events[when]
            if what == "oakfield campaign":
                oak = await campaigns.start(
                    who("jane"),
                    scope="oakfield",
                    group=None,
                    remind_every_hours=24,
                    max_reminders=2,
                )
            elif what == "accounts":
                two = await accounts.submit(
                    who("omar"), request("oakfield", handles[2], ["okhan", "lpatel"])
                )
                await accounts.decide(who("jane"), two.id, approve=True)
                one_admin = await accounts.submit(
                    who("tom"), request("oakfield", handles[3], ["tcooper"])
                )
                await accounts.decide(who("alison"), one_admin.id, approve=True)
                river = await accounts.submit(
                    who("emma"), request("riverside", handles[4], ["ebrown", "dwilliams"])
                )
                await accounts.decide(who("sarah"), river.id, approve=True)
            else:
                for name in ("omar", "tom", "priya", "robert"):
                    await campaigns.confirm(who(name), oak.campaign_id)
                await campaigns.confirm(who("tom"), trust_wide)
        await run_due_campaigns(database, clock)
        await accounts.run_due()
        async with database.session() as session:
            open_checks = list(
                await session.scalars(
                    select(AccountCheck)
                    .where(AccountCheck.state == "open")
                    .order_by(AccountCheck.id)
                )
            )
        for check in open_checks:
            age = now - check.due_at
            kind = check.id % 4
            if kind == 0 and age >= timedelta(days=1):  # on time, all well
                await accounts.record_check(who("alison"), check.id, ALL_YES)
            elif kind == 1 and age >= timedelta(days=2):  # on time, a problem found
                answers = {**ALL_YES, "professional": False}
                await accounts.record_check(who("alison"), check.id, answers, "a post to remove")
            elif kind == 2 and check.escalated:  # late: after it went to the Headteacher
                await accounts.record_check(who("alison"), check.id, ALL_YES)
            # kind 3: left open (overdue once escalated)
        checks_seen = max(checks_seen, max((c.id for c in open_checks), default=0))
    assert checks_seen >= 8  # enough checks to cover every outcome
    return Seeded(handles)


def confirmed_of(fig: DutyFigures) -> int:
    return sum(c.confirmed for c in fig.campaigns)


@pytest.fixture
async def seeded(database: Database, trust: TrustConfig) -> Seeded:
    return await _seed(database)


def _in(period: Period, when: datetime | None) -> bool:
    return when is not None and period.contains(when)


async def _expected_campaigns(
    database: Database, scope: str, period: Period
) -> dict[int, tuple[int, int, int]]:
    """By campaign: (asked, confirmed, reminders) straight from the rows."""
    async with database.session() as session:
        campaigns = list(await session.scalars(select(Campaign)))
        members = list(await session.scalars(select(CampaignMember)))
        reminders = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "campaign_reminder_sent")
            )
        )
    out = {}
    for c in campaigns:
        active = c.started_at < period.end and (c.ended_at is None or c.ended_at >= period.start)
        if not active or (scope and c.academy_id not in (scope, None)):
            continue
        mine = [
            m
            for m in members
            if m.campaign_id == c.id
            and (not scope or c.academy_id == scope or m.academy_id == scope)
        ]
        confirmed = [m for m in mine if m.confirmed_at is not None and m.confirmed_at < period.end]
        left = [
            m
            for m in mine
            if m not in confirmed and m.dropped_at is not None and m.dropped_at < period.end
        ]
        ids = {m.id for m in mine}
        sent = sum(1 for r in reminders if r.data["member_id"] in ids and period.contains(r.at))
        out[c.id] = (len(mine) - len(left), len(confirmed), sent)
    return out


@pytest.mark.parametrize("scope", ["oakfield", ""])
async def test_duty_figures_match_the_database(
    database: Database, seeded: Seeded, scope: str
) -> None:
    for period in (TERM, BEFORE):
        async with database.session() as session:
            fig = await gather_duties(session, scope, period)
            accounts = list(await session.scalars(select(OfficialAccount)))
            checks = list(await session.scalars(select(AccountCheck)))
        expected = await _expected_campaigns(database, scope, period)
        got = {c.campaign_id: (c.asked, c.confirmed, c.reminders) for c in fig.campaigns}
        assert got == expected
        assert all(c.kb_version == load_kb().policy.version for c in fig.campaigns)
        mine = [a for a in accounts if not scope or a.academy_id == scope]
        a = fig.accounts
        assert a.requested == sum(_in(period, x.requested_at) for x in mine)
        assert a.approved == sum(_in(period, x.decided_at) and x.state == "approved" for x in mine)
        assert a.declined == sum(_in(period, x.decided_at) and x.state == "declined" for x in mine)
        assert a.registered == sum(
            x.state == "approved" and x.decided_at is not None and x.decided_at < period.end
            for x in mine
        )
        ids = {x.id for x in mine}
        due = [c for c in checks if c.account_id in ids and period.contains(c.due_at)]
        assert a.checks_due == len(due)
        assert a.on_time == sum(c.state == "done" and not c.escalated for c in due)
        assert a.overdue == sum(c.escalated for c in due)
        assert a.waiting == sum(c.state == "open" and not c.escalated for c in due)
        assert a.found_problems == sum(
            c.state == "done" and c.answers.get("professional") is False for c in due
        )
    # the seeded story, by hand, for Oakfield this term
    if scope == "oakfield":
        async with database.session() as session:
            fig = await gather_duties(session, "oakfield", TERM)
        by_scope = {c.trust_wide: c for c in fig.campaigns}
        assert (by_scope[False].asked, by_scope[False].confirmed) == (6, 6)  # all six at Oakfield
        assert (by_scope[True].asked, by_scope[True].confirmed) == (6, 4)  # jane omar leena tom
        assert by_scope[True].reminders == 0  # its two reminders went last term
        assert (fig.accounts.requested, fig.accounts.approved, fig.accounts.declined) == (2, 2, 0)
        assert fig.accounts.registered == 3
        assert fig.accounts.on_time and fig.accounts.overdue and fig.accounts.found_problems


async def test_accounts_now_against_the_database(database: Database, seeded: Seeded) -> None:
    async with database.session() as session:
        now = await accounts_now(session, "oakfield")
        approved = list(
            await session.scalars(
                select(OfficialAccount).where(
                    OfficialAccount.academy_id == "oakfield", OfficialAccount.state == "approved"
                )
            )
        )
        admins = list(await session.scalars(select(AccountAdministrator)))
    counts = {a.id: sum(x.account_id == a.id for x in admins) for a in approved}
    assert now.registered == len(approved) == 3
    assert now.too_few_admins == sum(n < 2 for n in counts.values()) == 1
    assert now.flagged == sum(a.flagged for a in approved)


async def test_the_report_shows_them_suppressed_and_names_nobody(
    database: Database, seeded: Seeded, trust: TrustConfig, tmp_path: Path
) -> None:
    ctx = Context(now=NOW, reminder_after=timedelta(hours=1), trust_name="Northbridge")
    async with database.session() as session:
        reports = {
            scope: await monitoring.build(session, scope, TERM, ctx) for scope in ("oakfield", "")
        }
        fig = await gather_duties(session, "oakfield", TERM)
        before = await gather_duties(session, "oakfield", BEFORE)
        now = await accounts_now(session, "oakfield")
    text = reports["oakfield"].document.all_text()
    assert "Not yet recorded" not in text
    version = load_kb().policy.version
    for c in fig.campaigns:
        parts = breakdown({"confirmed": c.confirmed, "outstanding": c.outstanding})
        row = [
            version + (" (trust-wide)" if c.trust_wide else " (Oakfield Primary Academy)"),
            f"{c.started_at.day} {c.started_at:%b %Y}",
            cell(c.asked).text,
            parts["confirmed"].text,
        ]
        assert "\n".join(row) in text
    own = next(c for c in fig.campaigns if not c.trust_wide)
    assert (
        f"{own.started_at.day} {own.started_at:%b %Y}\n6\n6\n100%\n0\n" in text
    )  # all six confirmed
    trust_wide = next(c for c in fig.campaigns if c.trust_wide)
    # 4 of 6 confirmed leaves 2 outstanding: "fewer than 3", so 4 and the % would tell
    assert f"\n6\n{HIDDEN}\n{HIDDEN}\n{FEWER}\n" in text and trust_wide.outstanding == 2
    a, b = fig.accounts, before.accounts
    assert f"Requests made\n{cell(a.requested).text}\n{cell(b.requested).text}" in text
    assert f"Declined\n{cell(a.declined).text}\n{cell(b.declined).text}" in text
    assert f"Regular checks due\n{cell(a.checks_due).text}\n{cell(b.checks_due).text}" in text
    checks = breakdown({"on_time": a.on_time, "overdue": a.overdue, "open": a.waiting})
    assert f"done on time\n{checks['on_time'].text}\n" in text
    assert f"after the reminders)\n{checks['overdue'].text}\n" in text
    assert f"found a problem\n{cell(a.found_problems).text}\n" in text
    assert f"with fewer than two administrators\n{cell(now.too_few_admins).text}" in text
    assert f"Approved accounts on the register\n{cell(now.registered).text}" in text
    # the Board's report: each academy's row, from that academy's own figures
    board = reports[""].document.all_text()
    assert "Not yet recorded" not in board
    for academy in trust.academies:
        async with database.session() as session:
            mine = await gather_duties(session, academy.id, TERM)
            register = await accounts_now(session, academy.id)
        asked = sum(c.asked for c in mine.campaigns)
        parts = breakdown({"c": confirmed_of(mine), "o": asked - confirmed_of(mine)})
        assert f"{academy.name}\n{cell(asked).text}\n{parts['c'].text}\n" in board
        m = mine.accounts
        checks = breakdown({"on_time": m.on_time, "overdue": m.overdue, "open": m.waiting})
        row = [
            academy.name,
            cell(m.checks_due).text,
            checks["on_time"].text,
            checks["overdue"].text,
            cell(m.found_problems).text,
            cell(register.too_few_admins).text,
        ]
        assert "\n".join(row) in board
    names = [p.name for p in trust.people]
    firsts = {n.split()[0] for n in names} | {n.split()[-1] for n in names}
    for report in reports.values():
        words = [report.html, report.document.all_text()]
        if shutil.which("pdftotext"):
            pdf = tmp_path / "r.pdf"
            pdf.write_bytes(report.pdf)
            words.append(
                subprocess.run(
                    ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
                ).stdout
            )
            assert "read and understood" in words[-1]
        for shown in words:
            assert not any(n in shown for n in firsts), [n for n in firsts if n in shown]
            assert not any(h in shown for h in seeded.handles)
            assert "a post to remove" not in shown and "school page" not in shown
            assert "oakfield.example.org" not in shown
