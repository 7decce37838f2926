"""Writing to the outbox (always inside the caller's transaction) and admin views of it.

Row states: ``pending`` (waiting, maybe after a failed attempt), ``sending`` (claimed by a
worker under a lease), ``delivered`` and ``dead`` (gave up: a permanent error or too many
attempts; shown by ``policybot admin outbox --dead`` and re-queued by ``admin retry``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.notifier import Recipient
from bot.store import audit
from bot.store.models import Incident, OutboxMessage

STATES: tuple[str, ...] = ("pending", "sending", "delivered", "dead")


def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    recipient: Recipient,
    now: datetime,
    payload: dict[str, Any] | None = None,
    incident_id: int | None = None,
    thread_key: str | None = None,
) -> OutboxMessage:
    """Add a notification to the caller's transaction; it is sent only if that commits.

    ``thread_key`` groups messages that should update one platform message in place (the
    worker passes the ref of the latest delivered message with the same key).
    """
    row = OutboxMessage(
        kind=kind,
        platform=recipient.platform,
        address=recipient.address,
        recipient_name=recipient.name,
        person_id=recipient.person_id,
        incident_id=incident_id,
        payload=payload or {},
        thread_key=thread_key,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


async def list_messages(
    session: AsyncSession, *, state: str | None = None, limit: int = 200
) -> list[OutboxMessage]:
    """Outbox rows, newest first, optionally in one state."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(OutboxMessage.state == state)
    return list(await session.scalars(stmt))


async def counts_by_state(session: AsyncSession) -> dict[str, int]:
    """state -> number of rows (every state present, zero if none)."""
    rows = await session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    )
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: int(n) for state, n in rows})
    return counts


async def incident_references(
    session: AsyncSession, incident_ids: Iterable[int | None]
) -> dict[int, str]:
    """incident id -> reference (``SM-2026-0042``) for the given ids, in one query."""
    ids = {i for i in incident_ids if i is not None}
    if not ids:
        return {}
    rows = await session.execute(
        select(Incident.id, Incident.reference).where(Incident.id.in_(ids))
    )
    return {incident_id: reference for incident_id, reference in rows}


async def retry(session: AsyncSession, outbox_id: int, *, now: datetime, actor: str) -> bool:
    """Re-queue a dead (or pending) message for immediate delivery; False if not found or
    already delivered."""
    row = await session.get(OutboxMessage, outbox_id)
    if row is None or row.state in {"delivered", "sending"}:
        return False
    _requeue(session, row, now=now, actor=actor)
    return True


async def retry_dead_of_incident(
    session: AsyncSession, reference: str, *, now: datetime, actor: str
) -> list[int] | None:
    """Re-queue every dead message of one incident (by reference); None if no such incident."""
    incident_id = await session.scalar(
        select(Incident.id).where(Incident.reference == reference.strip().upper())
    )
    if incident_id is None:
        return None
    return await _retry_dead(session, OutboxMessage.incident_id == incident_id, now, actor)


async def retry_all_dead(session: AsyncSession, *, now: datetime, actor: str) -> list[int]:
    """Re-queue every dead message; returns their ids."""
    return await _retry_dead(session, None, now, actor)


async def _retry_dead(
    session: AsyncSession, condition: Any, now: datetime, actor: str
) -> list[int]:
    stmt = select(OutboxMessage).where(OutboxMessage.state == "dead").order_by(OutboxMessage.id)
    if condition is not None:
        stmt = stmt.where(condition)
    rows = list(await session.scalars(stmt.with_for_update()))
    for row in rows:
        _requeue(session, row, now=now, actor=actor)
    return [row.id for row in rows]


def _requeue(session: AsyncSession, row: OutboxMessage, *, now: datetime, actor: str) -> None:
    previous = row.state
    row.state = "pending"
    row.attempts = 0
    row.next_attempt_at = now
    row.lease_until = None
    row.claimed_by = None
    audit.record(
        session,
        action="outbox_retry",
        actor=actor,
        at=now,
        incident_id=row.incident_id,
        outbox_id=row.id,
        data={"previous_state": previous},
    )
