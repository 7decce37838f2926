"""Dead letters reach a person: every trust admin is told when a message could not be sent.

The delivery core calls :func:`alert_admins_of_dead_letter` when a row dies. The alert names
the reference, the kind of message and its recipient (never a report's details) and goes to
every trust admin on each platform they can be reached on. A ``dead_letter`` alert that dies
itself raises no further alert (no loops); it is still listed by ``admin outbox --dead``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.emails import email_recipient
from bot.notifier import Recipient
from bot.outbox.outbox import enqueue
from bot.store.models import Incident, OutboxMessage
from bot.trust.directory import identities_of, trust_admins

log = logging.getLogger(__name__)

KIND = "dead_letter"
#: how each kind of message is named to an admin
KIND_LABELS = {
    "escalation": "incident alert",
    "reminder": "reminder",
    "receipt": "report receipt",
    "state_change": "status update to a reporter",
    KIND: "dead-letter alert",
}
#: where a message was going, as words ("to Jane Smith in Slack")
CHANNEL_PHRASES = {
    "slack": "in Slack",
    "teams": "in Teams",
    "email": "by email",
    "console": "in the console",
}


async def alert_admins_of_dead_letter(
    session: AsyncSession,
    row: OutboxMessage,
    now: datetime,
    *,
    platforms: Collection[str] | None = None,
) -> list[OutboxMessage]:
    """Queue (in the caller's transaction) a ``dead_letter`` alert about ``row`` to every
    trust admin on each of their platforms: their chat identities, plus email when
    ``platforms`` includes ``"email"``. ``platforms`` limits them to those that are set up
    (None: every chat identity). Returns the rows queued (none for a dead ``dead_letter``).
    """
    if row.kind == KIND:
        log.error("a dead-letter alert (outbox row %s) could not be delivered either", row.id)
        return []
    reference = None
    if row.incident_id is not None:
        incident = await session.get(Incident, row.incident_id)
        reference = incident.reference if incident is not None else None
    payload = {
        "outbox_id": row.id,
        "kind": row.kind,
        "kind_label": KIND_LABELS.get(row.kind, row.kind),
        "recipient": row.recipient_name or row.address,
        "platform": row.platform,
        "channel": CHANNEL_PHRASES.get(row.platform, f"on {row.platform}"),
        "attempts": row.attempts,
        "error": (row.last_error or "")[:300],
        "reference": reference,
    }
    admins = await trust_admins(session)
    identities = await identities_of(session, [a.id for a in admins])
    queued: list[OutboxMessage] = []
    for admin in admins:
        recipients = [
            Recipient(platform, user_id, admin.name, admin.id)
            for platform, user_id in sorted(identities[admin.id].items())
            if platforms is None or platform in platforms
        ]
        by_email = email_recipient(admin)
        if by_email is not None and platforms is not None and "email" in platforms:
            recipients.append(by_email)
        for recipient in recipients:
            queued.append(
                enqueue(
                    session,
                    kind=KIND,
                    recipient=recipient,
                    now=now,
                    payload=payload,
                    incident_id=row.incident_id,
                )
            )
    if not queued:
        log.error(
            "outbox row %s is dead and no trust admin can be alerted (none set up or reachable)",
            row.id,
        )
    return queued
