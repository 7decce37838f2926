"""The neutral :class:`~bot.messages.Reply` for each notification kind.

Built at delivery time from the outbox row's kind + payload and the incident as it is now,
so a late or updated message shows the current state. A notification names the reference,
category, academy, urgency, whether a child is involved and the state, and NEVER the
report's summary or details: those open only through "View details", which is audited.

Urgency, and whether sexual images of a child or a child at immediate risk are involved,
are shown on every handler's message and in its title (flags only, never details).

Kinds: ``escalation`` (to a handler: new report, escalated to them, or an in-place update),
``reminder`` (nobody has acknowledged yet), ``reporter_note`` (to the handlers: the reporter
added information), ``receipt`` (to the reporter), ``state_change`` (to the reporter) and
``dead_letter`` (to trust admins: a message could not be delivered; see :mod:`bot.outbox.dead`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.telling import CHANNEL_NAMES
from bot.incidents.types import CATEGORY_LABELS, URGENCY_LABELS
from bot.messages import Choice, Reply
from bot.notifier import RenderError
from bot.store.models import AuditEvent, Incident, IncidentRecipient, OutboxMessage, Person
from bot.trust.roles import role_label

KINDS: tuple[str, ...] = (
    "escalation",
    "reminder",
    "reporter_note",
    "receipt",
    "state_change",
    "dead_letter",
)


def state_line(incident: Incident) -> str:
    """``Open: not yet acknowledged`` / ``Acknowledged by Jane Smith`` / ``Closed by ...``."""
    if incident.state == "open":
        return "Open: not yet acknowledged"
    if incident.state == "acknowledged":
        return f"Acknowledged by {incident.acknowledged_by or 'a handler'}"
    return f"Closed by {incident.closed_by or 'a handler'}"


def flags(incident: Incident) -> list[str]:
    """What must stand out about a report, most serious first (no details)."""
    found = []
    if (incident.details or {}).get("immediate_risk"):
        found.append("CHILD AT IMMEDIATE RISK")
    if incident.sexual_imagery:
        found.append("SEXUAL IMAGES OF A CHILD")
    if incident.urgency == "immediate" and not found:
        found.append("IMMEDIATE")
    return found


def flagged(title: str, incident: Incident) -> str:
    """A title led by the report's flags: ``CHILD AT IMMEDIATE RISK: New incident ...``."""
    marks = flags(incident)
    return f"{' / '.join(marks)}: {title}" if marks else title


def _facts(incident: Incident) -> list[str]:
    lines = []
    if (incident.details or {}).get("immediate_risk"):
        lines.append("A child may be at immediate risk of harm: act now.")
    if incident.sexual_imagery:
        lines.append(
            "Sexual images of a child are involved: do not view, copy, save or forward them."
        )
    return [
        *lines,
        f"Reference: {incident.reference}",
        f"Academy: {incident.academy_name}",
        f"Category: {CATEGORY_LABELS.get(incident.category, incident.category)}",
        f"Urgency: {URGENCY_LABELS.get(incident.urgency, incident.urgency)}",
        f"Child or young person involved: {'Yes' if incident.child_involved else 'No'}",
        f"State: {state_line(incident)}",
    ]


def handler_choices(incident: Incident) -> list[Choice]:
    """The buttons a handler gets: acknowledge (while open), note, view, close (until closed)."""
    ref = incident.reference
    choices = []
    if incident.state == "open":
        choices.append(Choice("Acknowledge", ref, "incident.ack", style="primary"))
    choices.append(Choice("Add a note", ref, "incident.note"))
    choices.append(Choice("View details", ref, "incident.view"))
    if incident.state != "closed":
        choices.append(Choice("Close with outcome", ref, "incident.close", style="danger"))
    return choices


def _data(incident: Incident, kind: str, roles: list[str]) -> dict[str, Any]:
    return {
        "notification": kind,
        "reference": incident.reference,
        "incident_state": incident.state,
        "recipient_role": ", ".join(roles),
    }


