"""The numbers behind a monitoring report, gathered exactly from the database.

Nothing here is shown as it is: :mod:`bot.reports.anonymise` suppresses small counts
before rendering. Only counts, categories, urgencies and times are read, never a
summary, a detail, a note or a name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.types import CATEGORY_LABELS, URGENCY_LABELS
from bot.reports.period import Period
from bot.store.models import AuditEvent, Incident, OutboxMessage
from bot.store.models_governors import QuestionTopic

#: the theme of an uncovered question with no close topic
NO_THEME = "no close topic"


@dataclass(frozen=True)
class Durations:
    """How long something took over ``count`` incidents (None when none)."""

    count: int
    median: timedelta | None
    slowest: timedelta | None

    @classmethod
    def of(cls, values: list[timedelta]) -> Durations:
        if not values:
            return cls(0, None, None)
        ordered = sorted(values)
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        return cls(len(ordered), median, ordered[-1])


@dataclass
class Figures:
    """One period's figures for one academy (or the trust: ``scope`` ``""``)."""

    scope: str
    period: Period
    incidents: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_urgency: dict[str, int] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)
    by_academy: dict[str, int] = field(default_factory=dict)
    child_involved: int = 0
    acknowledge: Durations = field(default_factory=lambda: Durations(0, None, None))
    close: Durations = field(default_factory=lambda: Durations(0, None, None))
    #: acknowledged after the reminder time, or still unacknowledged past it
    past_reminder: int = 0
    still_open: int = 0
    escalated: int = 0
    reminders: int = 0
    undelivered: int = 0
    #: answered questions by KB rule id (trust-wide: questions are not tied to an academy)
    questions_by_topic: dict[str, int] = field(default_factory=dict)
    questions: int = 0
    #: questions the policy did not cover, by theme (the closest topic's rule id)
    uncovered_by_theme: dict[str, int] = field(default_factory=dict)
    uncovered: int = 0


async def gather(
    session: AsyncSession,
    *,
    scope: str,
    period: Period,
    now: datetime,
    reminder_after: timedelta,
    unanswered_log: Path | None = None,
) -> Figures:
    """The figures of ``scope`` (an academy id, or ``""`` for the whole trust) in ``period``."""
    fig = Figures(scope=scope, period=period)
    fig.by_category = dict.fromkeys(CATEGORY_LABELS, 0)
    fig.by_urgency = dict.fromkeys(URGENCY_LABELS, 0)
    fig.by_month = dict.fromkeys(period.months(), 0)
    stmt = select(
        Incident.academy_id,
        Incident.category,
        Incident.urgency,
        Incident.child_involved,
        Incident.created_at,
        Incident.acknowledged_at,
        Incident.closed_at,
        Incident.escalation_level,
    ).where(Incident.created_at >= period.start, Incident.created_at < period.end)
    if scope:
        stmt = stmt.where(Incident.academy_id == scope)
    acks: list[timedelta] = []
    closes: list[timedelta] = []
    for academy, category, urgency, child, created, acked, closed, level in await session.execute(
        stmt
    ):
        fig.incidents += 1
        fig.by_category[category] = fig.by_category.get(category, 0) + 1
        fig.by_urgency[urgency] = fig.by_urgency.get(urgency, 0) + 1
        month = f"{created:%Y-%m}"
        fig.by_month[month] = fig.by_month.get(month, 0) + 1
        fig.by_academy[academy or ""] = fig.by_academy.get(academy or "", 0) + 1
        fig.child_involved += bool(child)
        fig.escalated += level > 0
        if acked is not None:
            acks.append(acked - created)
            fig.past_reminder += acked - created > reminder_after
        else:
            fig.past_reminder += now - created > reminder_after
        if closed is not None:
            closes.append(closed - created)
        else:
            fig.still_open += 1
    fig.acknowledge = Durations.of(acks)
    fig.close = Durations.of(closes)
    fig.reminders = await _count_reminders(session, scope, period)
    fig.undelivered = await _count_undelivered(session, scope, period)
    rows = await session.execute(
        select(QuestionTopic.rule_id, QuestionTopic.verdict, func.count())
        .where(QuestionTopic.at >= period.start, QuestionTopic.at < period.end)
        .group_by(QuestionTopic.rule_id, QuestionTopic.verdict)
    )
    for rule_id, verdict, n in rows:
        if verdict == "no_match" or rule_id is None:
            continue
        fig.questions_by_topic[rule_id] = fig.questions_by_topic.get(rule_id, 0) + int(n)
        fig.questions += int(n)
    fig.uncovered_by_theme = uncovered_themes(period, unanswered_log)
    fig.uncovered = sum(fig.uncovered_by_theme.values())
    return fig


async def _count_reminders(session: AsyncSession, scope: str, period: Period) -> int:
    stmt = select(func.count()).select_from(AuditEvent)
    if scope:
        stmt = stmt.join(Incident, Incident.id == AuditEvent.incident_id).where(
            Incident.academy_id == scope
        )
    stmt = stmt.where(
        AuditEvent.action == "reminder_sent",
        AuditEvent.at >= period.start,
        AuditEvent.at < period.end,
    )
    return int(await session.scalar(stmt) or 0)


async def _count_undelivered(session: AsyncSession, scope: str, period: Period) -> int:
    stmt = select(func.count()).select_from(OutboxMessage)
    if scope:
        stmt = stmt.join(Incident, Incident.id == OutboxMessage.incident_id).where(
            Incident.academy_id == scope
        )
    stmt = stmt.where(
        OutboxMessage.state == "dead",
        OutboxMessage.created_at >= period.start,
        OutboxMessage.created_at < period.end,
    )
    return int(await session.scalar(stmt) or 0)


def uncovered_themes(period: Period, path: Path | None) -> dict[str, int]:
    """Questions the policy did not cover in ``period`` by theme (closest topic's rule id,
    or :data:`NO_THEME`), from the unanswered log. The words asked are not kept."""
    return {theme: len(qs) for theme, qs in uncovered_questions(period, path).items()}


def uncovered_questions(period: Period, path: Path | None) -> dict[str, list[str]]:
    """The uncovered questions asked in ``period`` grouped by theme, most asked theme first
    (for the policy owner's review pack only, never for governors)."""
    if path is None or not path.exists():
        return {}
    groups: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            at = datetime.fromisoformat(row["at"])
            question = str(row["question"]).strip()
        except (ValueError, KeyError, TypeError):
            continue
        if not period.contains(at) or not question:
            continue
        closest = row.get("closest") or []
        theme = str(closest[0]) if closest else NO_THEME
        groups.setdefault(theme, []).append(question)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def most_common(counts: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """The ``limit`` largest non-zero counts, largest first (ties by key)."""
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))[:limit]
