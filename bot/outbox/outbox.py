"""Writing to the outbox (always inside the caller's transaction) and admin views of it.

Row states: ``pending`` (waiting, maybe after a failed attempt), ``sending`` (claimed by a
worker under a lease), ``delivered`` and ``dead`` (gave up: a permanent error or too many
attempts; shown by ``policybot admin outbox --dead`` and re-queued by ``admin retry``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.notifier import Recipient
from bot.store import audit
from bot.store.models import OutboxMessage

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


async def retry(session: AsyncSession, outbox_id: int, *, now: datetime, actor: str) -> bool:
    """Re-queue a dead (or pending) message for immediate delivery; False if not found or
    already delivered."""
    row = await session.get(OutboxMessage, outbox_id)
    if row is None or row.state in {"delivered", "sending"}:
        return False
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
    return True