def escalation_reply(
    incident: Incident,
    *,
    roles: list[str],
    reason: str = "routed",
    update: bool = False,
    instead_of: str | None = None,
) -> Reply:
    """To a handler: a report needs them (or the same card, updated to the current state)."""
    if reason == "escalated":
        title = f"Escalated to you: incident {incident.reference}"
        intro = "Nobody has acknowledged this report yet, so it has been escalated to you."
    elif reason == "rerouted":
        title = f"Incident report {incident.reference}: passed to you"
        intro = (
            f"This report could not reach {instead_of or 'the person it was sent to'}, "
            "so it has come to you."
        )
    elif reason == "fallback":
        title = f"Incident report {incident.reference} (no academy contact set up)"
        intro = (
            "Nobody at the academy is set up to receive this report, so it has come to you "
            "as a trust administrator."
        )
    else:
        title = f"New incident report {incident.reference}"
        intro = "A member of staff has reported social-media misuse."
    if update:
        intro = f"Update: {state_line(incident)}."
    lines = [intro, "", *_facts(incident)]
    if roles:
        lines.append(f"You are told as: {', '.join(roles)}")
    if incident.state != "closed":
        lines += [
            "",
            "The details are not in this message. Choose View details to read them "
            "(every view is recorded).",
        ]
    return Reply(
        text="\n".join(lines),
        kind="incident",
        title=flagged(title, incident),
        choices=handler_choices(incident),
        replace_previous=update,
        data=_data(incident, "escalation", roles),
    )


def reminder_reply(incident: Incident, *, roles: list[str], waiting_minutes: int) -> Reply:
    """To the current handlers: nobody has acknowledged yet."""
    waited = _duration(waiting_minutes)
    lines = [
        f"Reminder: incident {incident.reference} has not been acknowledged after {waited}. "
        "If nobody acknowledges it soon it will be escalated.",
        "",
        *_facts(incident),
    ]
    return Reply(
        text="\n".join(lines),
        kind="incident",
        title=flagged(f"Reminder: incident {incident.reference} needs acknowledging", incident),
        choices=handler_choices(incident),
        data=_data(incident, "reminder", roles),
    )


def reporter_note_reply(incident: Incident, *, roles: list[str]) -> Reply:
    """To the handlers: the reporter added information (its text opens with View details)."""
    lines = [
        f"The person who made report {incident.reference} has added more information to it.",
        "",
        *_facts(incident),
        "",
        "Choose View details to read it (every view is recorded).",
    ]
    return Reply(
        text="\n".join(lines),
        kind="incident",
        title=flagged(f"More information on incident {incident.reference}", incident),
        choices=handler_choices(incident),
        data=_data(incident, "reporter_note", roles),
    )


@dataclass(frozen=True)
class Reach:
    """Whether one person told about an incident has received it, and on which channels."""

    label: str  # "Jane Smith (Principal/Headteacher)"
    state: str  # "received" | "sending" | "unreachable"
    channels: tuple[str, ...] = ()  # where it was received
    instead_of: str | None = None  # told because this person could not be reached


async def reach_of(session: AsyncSession, incident: Incident) -> list[Reach]:
    """Everyone the incident was sent to, in the order they were told, with how far it got
    (from their alerts in the outbox: any delivered = received; any still queued = sending;
    otherwise they could not be reached)."""
    people = await session.execute(
        select(IncidentRecipient, Person)
        .join(Person, Person.id == IncidentRecipient.person_id)
        .where(IncidentRecipient.incident_id == incident.id)
        .order_by(IncidentRecipient.added_at, Person.name)
    )
    alerts: dict[int, list[OutboxMessage]] = {}
    for row in await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.incident_id == incident.id, OutboxMessage.kind == "escalation"
        )
    ):
        if row.person_id is not None and not (row.payload or {}).get("update"):
            alerts.setdefault(row.person_id, []).append(row)
    out = []
    for recipient, person in people:
        rows = alerts.get(person.id, [])
        roles = ", ".join(role_label(r) for r in recipient.roles.split(",") if r)
        label = f"{person.name} ({roles})" if roles else person.name
        received = tuple(
            dict.fromkeys(
                CHANNEL_NAMES.get(r.platform, r.platform) for r in rows if r.state == "delivered"
            )
        )
        if received:
            state = "received"
        elif any(r.state in ("pending", "sending") for r in rows):
            state = "sending"
        else:
            state = "unreachable"
        instead = next(
            (str(r.payload["instead_of"]) for r in rows if r.payload.get("instead_of")), None
        )
        out.append(Reach(label, state, received, instead))
    return out


def receipt_reply(incident: Incident, *, reach: list[Reach], warnings: list[str]) -> Reply:
    """To the reporter: their reference and, person by person, who has received it so far."""
    lines = [
        f"Your report {incident.reference} is saved.",
        f"Academy: {incident.academy_name}",
        f"Category: {CATEGORY_LABELS.get(incident.category, incident.category)}",
    ]
    if reach:
        lines.append("Who has been told:")
    for person in reach:
        told = (
            f", told because {person.instead_of} could not be reached" if person.instead_of else ""
        )
        if person.state == "received":
            status = "received it on " + " and ".join(person.channels)
        elif person.state == "sending":
            status = "being sent"
        else:
            status = "could not be reached"
        lines.append(f"  \u2022 {person.label}{told}: {status}")
    if not any(p.state in ("received", "sending") for p in reach):
        lines.append(
            "Nobody could be reached yet: please tell your Principal/Headteacher or Designated "
            "Safeguarding Lead in person now."
        )
    for warning in warnings:
        lines.append(f"Please note: {warning}.")
    lines.append("You will get a message when its state changes.")
    return Reply(
        text="\n".join(lines),
        kind="incident",
        title=f"Who has been told about your report {incident.reference}",
        data={
            "notification": "receipt",
            "reference": incident.reference,
            "reach": {p.label: p.state for p in reach},
        },
    )


