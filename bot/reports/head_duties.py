"""The figures of the Headteacher's duties for a monitoring report, gathered exactly from
the database: "read and understood" campaigns and official accounts with their checks.

Only states, times and counts are read, never a name, a handle or a check's notes; small
counts are suppressed later by :mod:`bot.reports.anonymise`, as for incidents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.service import CHECK_QUESTIONS
from bot.reports.period import Period
from bot.store.models import AuditEvent
from bot.store.models_head import (
    AccountAdministrator,
    AccountCheck,
    Campaign,
    CampaignMember,
    OfficialAccount,
)

APPROVED = ("approved", "closed")


@dataclass(frozen=True)
class CampaignFigures:
    """One campaign as it stood at the end of the period (members of ``scope`` only)."""

    campaign_id: int
    kb_version: str
    started_at: datetime
    trust_wide: bool
    academy_name: str
    #: still asked at the period's end (people who left before confirming are not counted)
    asked: int
    confirmed: int
    #: left the channel/team (or the trust) before confirming, by the period's end
    left: int
    #: reminders sent in the period
    reminders: int

    @property
    def outstanding(self) -> int:
        return self.asked - self.confirmed


@dataclass
class AccountFigures:
    """Official accounts of ``scope`` in one period."""

    requested: int = 0
    approved: int = 0
    declined: int = 0
    #: approved by the period's end
    registered: int = 0
    #: checks that fell due in the period, and what became of them
    checks_due: int = 0
    on_time: int = 0  # recorded before going to the Headteacher as overdue
    overdue: int = 0  # went to the Headteacher after the reminders (done since or not)
    waiting: int = 0  # still open, not yet overdue
    #: checks due in the period that found a problem (any answer "no")
    found_problems: int = 0


@dataclass
class DutyFigures:
    campaigns: list[CampaignFigures] = field(default_factory=list)
    accounts: AccountFigures = field(default_factory=AccountFigures)


@dataclass(frozen=True)
class AccountsNow:
    """The register as it is when the report is made (administrators' history is not kept)."""

    registered: int
    too_few_admins: int
    flagged: int


@dataclass(frozen=True)
class Duties:
    """Everything the report's two sections show: this period, the one before, the register
    now and (trust-wide) the same per academy, by academy id."""

    this: DutyFigures
    before: DutyFigures
    now: AccountsNow
    by_academy: dict[str, tuple[DutyFigures, AccountsNow]] = field(default_factory=dict)


async def gather_all(
    session: AsyncSession,
    scope: str,
    period: Period,
    previous: Period,
    academies: Iterable[str] = (),
) -> Duties:
    """:class:`Duties` of ``scope``; for the trust (``""``) also of each of ``academies``."""
    by_academy = {}
    if not scope:
        for academy in academies:
            by_academy[academy] = (
                await gather_duties(session, academy, period),
                await accounts_now(session, academy),
            )
    return Duties(
        await gather_duties(session, scope, period),
        await gather_duties(session, scope, previous),
        await accounts_now(session, scope),
        by_academy,
    )


async def gather_duties(session: AsyncSession, scope: str, period: Period) -> DutyFigures:
    """The campaigns active in ``period`` and the accounts' figures for ``scope`` (an academy
    id, or ``""`` for the trust)."""
    return DutyFigures(
        await _campaigns(session, scope, period), await _accounts(session, scope, period)
    )


async def _campaigns(session: AsyncSession, scope: str, period: Period) -> list[CampaignFigures]:
    stmt = (
        select(Campaign)
        .where(
            Campaign.started_at < period.end,
            or_(Campaign.ended_at.is_(None), Campaign.ended_at >= period.start),
        )
        .order_by(Campaign.started_at, Campaign.id)
    )
    if scope:
        # the academy's own campaigns and trust-wide ones (its staff among their audience)
        stmt = stmt.where(or_(Campaign.academy_id == scope, Campaign.academy_id.is_(None)))
    campaigns = list(await session.scalars(stmt))
    if not campaigns:
        return []
    ids = [c.id for c in campaigns]
    members = select(
        CampaignMember.id,
        CampaignMember.campaign_id,
        CampaignMember.academy_id,
        CampaignMember.asked_at,
        CampaignMember.confirmed_at,
        CampaignMember.dropped_at,
    ).where(CampaignMember.campaign_id.in_(ids))
    counts: dict[int, list[int]] = {i: [0, 0, 0] for i in ids}  # asked, confirmed, left
    mine: dict[int, int] = {}  # member id -> campaign id, for members in scope
    own = {c.id for c in campaigns if c.academy_id == scope}
    for mid, cid, academy, asked, confirmed, dropped in await session.execute(members):
        if scope and cid not in own and academy != scope:
            continue
        mine[mid] = cid
        if asked >= period.end:
            continue  # joined after the period
        row = counts[cid]
        if confirmed is not None and confirmed < period.end:
            row[1] += 1
            row[0] += 1
        elif dropped is not None and dropped < period.end:
            row[2] += 1
        else:
            row[0] += 1
    reminders = dict.fromkeys(ids, 0)
    events = await session.scalars(
        select(AuditEvent.data).where(
            AuditEvent.action == "campaign_reminder_sent",
            AuditEvent.at >= period.start,
            AuditEvent.at < period.end,
        )
    )
    for data in events:
        member = (data or {}).get("member_id")
        if member in mine:
            reminders[mine[member]] += 1
    return [
        CampaignFigures(
            c.id,
            c.kb_version,
            c.started_at,
            c.academy_id is None,
            c.academy_name,
            counts[c.id][0],
            counts[c.id][1],
            counts[c.id][2],
            reminders[c.id],
        )
        for c in campaigns
        if any(counts[c.id])
    ]


async def _accounts(session: AsyncSession, scope: str, period: Period) -> AccountFigures:
    fig = AccountFigures()
    stmt = select(
        OfficialAccount.state, OfficialAccount.requested_at, OfficialAccount.decided_at
    ).where(OfficialAccount.requested_at < period.end)
    if scope:
        stmt = stmt.where(OfficialAccount.academy_id == scope)
    for state, requested, decided in await session.execute(stmt):
        fig.requested += period.contains(requested)
        if decided is not None and period.contains(decided):
            fig.approved += state in APPROVED
            fig.declined += state == "declined"
        if state in APPROVED and decided is not None and decided < period.end:
            fig.registered += 1
    checks = (
        select(AccountCheck.state, AccountCheck.escalated, AccountCheck.answers)
        .join(OfficialAccount, OfficialAccount.id == AccountCheck.account_id)
        .where(AccountCheck.due_at >= period.start, AccountCheck.due_at < period.end)
    )
    if scope:
        checks = checks.where(OfficialAccount.academy_id == scope)
    for state, escalated, answers in await session.execute(checks):
        fig.checks_due += 1
        if escalated:
            fig.overdue += 1
        elif state == "done":
            fig.on_time += 1
        else:
            fig.waiting += 1
        if state == "done" and any((answers or {}).get(k) is not True for k, _ in CHECK_QUESTIONS):
            fig.found_problems += 1
    return fig


async def accounts_now(session: AsyncSession, scope: str) -> AccountsNow:
    """Approved accounts now, those with fewer than two administrators, and those flagged."""
    admins = (
        select(AccountAdministrator.account_id, func.count().label("n"))
        .group_by(AccountAdministrator.account_id)
        .subquery()
    )
    stmt = (
        select(OfficialAccount.flagged, func.coalesce(admins.c.n, 0))
        .outerjoin(admins, admins.c.account_id == OfficialAccount.id)
        .where(OfficialAccount.state == "approved")
    )
    if scope:
        stmt = stmt.where(OfficialAccount.academy_id == scope)
    registered = few = flagged = 0
    for is_flagged, n in await session.execute(stmt):
        registered += 1
        few += int(n) < 2
        flagged += bool(is_flagged)
    return AccountsNow(registered, few, flagged)
