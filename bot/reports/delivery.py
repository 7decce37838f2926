"""Delivering governors' reports each term, and the annual review pack on the review date.

:func:`run_due_reports` runs beside the reminder check (``policybot worker`` or the
worker in ``policybot serve``). On a term date (``REPORT_TERM_DATES``) it makes each
academy's monitoring report and the trust-wide one, stores them, and queues a chat message
through the outbox to the Chair of Governors and the safeguarding governor (the Board's
contacts for the trust-wide one); on ``POLICY_REVIEW_DATE`` it does the same with the review
pack for the policy owner. Each report is made once (a unique row; several workers are
safe). The message is a button opening the report through a signed link that expires;
:func:`render` builds it at delivery time (outbox kinds ``governors.monitoring`` and
``governors.review``), so the link is fresh when sent.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Choice, Reply
from bot.notifier import Recipient
from bot.outbox.outbox import enqueue
from bot.qa.unanswered import log_path
from bot.reports import links
from bot.reports.contacts import monitoring_recipients, review_recipients
from bot.reports.period import Period
from bot.reports.settings import ReportSettings, report_settings
from bot.store import audit
from bot.store.db import Database
from bot.store.models import Academy, OutboxMessage, Person
from bot.store.models_governors import GovernorReport, LinkKey
from bot.trust.directory import identities_of
from bot.trust.roles import role_label

log = logging.getLogger(__name__)

KIND_PREFIX = "governors."
MONITORING = "governors.monitoring"
REVIEW = "governors.review"
#: how long after its date a report is still made (if the worker was stopped on the day)
CATCH_UP = timedelta(days=14)


class NotRenderable(Exception):
    """The outbox row cannot be rendered (the report is gone); retrying cannot help."""


def last_occurrence(now: datetime, days: Collection[tuple[int, int]]) -> date:
    """The latest of the (month, day) dates on or before ``now``'s day."""
    today = now.date()
    candidates = []
    for year in (today.year, today.year - 1):
        for month, day in days:
            try:
                d = date(year, month, day)
            except ValueError:  # 29 Feb in a common year
                d = date(year, month, 28)
            if d <= today:
                candidates.append(d)
    return max(candidates)


def _day_before(day: date) -> datetime:
    return datetime.combine(day - timedelta(days=1), datetime.min.time(), UTC)


def term_period(now: datetime, settings: ReportSettings) -> tuple[Period, Period]:
    """The term that ended on the latest term date now wholly over, and the one before it
    (each runs from the day after one term date up to and including the next)."""
    end = last_occurrence(now - timedelta(days=1), settings.term_dates)
    start = last_occurrence(_day_before(end), settings.term_dates)
    before = last_occurrence(_day_before(start), settings.term_dates)
    this = Period.of_days(start + timedelta(days=1), end)
    previous = Period.of_days(before + timedelta(days=1), start)
    return this, previous


def review_period(now: datetime, settings: ReportSettings) -> Period:
    """The year up to and including the latest review date now wholly over."""
    end = last_occurrence(now - timedelta(days=1), [settings.review_date])
    start = last_occurrence(_day_before(end), [settings.review_date])
    return Period.of_days(start + timedelta(days=1), end)


async def _recipient(
    session: AsyncSession, person: Person, platforms: Collection[str]
) -> Recipient | None:
    idents = (await identities_of(session, [person.id]))[person.id]
    for platform in platforms:
        if platform in idents:
            return Recipient(platform, idents[platform], person.name, person.id)
    return None


async def run_due_reports_for(service: Any) -> int:
    """:func:`run_due_reports` for the incident service's database, clock and platforms;
    a failure is logged and retried at the next check, never stopping the reminders."""
    try:
        return await run_due_reports(
            service.database,
            now=service.clock.now(),
            platforms=service.platforms,
            reminder_after=service.reminder_after,
        )
    except Exception:
        log.exception("governors' reports could not be made; will try again")
        return 0


