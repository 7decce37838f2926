"""The neutral :class:`~bot.messages.Reply` for each notification kind.

Built at delivery time from the outbox row's kind + payload and the incident as it is now,
so a late or updated message shows the current state. A notification names the reference,
category, academy, urgency, whether a child is involved and the state, and NEVER the
report's summary or details: those open only through "View details", which is audited.

Kinds: ``escalation`` (to a handler: new report, escalated to them, or an in-place update),
``reminder`` (nobody has acknowledged yet), ``receipt`` (to the reporter) and
``state_change`` (to the reporter).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.types import CATEGORY_LABELS, URGENCY_LABELS
from bot.messages import Choice, Reply
from bot.store.models import Incident, OutboxMessage

KINDS: tuple[str, ...] = ("escalation", "reminder", "receipt", "state_change")


class RenderError(Exception):
    """The row cannot be rendered (unknown kind or incident gone): retrying cannot help."""


def state_line(incident: Incident) -> str:
    """``Open: not yet acknowledged`` / ``Acknowledged by Jane Smith`` / ``Closed by ...``."""
    if incident.state == "open":
        return "Open: not yet acknowledged"
    if incident.state == "acknowledged":
        return f"Acknowledged by {incident.acknowledged_by or 'a handler'}"
    return f"Closed by {incident.closed_by or 'a handler'}"


def _facts(incident: Incident) -> list[str]:
    return [
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
    incident: Incident, *, roles: list[str], reason: str = "routed", update: bool = False
) -> Reply:
    """To a handler: a report needs them (or the same card, updated to the current state)."""
    if reason == "escalated":
        title = f"Escalated to you: incident {incident.reference}"
        intro = "Nobody has acknowledged this report yet, so it has been escalated to you."
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
        title=title,
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
        title=f"Reminder: incident {incident.reference} needs acknowledging",
        choices=handler_choices(incident),
        data=_data(incident, "reminder", roles),
    )


def receipt_reply(incident: Incident, *, routed: list[str], warnings: list[str]) -> Reply:
    """To the reporter: their reference, who was told and any gaps."""
    lines = [
        f"Thank you. Your report has been saved with reference {incident.reference}.",
        f"Academy: {incident.academy_name}",
        f"Category: {CATEGORY_LABELS.get(incident.category, incident.category)}",
    ]
    if routed:
        lines.append("It has been sent to: " + "; ".join(routed) + ".")
    for warning in warnings:
        lines.append(f"Please note: {warning}.")
    lines.append("You will get a message when its state changes.")
    return Reply(
        text="\n".join(lines),
        kind="incident",
        title=f"Report received: {incident.reference}",
        data={"notification": "receipt", "reference": incident.reference},
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


def _duration(minutes: int) -> str:
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def render(session: AsyncSession, row: OutboxMessage) -> Reply:
    """Build the reply for an outbox row from its kind, payload and the incident now."""
    if row.kind.startswith("governors."):  # governors' reports (bot/reports/delivery.py)
        from bot.reports import delivery

        try:
            return await delivery.render(session, row)
        except delivery.NotRenderable as exc:
            raise RenderError(str(exc)) from exc
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
        )
    if row.kind == "reminder":
        return reminder_reply(
            incident, roles=roles, waiting_minutes=int(payload.get("waiting_minutes", 0))
        )
    if row.kind == "receipt":
        return receipt_reply(
            incident,
            routed=list(payload.get("routed", [])),
            warnings=list(payload.get("warnings", [])),
        )
    if row.kind == "state_change":
        return state_change_reply(
            incident, state=str(payload.get("state", incident.state)), by=str(payload.get("by", ""))
        )
    raise RenderError(f"unknown notification kind {row.kind!r}")
