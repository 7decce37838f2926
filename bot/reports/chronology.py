"""One incident's whole story for the DSL: the report, then every state change, note,
details view and delivery, in order with who and when, as a PDF.

Only the people entitled to the details (:func:`bot.incidents.access.is_handler`) may
export it; each export is audited in the same transaction as the reading (and shows in the
chronology itself), and a refusal is audited too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.access import is_handler
from bot.incidents.errors import NotEntitled, NotFound
from bot.incidents.references import normalise_reference
from bot.incidents.types import CATEGORY_LABELS, URGENCY_LABELS
from bot.messages import Actor, Choice
from bot.reports import links
from bot.reports.settings import report_settings
from bot.store import audit
from bot.store.db import Database
from bot.store.models import AuditEvent, Incident, IncidentNote, OutboxMessage, Person
from bot.trust.directory import person_for_identity
from bot.trust.roles import role_label

EXPORTED = "chronology_exported"
#: how long a "Download chronology" link works (it opens the report's details)
LINK_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Chronology:
    reference: str
    pdf: bytes
    events: int


async def export(
    database: Database, person: Person | None, actor_key: str, reference: str, now: datetime
) -> Chronology:
    """The chronology PDF of ``reference`` for ``person``; NotEntitled / NotFound otherwise."""
    ref = normalise_reference(reference)
    if ref is None:
        raise NotFound(f"{reference.strip()!r} is not a report reference (like SM-2026-0042).")
    refused: tuple[int, str] | None = None
    async with database.transaction() as session:
        incident = await session.scalar(select(Incident).where(Incident.reference == ref))
        if incident is None:
            raise NotFound(f"There is no report with reference {ref}.")
        if person is None or not await is_handler(session, person, incident):
            refused = (incident.id, incident.reference)
        else:
            audit.record(
                session,
                action=EXPORTED,
                actor=actor_key,
                actor_name=person.name,
                actor_person_id=person.id,
                at=now,
                incident_id=incident.id,
            )
            await session.flush()
            lines = await _timeline(session, incident)
            body = _render(incident, lines, person.name, now)
            return Chronology(incident.reference, body, len(lines))
    async with database.transaction() as session:
        audit.record(
            session,
            action="refused",
            actor=actor_key,
            actor_name=person.name if person else "",
            actor_person_id=person.id if person else None,
            at=now,
            incident_id=refused[0],
            data={"attempted": "export the chronology of"},
        )
    raise NotEntitled(
        f"Sorry, you cannot export the chronology of {refused[1]}: only the people it was "
        "sent to and trust administrators can."
    )


async def _timeline(
    session: AsyncSession, incident: Incident
) -> list[tuple[datetime, str, str, str]]:
    """(when, what, who, more) for every audit event, oldest first."""
    events = list(
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.incident_id == incident.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
    notes = {
        n.id: n
        for n in await session.scalars(
            select(IncidentNote).where(IncidentNote.incident_id == incident.id)
        )
    }
    outbox = {
        o.id: o
        for o in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.incident_id == incident.id)
        )
    }
    names = {p.id: p.name for p in await session.scalars(select(Person))}
    out = []
    for e in events:
        who = e.actor_name or _actor(e.actor)
        what, more = _describe(e, notes, outbox, names)
        out.append((e.at, what, who, more))
    return out


def _actor(key: str) -> str:
    if key == "system":
        return "policybot"
    if key.startswith("worker:"):
        return "policybot (delivery)"
    return key


def _describe(
    e: AuditEvent,
    notes: dict[int, IncidentNote],
    outbox: dict[int, OutboxMessage],
    names: dict[int, str],
) -> tuple[str, str]:
    d: dict[str, Any] = e.data or {}
    if e.action == "submitted":
        return "Report made", f"urgency {d.get('urgency', '')}"
    if e.action in {"routed", "escalated"}:
        told = [
            f"{names.get(int(t.get('person_id', 0)), 'someone')} ({', '.join(t.get('roles', []))})"
            for t in d.get("to", [])
        ]
        verb = "Sent to" if e.action == "routed" else "Escalated to"
        return verb, "; ".join(told) or "nobody reachable"
    if e.action in {"acknowledged", "closed"}:
        return f"State: {d.get('from', '?')} \u2192 {d.get('to', e.action)}", ""
    if e.action == "note_added":
        note = notes.get(int(d.get("note_id", 0)))
        return "Note added", note.text if note else "(note no longer stored)"
    if e.action == "details_viewed":
        return "Details viewed", ""
    if e.action == "delivery_attempt":
        row = outbox.get(e.outbox_id or 0)
        to = row.recipient_name or row.address if row else "?"
        outcome = d.get("outcome", "")
        error = f": {d['error']}" if d.get("error") else ""
        return (
            f"Delivery of {str(d.get('kind', 'message')).replace('_', ' ')} to {to}",
            f"{d.get('platform', '')} attempt {d.get('attempt', '')}: {outcome}{error}",
        )
    if e.action == "reminder_sent":
        who = ", ".join(names.get(int(p), "someone") for p in d.get("to", []))
        return "Reminder sent (not yet acknowledged)", who
    if e.action == "routing_gaps":
        return "Could not tell everyone", "; ".join(d.get("warnings", []))
    if e.action == "escalation_exhausted":
        return "Nobody left to escalate to", ""
    if e.action == "refused":
        return "Refused", f"tried to {d.get('attempted', 'act on')} it"
    if e.action == "outbox_retry":
        return "Delivery retried by an administrator", ""
    if e.action == EXPORTED:
        return "Chronology exported", ""
    return e.action.replace("_", " ").capitalize(), ""


def _render(
    incident: Incident, lines: list[tuple[datetime, str, str, str]], by: str, now: datetime
) -> bytes:
    from bot.reports import pdf as pdfs  # the PDF library loads only when exporting

    title = f"Chronology of incident {incident.reference}"
    footer = (
        f"{incident.reference} \u2013 confidential: safeguarding record \u2013 exported by {by}"
    )
    pdf = pdfs.new_pdf(title, footer)
    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(*pdfs.BLUE)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdfs.paragraph(
        pdf,
        f"Exported by {by} on {now:%d %b %Y %H:%M} UTC. Confidential: contains the report's "
        "details. Keep it with the safeguarding record; do not forward it.",
        note=True,
    )
    pdfs.heading(pdf, "The report")
    facts = [
        ["Reference", incident.reference],
        ["Academy", incident.academy_name],
        ["Category", CATEGORY_LABELS.get(incident.category, incident.category)],
        ["Urgency", URGENCY_LABELS.get(incident.urgency, incident.urgency)],
        ["Child or young person involved", "Yes" if incident.child_involved else "No"],
        ["Concerns the Headteacher", "Yes" if incident.concerns_headteacher else "No"],
        ["Reported by", incident.reporter_name],
        ["Reported at", f"{incident.created_at:%d %b %Y %H:%M} UTC"],
        ["State", incident.state + (f" (outcome: {incident.outcome})" if incident.outcome else "")],
    ]
    for key, value in (incident.details or {}).items():
        if key.endswith("_label") or value in (None, "", [], {}):
            continue
        shown = (incident.details or {}).get(f"{key}_label", value)
        if isinstance(shown, bool):
            shown = "Yes" if shown else "No"
        facts.append([key.replace("_", " ").capitalize(), str(shown)])
    pdfs.table(pdf, ["", ""], facts, widths=[35, 65])
    pdfs.paragraph(pdf, "What was seen, in the reporter's words:", bold=True)
    pdfs.paragraph(pdf, incident.summary)
    if incident.sexual_imagery:
        pdfs.paragraph(
            pdf,
            "This report involves sexual images of a child: they were never asked for or "
            "stored. Do not view, copy, save or forward them.",
            bold=True,
        )
    pdfs.heading(pdf, "What happened, in order")
    rows = [[f"{at:%d %b %Y %H:%M:%S}", what, who, more] for at, what, who, more in lines]
    pdfs.table(pdf, ["When (UTC)", "What", "Who", "More"], rows, widths=[22, 26, 20, 32])
    return bytes(pdf.output())


def role_names(roles: str) -> str:
    """``dsl,headteacher`` -> ``Designated Safeguarding Lead, Principal/Headteacher``."""
    return ", ".join(role_label(r) for r in roles.split(",") if r)


async def download_choice(
    database: Database, actor: Actor, reference: str, now: datetime
) -> list[Choice]:
    """A "Download chronology" button for someone already shown the details (so entitled);
    the link is theirs alone, works for an hour, and the server checks entitlement again."""
    async with database.session() as session:
        person = await person_for_identity(session, actor.platform, actor.user_id)
    if person is None:
        return []
    secret = await links.link_secret(database)
    claim = links.Claim("chronology", reference, person.id, now + LINK_LIFETIME)
    url = links.url(report_settings().public_url, links.sign(secret, claim))
    return [Choice("Download chronology", url, "link.open", url=url)]
