"""Entitlement: who may read an incident's details and act on it.

Only the people a report was routed or escalated to, and trust administrators, may read its
details, acknowledge, add notes or close it. A reporter sees the status of their own reports
only (matched by the chat identity they reported from, or their directory entry).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Actor
from bot.store.models import Incident, IncidentRecipient, Person


async def is_handler(session: AsyncSession, person: Person | None, incident: Incident) -> bool:
    """True if ``person`` may read details of and act on ``incident``."""
    if person is None:
        return False
    if person.is_trust_admin:
        return True
    found = await session.get(IncidentRecipient, (incident.id, person.id))
    return found is not None


def is_reporter(incident: Incident, actor: Actor, person: Person | None) -> bool:
    """True if ``actor`` (or the person behind them) made this report."""
    if incident.reporter_platform == actor.platform and incident.reporter_user_id == actor.user_id:
        return True
    return person is not None and incident.reporter_person_id == person.id


async def recipient_ids(session: AsyncSession, incident_id: int) -> set[int]:
    """Ids of everyone the incident was routed or escalated to."""
    rows = await session.scalars(
        select(IncidentRecipient.person_id).where(IncidentRecipient.incident_id == incident_id)
    )
    return set(rows)