def state_change_reply(incident: Incident, *, state: str, by: str) -> Reply:
    """To the reporter: their report was acknowledged or closed."""
    if state == "acknowledged":
        text = f"Your report {incident.reference} has been acknowledged by {by}."
    elif state == "closed":
        text = (
            f"Your report {incident.reference} has been closed by {by}. Thank you for reporting it."
        )
    else:
        text = f"Your report {incident.reference} is now {state}."
    return Reply(
        text=text,
        kind="incident",
        title=f"Update on your report {incident.reference}",
        data={"notification": "state_change", "reference": incident.reference, "state": state},
    )


def dead_letter_reply(payload: dict[str, Any], incident: Incident | None) -> Reply:
    """To a trust admin: a message could not be delivered (who, what kind, why; no details)."""
    reference = incident.reference if incident is not None else payload.get("reference")
    what = str(payload.get("kind_label") or payload.get("kind") or "message")
    about = f" about incident {reference}" if reference else ""
    who = payload.get("recipient") or "someone"
    where = str(payload.get("channel") or "")
    lines = [
        f"policybot could not deliver {'an' if what[:1] in 'aeiou' else 'a'} {what}{about} "
        f"to {who}"
        + (f" {where}" if where else "")
        + f" (gave up after {payload.get('attempts', '?')} attempt(s)).",
    ]
    if payload.get("error"):
        lines.append(f"Last error: {payload['error']}")
    if incident is not None:
        lines += ["", *_facts(incident)]
    retry = f"policybot admin retry {reference or payload.get('outbox_id', '--all-dead')}"
    lines += [
        "",
        "Please make sure they hear about it another way. Once the cause is fixed (see "
        f"`policybot doctor`), send it again with: {retry}",
    ]
    return Reply(
        text="\n".join(lines),
        kind="incident",
        title="A policybot message could not be delivered"
        + (f": {reference}" if reference else ""),
        choices=[Choice("View details", str(reference), "incident.view")] if incident else [],
        data={
            "notification": "dead_letter",
            "reference": reference,
            "outbox_id": payload.get("outbox_id"),
        },
    )


def _duration(minutes: int) -> str:
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def render(session: AsyncSession, row: OutboxMessage) -> Reply:
    """Build the reply for an incident's outbox row (or a dead letter) from its kind,
    payload and the incident now. Other kinds are rendered by their owners; the worker
    picks the renderer (:mod:`bot.delivery.render`)."""
    if row.kind == "dead_letter":
        found = None
        if row.incident_id is not None:
            found = await session.get(Incident, row.incident_id, populate_existing=True)
        return dead_letter_reply(row.payload or {}, found)
    if row.incident_id is None:
        raise RenderError(f"outbox row {row.id} has no incident")
    incident = await session.get(Incident, row.incident_id, populate_existing=True)
    if incident is None:
        raise RenderError(f"incident {row.incident_id} no longer exists")
    payload = row.payload or {}
    roles = list(payload.get("roles", []))
    if row.kind == "escalation":
        return escalation_reply(
            incident,
            roles=roles,
            reason=str(payload.get("reason", "routed")),
            update=bool(payload.get("update", False)),
            instead_of=payload.get("instead_of"),
        )
    if row.kind == "reminder":
        return reminder_reply(
            incident, roles=roles, waiting_minutes=int(payload.get("waiting_minutes", 0))
        )
    if row.kind == "reporter_note":
        return reporter_note_reply(incident, roles=roles)
    if row.kind == "receipt":
        gaps = await session.scalar(
            select(AuditEvent.data)
            .where(AuditEvent.incident_id == incident.id, AuditEvent.action == "routing_gaps")
            .limit(1)
        )
        return receipt_reply(
            incident,
            reach=await reach_of(session, incident),
            warnings=list((gaps or {}).get("warnings", [])),
        )
    if row.kind == "state_change":
        return state_change_reply(
            incident, state=str(payload.get("state", incident.state)), by=str(payload.get("by", ""))
        )
    raise RenderError(f"unknown notification kind {row.kind!r}")
