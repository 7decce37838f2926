"""What follows a delivery's outcome, written in the same transaction as the outcome itself.

- A new-report alert delivered or dead: the reporter's receipt is brought up to date (it
  is rendered when sent, so it names who has received the report by then).
- A new-report alert dead (the person cannot be reached on that channel): the person is
  emailed instead when email is on and they have an address, and, while nobody has picked
  the report up, the next person on the escalation chain is told at once.
- Any message dead: the trust administrators are alerted (:mod:`bot.outbox.dead`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.routing import PlannedRecipient
from bot.incidents.telling import (
    EMAIL,
    email_channel,
    pass_on,
    queue_alert,
    receipt_thread,
)
from bot.notifier import Recipient
from bot.outbox.dead import alert_admins_of_dead_letter
from bot.outbox.outbox import enqueue
from bot.store.models import AuditEvent, Incident, IncidentRecipient, OutboxMessage, Person

#: how long a receipt update waits for the report's other alerts still on their way
RECEIPT_SETTLE = timedelta(seconds=2)


async def after_attempt(
    session: AsyncSession,
    row: OutboxMessage,
    outcome: str,
    now: datetime,
    *,
    platforms: Collection[str],
) -> None:
    """Follow up ``row``'s ``outcome`` ("delivered", "retry", "paused" or "dead")."""
    if outcome == "dead":
        await alert_admins_of_dead_letter(session, row, now, platforms=platforms)
    if row.incident_id is None or row.kind != "escalation" or (row.payload or {}).get("update"):
        return
    if outcome not in ("delivered", "dead"):
        return
    # one outcome of this incident's at a time: the incident row is locked (PostgreSQL; on
    # SQLite every write is serialised anyway), so each sees the outcomes before it. FOR NO
    # KEY UPDATE: it does not wait on the key-share locks other transactions' audit rows take
    incident = await session.scalar(
        select(Incident).where(Incident.id == row.incident_id).with_for_update(key_share=True)
    )
    if incident is None:
        return
    if outcome == "dead":
        await _reach_another_way(session, incident, row, now, platforms)
    await refresh_receipt(session, incident, now)


async def refresh_receipt(session: AsyncSession, incident: Incident, now: datetime) -> None:
    """Queue the reporter's receipt (or its update in place), unless one is waiting to go.

    It is rendered when it is sent, so it names everyone who has received the report by
    then. While other alerts for the report are still on their way it waits a moment
    (:data:`RECEIPT_SETTLE`), so one receipt usually covers them all."""
    incident_id = incident.id
    thread = receipt_thread(incident_id)
    unsettled = await session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.incident_id == incident_id,
            OutboxMessage.kind == "escalation",
            OutboxMessage.state.in_(("pending", "sending")),
        )
        .limit(1)
    )
    waiting = await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.thread_key == thread, OutboxMessage.state == "pending")
        .limit(1)
    )
    if waiting is not None:
        if unsettled is None and waiting.next_attempt_at > now:
            waiting.next_attempt_at = now  # everyone's outcome is in: send it now
        return
    row = enqueue(
        session,
        kind="receipt",
        recipient=Recipient(
            incident.reporter_platform,
            incident.reporter_user_id,
            incident.reporter_name,
            incident.reporter_person_id,
        ),
        now=now,
        incident_id=incident_id,
        thread_key=thread,
    )
    if unsettled is not None:
        row.next_attempt_at = now + RECEIPT_SETTLE


async def _reach_another_way(
    session: AsyncSession,
    incident: Incident,
    row: OutboxMessage,
    now: datetime,
    platforms: Collection[str],
) -> None:
    """``row``'s person could not be reached on its channel: email them, pass the report on."""
    person = await session.get(Person, row.person_id) if row.person_id is not None else None
    if person is None:
        return
    recipient = await session.get(IncidentRecipient, (incident.id, person.id))
    alerts = list(
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.incident_id == incident.id,
                OutboxMessage.person_id == person.id,
                OutboxMessage.kind == "escalation",
            )
        )
    )
    if any(a.state == "delivered" for a in alerts):
        return  # they have it on another channel
    planned = PlannedRecipient(
        person,
        (recipient.roles.split(",") if recipient else []),
        recipient.reason if recipient else "routed",
    )
    email = email_channel(person, platforms)
    if email is not None and row.platform != EMAIL and not any(a.platform == EMAIL for a in alerts):
        queue_alert(
            session,
            incident,
            email,
            planned,
            now,
            instead_of=(row.payload or {}).get("instead_of"),
        )
    if incident.state != "open" or await _passed_on(session, incident.id, person.id):
        return  # somebody is dealing with it, or it was passed on already
    roles = ", ".join(planned.role_labels)
    await pass_on(
        session,
        incident,
        now,
        platforms=platforms,
        warnings=[],
        instead_of=f"{person.name} ({roles})" if roles else person.name,
        from_person=person.id,
    )


async def _passed_on(session: AsyncSession, incident_id: int, person_id: int) -> bool:
    """Whether the report was already passed on because ``person_id`` could not be reached."""
    events = await session.scalars(
        select(AuditEvent.data).where(
            AuditEvent.incident_id == incident_id, AuditEvent.action == "rerouted"
        )
    )
    return any((data or {}).get("from_person") == person_id for data in events)
