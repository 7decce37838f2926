"""Keeping incident records no longer than needed.

A closed incident is removed ``RETENTION_YEARS`` after it was closed: its report, notes,
recipients, outbox messages and audit trail go, and a tombstone stays (reference, academy,
category, when it was made, closed and removed) with an audit event saying it was removed
and by whom. Open and acknowledged incidents are never removed. Nothing is removed without
``apply``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from bot.store import audit
from bot.store.db import Database
from bot.store.models import AuditEvent, Incident, IncidentNote, IncidentRecipient, OutboxMessage
from bot.store.models_governors import IncidentTombstone


@dataclass(frozen=True)
class Expired:
    """A closed incident past the retention period."""

    reference: str
    academy_id: str
    category: str
    created_at: datetime
    closed_at: datetime


def cutoff(now: datetime, years: int) -> datetime:
    """Closed before this are past retention (29 Feb becomes 28 Feb)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


async def expired(database: Database, now: datetime, years: int) -> list[Expired]:
    """Closed incidents past the period, oldest closure first."""
    async with database.session() as session:
        rows = await session.execute(
            select(
                Incident.reference,
                Incident.academy_id,
                Incident.category,
                Incident.created_at,
                Incident.closed_at,
            )
            .where(Incident.state == "closed", Incident.closed_at < cutoff(now, years))
            .order_by(Incident.closed_at, Incident.id)
        )
        return [Expired(r, a, c, made, closed) for r, a, c, made, closed in rows if closed]


async def apply(
    database: Database, now: datetime, years: int, *, actor: str, batch: int = 200
) -> list[Expired]:
    """Remove every incident past the period, leaving tombstones; returns what was removed.
    Each batch is one transaction (a crash leaves each incident either whole or removed)."""
    removed: list[Expired] = []
    while True:
        async with database.transaction() as session:
            incidents = list(
                await session.scalars(
                    select(Incident)
                    .where(Incident.state == "closed", Incident.closed_at < cutoff(now, years))
                    .order_by(Incident.closed_at, Incident.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            if not incidents:
                return removed
            ids = [i.id for i in incidents]
            for table in (IncidentNote, IncidentRecipient, OutboxMessage, AuditEvent):
                await session.execute(delete(table).where(table.incident_id.in_(ids)))
            for i in incidents:
                assert i.closed_at is not None
                gone = Expired(i.reference, i.academy_id, i.category, i.created_at, i.closed_at)
                session.add(
                    IncidentTombstone(
                        reference=i.reference,
                        academy_id=i.academy_id,
                        category=i.category,
                        created_at=i.created_at,
                        closed_at=i.closed_at,
                        deleted_at=now,
                    )
                )
                audit.record(
                    session,
                    action="retention_removed",
                    actor=actor,
                    at=now,
                    data={
                        "reference": i.reference,
                        "academy_id": i.academy_id,
                        "category": i.category,
                        "created_at": i.created_at.isoformat(),
                        "closed_at": i.closed_at.isoformat(),
                        "retention_years": years,
                    },
                )
                removed.append(gone)
            await session.flush()
            await session.execute(delete(Incident).where(Incident.id.in_(ids)))
