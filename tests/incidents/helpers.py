"""Helpers for incident tests: actors from the example trust and a ready service."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.incidents.service import IncidentService
from bot.incidents.types import ReportSubmission
from bot.messages import Actor
from bot.store.db import Database
from bot.store.models import AuditEvent, OutboxMessage

REMINDER = timedelta(minutes=60)
ESCALATE = timedelta(minutes=120)

TOM = Actor("console", "tom", "Tom Cooper")  # Oakfield teacher, no role
JANE = Actor("slack", "U04JSMITH01", "Jane Smith")  # Oakfield Headteacher
OMAR = Actor("console", "omar", "Omar Khan")  # Oakfield DSL
LEENA = Actor("console", "leena", "Leena Patel")  # Oakfield deputy DSL
ROBERT = Actor("console", "robert", "Robert Hughes")  # Oakfield Chair of Governors
SARAH = Actor("console", "sarah", "Sarah Okafor")  # Riverside Headteacher
ALISON = Actor("console", "alison", "Alison Morgan")  # trust admin
STRANGER = Actor("slack", "U0NOBODY99", "Someone")


def service(database: Database, clock: FakeClock) -> IncidentService:
    """A service on slack + console with 60/120-minute reminder/escalation."""
    return IncidentService(
        database,
        clock=clock,
        platforms=("slack", "console"),
        reminder_after=REMINDER,
        escalate_after=ESCALATE,
    )


def submission(**overrides: object) -> ReportSubmission:
    """An Oakfield report with no child involved, overridable."""
    base: dict[str, object] = {
        "academy": "oakfield",
        "category": "disparaging_post",
        "urgency": "urgent",
        "child_involved": False,
        "concerns_headteacher": False,
        "summary": "A parent posted SECRET-SUMMARY about a colleague",
        "details": {"platform": "Facebook", "link": "https://example.org/SECRET-LINK"},
    }
    base.update(overrides)
    return ReportSubmission(**base)  # type: ignore[arg-type]


async def outbox_rows(database: Database, kind: str | None = None) -> list[OutboxMessage]:
    """All outbox rows (optionally of one kind), oldest first."""
    async with database.session() as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list(await session.scalars(stmt))


async def audit_actions(database: Database, incident_id: int) -> list[str]:
    """The incident's audit actions, oldest first."""
    async with database.session() as session:
        rows = await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.incident_id == incident_id)
            .order_by(AuditEvent.id)
        )
        return list(rows)
