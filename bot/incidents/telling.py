"""Telling people about an incident: who they are recorded as, and the alerts queued for them.

Each person told gets an ``incident_recipients`` row (which entitles them to the report) and
an ``escalation`` outbox row on the first chat platform they can be reached on. Email, when
it is enabled (``SMTP_URL``), is the second channel: used when a person has no chat account
on an enabled platform, and always, beside chat, for an *Immediate* report to the DSL.
A person who cannot be reached at all is passed over at once to the next person on the
escalation chain, so a report never waits on somebody it cannot reach.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.emails import email_recipient
from bot.incidents.routing import PlannedRecipient, concerned_roles, next_in_chain
from bot.incidents.types import RoutedPerson
from bot.notifier import Recipient
from bot.outbox.outbox import enqueue
from bot.store import audit
from bot.store.models import Incident, IncidentRecipient, Person
from bot.trust.directory import identities_of
from bot.trust.roles import PLATFORMS

EMAIL = "email"
#: how people read a channel's name ("received on Slack")
CHANNEL_NAMES: dict[str, str] = {
    "slack": "Slack",
    "teams": "Teams",
    "console": "the console",
    EMAIL: "email",
}


def chat_recipient(
    person: Person, identities: Mapping[str, str], platforms: Collection[str]
) -> Recipient | None:
    """The person on the first enabled chat platform they have an identity on."""
    order = [p for p in PLATFORMS if p in platforms] + sorted(
        set(platforms) - set(PLATFORMS) - {EMAIL}
    )
    for platform in order:
        if platform in identities:
            return Recipient(platform, identities[platform], person.name, person.id)
    return None


def email_channel(person: Person, platforms: Collection[str]) -> Recipient | None:
    """The person by email, when email is enabled and they have a usable address."""
    return email_recipient(person) if EMAIL in platforms else None


def handler_thread(incident_id: int, person_id: int) -> str:
    """The thread key of a handler's chat card (updated in place as the incident changes)."""
    return f"incident:{incident_id}:person:{person_id}"


def receipt_thread(incident_id: int) -> str:
    """The thread key of the reporter's receipt (updated in place as people are reached)."""
    return f"incident:{incident_id}:reporter"


def queue_alert(
    session: AsyncSession,
    incident: Incident,
    recipient: Recipient,
    planned: PlannedRecipient,
    now: datetime,
    *,
    instead_of: str | None = None,
) -> None:
    """Queue one new-report alert to ``recipient`` (chat cards thread; emails do not)."""
    payload: dict[str, object] = {"roles": list(planned.role_labels), "reason": planned.reason}
    if instead_of:
        payload["instead_of"] = instead_of
    enqueue(
        session,
        kind="escalation",
        recipient=recipient,
        now=now,
        incident_id=incident.id,
        payload=payload,
        thread_key=None
        if recipient.platform == EMAIL
        else handler_thread(incident.id, planned.person.id),
    )


async def tell(
    session: AsyncSession,
    incident: Incident,
    planned: list[PlannedRecipient],
    now: datetime,
    *,
    platforms: Collection[str],
    warnings: list[str],
    told: set[int] | None = None,
    instead_of: str | None = None,
    identities: Mapping[int, Mapping[str, str]] | None = None,
) -> list[RoutedPerson]:
    """Record ``planned`` as recipients and queue their alerts; pass over the unreachable.

    ``identities`` (person id -> platform -> user id) may be given when already read.

    ``told`` (ids already recorded for this incident) is updated; anyone who cannot be
    reached on any channel is reported in ``warnings`` and the next person on the chain is
    told instead (recursively, until someone reachable is found or the chain runs out).
    """
    told = told if told is not None else set()
    planned = [p for p in planned if p.person.id not in told]
    if not planned:
        return []
    ids = [p.person.id for p in planned]
    idents = (
        identities
        if identities is not None and all(i in identities for i in ids)
        else await identities_of(session, ids)
    )
    routed: list[RoutedPerson] = []
    unreachable: list[PlannedRecipient] = []
    for person in planned:
        told.add(person.person.id)
        session.add(
            IncidentRecipient(
                incident_id=incident.id,
                person_id=person.person.id,
                roles=",".join(person.roles),
                reason=person.reason,
                added_at=now,
            )
        )
        chat = chat_recipient(person.person, idents[person.person.id], platforms)
        email = email_channel(person.person, platforms)
        sends = [r for r in (chat, email) if r is not None]
        if chat is not None and email is not None and not _email_too(incident, person):
            sends = [chat]
        for recipient in sends:
            queue_alert(session, incident, recipient, person, now, instead_of=instead_of)
        routed.append(
            RoutedPerson(
                person.person.id,
                person.person.name,
                person.role_labels,
                sends[0].platform if sends else None,
            )
        )
        if not sends:
            unreachable.append(person)
    audit.record(
        session,
        action="routed" if all(p.reason == "routed" for p in planned) else "escalated",
        actor="system",
        at=now,
        incident_id=incident.id,
        data={"to": [{"person_id": r.person_id, "roles": list(r.roles)} for r in routed]},
    )
    for person in unreachable:
        label = f"{person.person.name} ({', '.join(person.role_labels)})"
        warnings.append(
            f"{label} cannot be messaged: no chat account on an enabled platform"
            + ("" if EMAIL not in platforms else " and no email address")
            + " is set up for them"
        )
        routed += await pass_on(
            session,
            incident,
            now,
            platforms=platforms,
            warnings=warnings,
            told=told,
            instead_of=label,
            from_person=person.person.id,
        )
    return routed


async def pass_on(
    session: AsyncSession,
    incident: Incident,
    now: datetime,
    *,
    platforms: Collection[str],
    warnings: list[str],
    told: set[int] | None = None,
    instead_of: str,
    from_person: int | None = None,
) -> list[RoutedPerson]:
    """Tell the next person on the escalation chain, because ``instead_of`` (person id
    ``from_person``) cannot be reached."""
    if told is None:
        told = set(
            await session.scalars(
                select(IncidentRecipient.person_id).where(
                    IncidentRecipient.incident_id == incident.id
                )
            )
        )
    nxt = await next_in_chain(
        session,
        incident.academy_id,
        concerns_headteacher=incident.concerns_headteacher,
        concerns=concerned_roles(False, incident.details),
        already_told=told,
    )
    for person in nxt:
        person.reason = "rerouted"
    if not nxt:
        warnings.append(
            "nobody further up the chain could be told, so please tell your "
            "Principal/Headteacher or Designated Safeguarding Lead in person now"
        )
        return []
    audit.record(
        session,
        action="rerouted",
        actor="system",
        at=now,
        incident_id=incident.id,
        data={
            "instead_of": instead_of,
            "from_person": from_person,
            "to": [p.person.id for p in nxt],
        },
    )
    return await tell(
        session,
        incident,
        nxt,
        now,
        platforms=platforms,
        warnings=warnings,
        told=told,
        instead_of=instead_of,
    )


def _email_too(incident: Incident, person: PlannedRecipient) -> bool:
    """An Immediate report reaches the DSL by email as well as by chat."""
    return incident.urgency == "immediate" and "dsl" in person.roles