async def run_due_reports(
    database: Database,
    *,
    now: datetime,
    platforms: Collection[str],
    reminder_after: timedelta,
    settings: ReportSettings | None = None,
    kb_path: Any = None,
) -> int:
    """Make and send the reports now due; returns how many reports were made."""
    settings = settings or report_settings()
    this, previous = term_period(now, settings)
    year = review_period(now, settings)
    async with database.session() as session:
        scopes = ["", *await session.scalars(select(Academy.id).order_by(Academy.id))]
        made = {
            (r.kind, r.scope, r.period_start)
            for r in (
                await session.execute(
                    select(
                        GovernorReport.kind, GovernorReport.scope, GovernorReport.period_start
                    ).where(GovernorReport.period_start.in_([this.start, year.start]))
                )
            ).all()
        }
    due = []
    # a report is made in the fortnight after its date (catching up after a stop), never for
    # a period that ended long before: a new installation sends nothing about the past
    if now - this.end <= CATCH_UP:
        due += [("monitoring", s) for s in scopes if ("monitoring", s, this.start) not in made]
    if now - year.end <= CATCH_UP:
        due += [("review", s) for s in scopes if ("review", s, year.start) not in made]
    if not due:
        return 0
    # imported here: charts and PDF libraries load only when a report is due
    from bot.reports import monitoring, review
    from bot.reports.kb import kb_info
    from bot.reports.monitoring import Context

    await links.link_secret(database)
    info = kb_info(kb_path)
    ctx = Context(
        now=now,
        reminder_after=reminder_after,
        trust_name=_trust_name(),
        topics=info.topics,
        unanswered_log=log_path(),
    )
    count = 0
    # charts and PDFs are drawn in a separate process: the CPU work of a term's reports
    # (about a second each) must not hold up a server's event loop
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        for kind, scope in due:
            async with database.session() as session:
                if kind == "monitoring":
                    report = await monitoring.build(
                        session, scope, this, ctx, previous=previous, executor=pool
                    )
                    period = this
                else:
                    report = await review.build(session, scope, year, ctx, info, executor=pool)
                    period = year
            try:
                count += await _store_and_send(
                    database, kind, scope, period, report, now, platforms
                )
            except IntegrityError:
                log.info("%s report for %s was made by another worker", kind, scope or "the trust")
    return count


def _trust_name() -> str:
    """The trust's name from ``TRUST_CONFIG`` (``""`` if not set or unreadable)."""
    import os

    from bot.trust.config import TrustConfigError, load_trust_config

    path = os.environ.get("TRUST_CONFIG")
    if not path:
        return ""
    try:
        return load_trust_config(path).trust
    except TrustConfigError:
        return ""


async def _store_and_send(
    database: Database,
    kind: str,
    scope: str,
    period: Period,
    report: Any,
    now: datetime,
    platforms: Collection[str],
) -> int:
    async with database.transaction() as session:
        row = GovernorReport(
            kind=kind,
            scope=scope,
            title=report.title,
            period_start=period.start,
            period_end=period.end,
            created_at=now,
            html=report.html,
            pdf=report.pdf,
        )
        session.add(row)
        await session.flush()
        people = (
            await monitoring_recipients(session, scope)
            if kind == "monitoring"
            else await review_recipients(session, scope)
        )
        sent, unreachable = [], []
        for person, roles in people:
            recipient = await _recipient(session, person, platforms)
            if recipient is None:
                unreachable.append(person.id)
                continue
            enqueue(
                session,
                kind=MONITORING if kind == "monitoring" else REVIEW,
                recipient=recipient,
                now=now,
                payload={"report_id": row.id, "roles": roles},
            )
            sent.append(person.id)
        audit.record(
            session,
            action=f"governors_{kind}_made",
            actor="system",
            at=now,
            data={
                "report_id": row.id,
                "scope": scope,
                "period": period.label(),
                "to": sent,
                "unreachable": unreachable,
            },
        )
    if not people:
        log.warning(
            "%s report for %s made but nobody is set up to receive it", kind, scope or "the trust"
        )
    return 1


async def render(
    session: AsyncSession, row: OutboxMessage, settings: ReportSettings | None = None
) -> Reply:
    """The chat message for a ``governors.*`` outbox row: a button opening the report."""
    settings = settings or report_settings()
    payload = row.payload or {}
    report = await session.get(GovernorReport, int(payload.get("report_id", 0)))
    key = await session.get(LinkKey, 1)
    if report is None or key is None or row.person_id is None:
        raise NotRenderable(f"outbox row {row.id}: the report or its link key is gone")
    # from when it is sent (the row's due time, for a clock that runs ahead of the wall's)
    sent = max(datetime.now(UTC), row.next_attempt_at).replace(microsecond=0)
    expires = sent + settings.link_lifetime
    token = links.sign(
        key.secret.encode(), links.Claim("report", str(report.id), row.person_id, expires)
    )
    url = links.url(settings.public_url, token)
    roles = ", ".join(role_label(r) for r in str(payload.get("roles", "")).split(",") if r)
    period = Period(report.period_start, report.period_end).label()
    if report.kind == "monitoring":
        what = "the termly social media monitoring report"
        why = "It holds counts and times only: no names, references or details."
    else:
        what = "the annual social media policy review pack"
        why = "It is what this year's review of the policy starts from."
    text = (
        f"{report.title}\n\nHere is {what} for {period}. {why}\n"
        f"The link works until {expires:%d %b %Y} and only for you; each opening is recorded."
        + (f"\nYou receive it as: {roles}." if roles else "")
    )
    return Reply(
        text=text + f"\nOpen: {url}",
        kind="notice",
        title=report.title,
        choices=[
            Choice("Open the report", url, "link.open", style="primary", url=url),
            Choice("Download the PDF", f"{url}?format=pdf", "link.open", url=f"{url}?format=pdf"),
        ],
        data={"notification": row.kind, "report_id": report.id},
    )
