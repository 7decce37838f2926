"""The append-only audit trail: every change, note, details view and delivery attempt.

Only :func:`record` writes to it; nothing in policybot updates or deletes an event.
Audit data never holds a report's summary or details.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import AuditEvent


def record(
    session: AsyncSession,
    *,
    action: str,
    actor: str,
    at: datetime,
    actor_name: str = "",
    actor_person_id: int | None = None,
    incident_id: int | None = None,
    outbox_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the caller's transaction."""
    event = AuditEvent(
        at=at,
        action=action,
        actor=actor,
        actor_name=actor_name,
        actor_person_id=actor_person_id,
        incident_id=incident_id,
        outbox_id=outbox_id,
        data=data or {},
    )
    session.add(event)
    return event


async def events_for_incident(session: AsyncSession, incident_id: int) -> list[AuditEvent]:
    """An incident's trail, oldest first."""
    rows = await session.scalars(
        select(AuditEvent).where(AuditEvent.incident_id == incident_id).order_by(AuditEvent.id)
    )
    return list(rows)
