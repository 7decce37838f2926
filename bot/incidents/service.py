"""The incident service: submit, route, acknowledge, note, close, view, remind, escalate.

States: ``open`` -> ``acknowledged`` -> ``closed``. Closing straight from ``open`` is allowed
(a handler may deal with a report at once); it then also counts as the acknowledgement.
Closing needs an outcome; a closed report cannot change state again (notes may still be
added). Every change, note, details view and refusal is an audit event in the same
transaction as the change, and every notification goes to the outbox in that transaction
too. Logs name references, never a report's summary, details or anyone's child.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.incidents.access import is_handler, is_reporter, recipient_ids
from bot.incidents.errors import InvalidInput, InvalidTransition, NotEntitled, NotFound
from bot.incidents.notifications import reach_of
from bot.incidents.references import next_reference, normalise_reference
from bot.incidents.routing import concerned_roles, next_in_chain, plan_routing
from bot.incidents.telling import chat_recipient, handler_thread, tell
from bot.incidents.types import (
    CATEGORY_LABELS,
    IncidentDetails,
    IncidentSummary,
    IncidentView,
    NoteView,
    ReportSubmission,
    RoutedPerson,
    SubmitResult,
)
from bot.messages import Actor
from bot.notifier import Recipient
from bot.outbox.outbox import enqueue
from bot.store import audit
from bot.store.db import Database
from bot.store.models import (
    AuditEvent,
    ConversationRecord,
    Incident,
    IncidentNote,
    IncidentRecipient,
    Person,
)
from bot.trust.directory import identities_of, person_for_identity
from bot.trust.roles import PLATFORMS, role_label

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 4000
MAX_OUTCOME_LENGTH = 4000


class _AlreadyStored(Exception):
    """A submission key that is stored already (found before the write transaction)."""


@dataclass
class SubmitProgress:
    """How far a submission got: whether COMMIT had been sent when it failed."""

    committing: bool = False


class IncidentService:
    """Everything that happens to an incident report. One per process; safe to share."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock,
        platforms: Collection[str],
        reminder_after: timedelta,
        escalate_after: timedelta,
    ) -> None:
        if reminder_after <= timedelta(0) or escalate_after <= reminder_after:
            raise ValueError("need 0 < reminder_after < escalate_after")
        self.database = database
        self.clock = clock
        enabled = set(platforms)
        self.platforms: tuple[str, ...] = tuple(p for p in PLATFORMS if p in enabled) + tuple(
            sorted(enabled - set(PLATFORMS))
        )
        self.reminder_after = reminder_after
        self.escalate_after = escalate_after

    # --- people -------------------------------------------------------------------------

    async def person_for(self, actor: Actor) -> Person | None:
        """The trust person behind a chat identity (by platform user id, never by name)."""
        async with self.database.session() as session:
            return await person_for_identity(session, actor.platform, actor.user_id)

    async def _reachable_handlers(
        self, session: AsyncSession, incident: Incident
    ) -> list[tuple[IncidentRecipient, Recipient]]:
        """Everyone the incident was routed to who can be reached in chat (cards, reminders)."""
        rows = list(
            await session.execute(
                select(IncidentRecipient, Person)
                .join(Person, Person.id == IncidentRecipient.person_id)
                .where(IncidentRecipient.incident_id == incident.id)
            )
        )
        idents = await identities_of(session, [person.id for _, person in rows])
        out = []
        for row, person in rows:
            recipient = chat_recipient(person, idents[person.id], self.platforms)
            if recipient is not None:
                out.append((row, recipient))
        return out

    # --- submit -------------------------------------------------------------------------

    async def submit(
        self,
        reporter: Actor,
        submission: ReportSubmission,
        *,
        key: str | None = None,
        draft_key: str | None = None,
        progress: SubmitProgress | None = None,
    ) -> SubmitResult:
        """Store a report, route it, queue its alerts and the reporter's receipt, and remove
        the reporter's draft (``draft_key``), all in ONE transaction: when this returns, the
        report is committed; when it raises, nothing of it is.

        ``key`` names the submission (the form, card or draft it came from): submitting the
        same key again (a retry, a double click, a resend after a timeout) returns the report
        already stored instead of storing a second one. Gaps in routing are in ``warnings``.
        ``progress.committing`` is set just before COMMIT is sent: a failure before that
        certainly stored nothing; a failure after it may have stored the report.
        """
        if submission.category not in CATEGORY_LABELS:
            raise InvalidInput(f"Unknown report category {submission.category!r}.")
        try:
            result = await self._store(
                reporter, submission, self.clock.now(), key, draft_key, progress or SubmitProgress()
            )
        except (IntegrityError, _AlreadyStored):
            existing = await self.submitted(key) if key is not None else None
            if existing is None:
                raise
            return existing  # the same submission was stored already (a retry, a double click)
        log.info("incident %s stored, routed to %d people", result.reference, len(result.routed_to))
        for warning in result.warnings:
            log.warning("incident %s: %s", result.reference, warning)
        return result

    async def _store(
        self,
        reporter: Actor,
        submission: ReportSubmission,
        now: datetime,
        key: str | None,
        draft_key: str | None,
        progress: SubmitProgress,
    ) -> SubmitResult:
        # who to tell is read first, outside the write transaction (on SQLite that holds the
        # one write lock, so every statement kept out of it is time other reports wait less)
        async with self.database.session() as session:
            if key is not None and await session.scalar(
                select(Incident.id).where(Incident.submission_key == key)
            ):
                raise _AlreadyStored  # sent again: the report stored the first time
            person = await person_for_identity(session, reporter.platform, reporter.user_id)
            plan = await plan_routing(
                session,
                submission.academy,
                child_involved=submission.child_involved,
                concerns_headteacher=submission.concerns_headteacher,
                sexual_imagery=submission.sexual_imagery,
                concerns=concerned_roles(False, submission.details),
            )
            idents = await identities_of(session, [p.person.id for p in plan.recipients])
        async with self.database.transaction() as session:
            reporter_name = person.name if person else reporter.user_id
            incident = Incident(
                # the reference is taken last (below): on PostgreSQL its counter row is
                # locked until COMMIT, so every other report waits on it meanwhile
                reference=f"new:{uuid.uuid4().hex[:28]}",
                submission_key=key,
                academy_id=submission.academy,
                academy_name=plan.academy_name,
                category=submission.category,
                urgency=submission.urgency,
                child_involved=submission.child_involved,
                concerns_headteacher=submission.concerns_headteacher,
                sexual_imagery=submission.sexual_imagery,
                summary=submission.summary,
                details=dict(submission.details),
                state="open",
                reporter_platform=reporter.platform,
                reporter_user_id=reporter.user_id,
                reporter_name=reporter_name,
                reporter_person_id=person.id if person else None,
                created_at=now,
                updated_at=now,
                notified_at=now,
                reminded=False,
                escalation_level=0,
                next_check_at=now + self.reminder_after if plan.recipients else None,
            )
            session.add(incident)
            await session.flush()
            audit.record(
                session,
                action="submitted",
                actor=reporter.key,
                actor_name=reporter_name,
                actor_person_id=person.id if person else None,
                at=now,
                incident_id=incident.id,
                data={
                    "category": submission.category,
                    "urgency": submission.urgency,
                    "child_involved": submission.child_involved,
                    "concerns_headteacher": submission.concerns_headteacher,
                },
            )
            warnings = list(plan.warnings)
            routed = await tell(
                session,
                incident,
                plan.recipients,
                now,
                platforms=self.platforms,
                warnings=warnings,
                identities=idents,
            )
            if warnings:
                audit.record(
                    session,
                    action="routing_gaps",
                    actor="system",
                    at=now,
                    incident_id=incident.id,
                    data={"warnings": warnings},
                )
            if draft_key is not None:
                await session.execute(
                    delete(ConversationRecord).where(ConversationRecord.key == draft_key)
                )
            await session.flush()
            reference = await next_reference(session, now.year)
            incident.reference = reference
            await session.flush()
            progress.committing = True  # all that is left is COMMIT, at the end of this block
        return SubmitResult(reference, incident.id, tuple(routed), tuple(warnings))

    async def submitted(self, key: str) -> SubmitResult | None:
        """The report already stored under submission ``key``, as its submitter was told."""
        async with self.database.session() as session:
            incident = await session.scalar(select(Incident).where(Incident.submission_key == key))
            if incident is None:
                return None
            view = await self._view(session, incident)
            gaps = await session.scalar(
                select(AuditEvent.data)
                .where(AuditEvent.incident_id == incident.id, AuditEvent.action == "routing_gaps")
                .limit(1)
            )
            reach = {r.label: r.state for r in await reach_of(session, incident)}
        warnings = tuple((gaps or {}).get("warnings", []))
        routed = tuple(
            replace(p, delivered_on=None if reach.get(p.label) == "unreachable" else "queued")
            for p in view.routed_to
        )
        log.info("incident %s: the same submission was sent again", incident.reference)
        return SubmitResult(incident.reference, incident.id, routed, warnings)

    # --- handler actions ----------------------------------------------------------------

    async def acknowledge(self, actor: Actor, reference: str) -> IncidentView:
        """Mark an open report as acknowledged by the actor; tells the reporter."""
        return await self._act(actor, reference, "acknowledge", self._do_acknowledge)

    async def add_note(self, actor: Actor, reference: str, text: str) -> IncidentView:
        """Add a note: a handler's (any state), or the reporter's own to their report while it
        is not closed (audited; the handlers are told there is more information)."""
        text = _required_text(text, MAX_NOTE_LENGTH, "A note", "A note cannot be empty.")

        async def do(
            session: AsyncSession, incident: Incident, person: Person | None, now: datetime
        ) -> None:
            handler = person is not None and await is_handler(session, person, incident)
            name = person.name if person else incident.reporter_name
            note = IncidentNote(
                incident_id=incident.id,
                author_person_id=person.id if person else None,
                author_name=name if handler else f"{name} (reporter)",
                text=text,
                created_at=now,
            )
            session.add(note)
            await session.flush()
            incident.updated_at = now
            incident.last_actor = name
            audit.record(
                session,
                action="note_added" if handler else "reporter_note_added",
                actor=actor.key,
                actor_name=name,
                actor_person_id=person.id if person else None,
                at=now,
                incident_id=incident.id,
                data={"note_id": note.id},
            )
            if handler:
                return
            for row, recipient in await self._reachable_handlers(session, incident):
                enqueue(
                    session,
                    kind="reporter_note",
                    recipient=recipient,
                    now=now,
                    incident_id=incident.id,
                    payload={"roles": _role_labels(row.roles)},
                )

        return await self._act(actor, reference, "add a note to", do, reporter_may=True)

    async def may(self, actor: Actor, reference: str, verb: str) -> IncidentSummary:
        """Check that ``actor`` may ``verb`` ("note", "close", "ack", "view") the report,
        without doing it (to ask for a note's text only once it would be accepted).
        A refusal is audited and worded as :meth:`_act` words it."""
        phrase = {"note": "add a note to", "ack": "acknowledge", "view": "view details of"}
        doing = phrase.get(verb, verb)
        now = self.clock.now()
        async with self.database.session() as session:
            person = await person_for_identity(session, actor.platform, actor.user_id)
            incident = await self._load(session, reference)
            handler = person is not None and await is_handler(session, person, incident)
            own_open = is_reporter(incident, actor, person) and incident.state != "closed"
            if handler or (verb == "note" and own_open):
                return _summary(incident)
            refused = _Refusal.of(actor, incident, person)
            message = _refusal(incident, actor, person, doing)
        await self._audit_refusal(refused, doing, now)
        raise NotEntitled(message)

    async def close(self, actor: Actor, reference: str, outcome: str) -> IncidentView:
        """Close a report with its outcome (from open or acknowledged); tells the reporter."""
        outcome = _required_text(
            outcome,
            MAX_OUTCOME_LENGTH,
            "The outcome",
            "Please give the outcome: closing a report needs one.",
        )

        async def do(session: AsyncSession, incident: Incident, person: Person, now: datetime):
            if incident.state == "closed":
                raise InvalidTransition(
                    f"{incident.reference} was already closed by {incident.closed_by}."
                )
            previous = incident.state
            if incident.acknowledged_at is None:
                incident.acknowledged_at = now
                incident.acknowledged_by = person.name
            incident.state = "closed"
            incident.outcome = outcome
            incident.closed_at = now
            incident.closed_by = person.name
            incident.next_check_at = None
            await self._state_changed(session, incident, person, actor, now, previous)

        return await self._act(actor, reference, "close", do)

    async def _do_acknowledge(
        self, session: AsyncSession, incident: Incident, person: Person, now: datetime, actor: Actor
    ) -> None:
        if incident.state != "open":
            who = (
                incident.acknowledged_by if incident.state == "acknowledged" else incident.closed_by
            )
            raise InvalidTransition(
                f"{incident.reference} is already {incident.state}"
                + (f" (by {who})." if who else ".")
            )
        incident.state = "acknowledged"
        incident.acknowledged_at = now
        incident.acknowledged_by = person.name
        incident.next_check_at = None
        await self._state_changed(session, incident, person, actor, now, "open")

    async def _state_changed(
        self,
        session: AsyncSession,
        incident: Incident,
        person: Person,
        actor: Actor,
        now: datetime,
        previous: str,
    ) -> None:
        """Audit, tell the reporter, and update every handler's card in place."""
        incident.updated_at = now
        incident.last_actor = person.name
        data = {"from": previous, "to": incident.state}
        _audit_handler(session, incident.state, actor, person, incident, now, data)
        enqueue(
            session,
            kind="state_change",
            recipient=Recipient(
                incident.reporter_platform,
                incident.reporter_user_id,
                incident.reporter_name,
                incident.reporter_person_id,
            ),
            now=now,
            incident_id=incident.id,
            payload={"state": incident.state, "by": person.name},
        )
        for row, recipient in await self._reachable_handlers(session, incident):
            enqueue(
                session,
                kind="escalation",
                recipient=recipient,
                now=now,
                incident_id=incident.id,
                payload={
                    "roles": _role_labels(row.roles),
                    "reason": row.reason,
                    "update": True,
                },
                thread_key=handler_thread(incident.id, row.person_id),
            )
        log.info("incident %s: %s -> %s", incident.reference, previous, incident.state)

    async def _act(
        self, actor: Actor, reference: str, verb: str, do: Any, *, reporter_may: bool = False
    ) -> IncidentView:
        """Load with a row lock, check entitlement (auditing refusals), run ``do``.

        ``reporter_may``: the reporter may do this to their own report while it is open.
        A refusal reads exactly like a reference that does not exist, so it tells nobody
        that a report they may not see exists."""
        now = self.clock.now()
        refused: _Refusal | None = None
        try:
            async with self.database.transaction() as session:
                person = await person_for_identity(session, actor.platform, actor.user_id)
                incident = await self._load(session, reference, lock=True)
                handler = person is not None and await is_handler(session, person, incident)
                reporter = (
                    reporter_may
                    and incident.state != "closed"
                    and is_reporter(incident, actor, person)
                )
                if not (handler or reporter):
                    refused = _Refusal.of(actor, incident, person)
                    raise NotEntitled(_refusal(incident, actor, person, verb))
                if do == self._do_acknowledge:
                    await do(session, incident, person, now, actor)
                else:
                    await do(session, incident, person, now)
                return await self._view(session, incident)
        except NotEntitled:
            if refused is not None:
                await self._audit_refusal(refused, verb, now)
            raise

    async def _audit_refusal(self, refused: _Refusal, verb: str, now: datetime) -> None:
        """Record a refused attempt in its own transaction (the attempt's was rolled back)."""
        async with self.database.transaction() as session:
            audit.record(
                session,
                action="refused",
                actor=refused.actor_key,
                actor_name=refused.actor_name,
                actor_person_id=refused.person_id,
                at=now,
                incident_id=refused.incident_id,
                data={"attempted": verb},
            )
        log.warning(
            "incident %s: %s may not %s it (refused and audited)",
            refused.reference,
            refused.actor_key,
            verb,
        )

    # --- reading ------------------------------------------------------------------------

    async def view_details(self, actor: Actor, reference: str) -> IncidentDetails:
        """The full report, for the people it was sent to and trust admins; audited."""
        now = self.clock.now()
        refused: _Refusal | None = None
        try:
            async with self.database.transaction() as session:
                person = await person_for_identity(session, actor.platform, actor.user_id)
                incident = await self._load(session, reference)
                if person is None or not await is_handler(session, person, incident):
                    refused = _Refusal.of(actor, incident, person)
                    raise NotEntitled(_refusal(incident, actor, person, "view details of"))
                _audit_handler(session, "details_viewed", actor, person, incident, now)
                view = await self._view(session, incident)
                notes = await session.scalars(
                    select(IncidentNote)
                    .where(IncidentNote.incident_id == incident.id)
                    .order_by(IncidentNote.id)
                )
                note_views = tuple(NoteView(n.author_name, n.text, n.created_at) for n in notes)
        except NotEntitled:
            if refused is not None:
                await self._audit_refusal(refused, "view details of", now)
            raise
        log.info("incident %s details viewed by %s", incident.reference, actor.key)
        return IncidentDetails(
            **{f: getattr(view, f) for f in view.__dataclass_fields__},
            summary=incident.summary,
            details=dict(incident.details or {}),
            reporter_name=incident.reporter_name,
            notes=note_views,
        )

    async def status(self, actor: Actor, reference: str) -> IncidentSummary:
        """One report's status, for its reporter or a handler (no details; not audited)."""
        async with self.database.session() as session:
            person = await person_for_identity(session, actor.platform, actor.user_id)
            incident = await self._load(session, reference)
            if not (
                is_reporter(incident, actor, person) or await is_handler(session, person, incident)
            ):
                raise NotFound(_no_such_report(incident.reference))
            return _summary(incident)

    async def reporter_status(self, actor: Actor) -> list[IncidentSummary]:
        """The actor's own reports, newest first (status only)."""
        async with self.database.session() as session:
            person = await person_for_identity(session, actor.platform, actor.user_id)
            mine = (Incident.reporter_platform == actor.platform) & (
                Incident.reporter_user_id == actor.user_id
            )
            cond = or_(mine, Incident.reporter_person_id == person.id) if person else mine
            rows = await session.scalars(
                select(Incident)
                .where(cond)
                .order_by(Incident.created_at.desc(), Incident.id.desc())
            )
            return [_summary(i) for i in rows]

    async def handler_queue(self, actor: Actor) -> list[IncidentSummary]:
        """Reports sent to the actor (every report for trust admins): open first, then
        acknowledged, then closed; newest first within each. Empty for unknown people."""
        async with self.database.session() as session:
            person = await person_for_identity(session, actor.platform, actor.user_id)
            if person is None:
                return []
            order = case(
                (Incident.state == "open", 0), (Incident.state == "acknowledged", 1), else_=2
            )
            stmt = select(Incident).order_by(order, Incident.created_at.desc(), Incident.id.desc())
            if not person.is_trust_admin:
                stmt = stmt.join(
                    IncidentRecipient, IncidentRecipient.incident_id == Incident.id
                ).where(IncidentRecipient.person_id == person.id)
            return [_summary(i) for i in await session.scalars(stmt)]

    async def _load(self, session: AsyncSession, reference: str, *, lock: bool = False) -> Incident:
        ref = normalise_reference(reference)
        if ref is None:
            raise NotFound(f"{reference.strip()!r} is not a report reference (like SM-2026-0042).")
        stmt = select(Incident).where(Incident.reference == ref)
        if lock:
            stmt = stmt.with_for_update()
        incident = await session.scalar(stmt)
        if incident is None:
            raise NotFound(_no_such_report(ref))
        return incident

    async def _view(self, session: AsyncSession, incident: Incident) -> IncidentView:
        rows = await session.execute(
            select(IncidentRecipient, Person)
            .join(Person, Person.id == IncidentRecipient.person_id)
            .where(IncidentRecipient.incident_id == incident.id)
            .order_by(IncidentRecipient.added_at, Person.name)
        )
        routed = tuple(
            RoutedPerson(p.id, p.name, tuple(_role_labels(rec.roles))) for rec, p in rows
        )
        note_count = await session.scalar(
            select(func.count())
            .select_from(IncidentNote)
            .where(IncidentNote.incident_id == incident.id)
        )
        base = _summary(incident)
        return IncidentView(
            **{f: getattr(base, f) for f in base.__dataclass_fields__},
            routed_to=routed,
            outcome=incident.outcome,
            note_count=int(note_count or 0),
            concerns_headteacher=incident.concerns_headteacher,
        )

    # --- reminders and escalation ---------------------------------------------------------

    async def run_due_reminders(self, *, limit: int = 100) -> int:
        """Send due reminders, then escalate where ``escalate_after`` has passed with nobody
        acknowledging. Returns how many reminder rounds and escalations were made. Safe to
        run from several workers (rows are locked; on PostgreSQL locked rows are skipped)."""
        now = self.clock.now()
        async with self.database.session() as session:
            ids = list(
                await session.scalars(
                    select(Incident.id)
                    .where(Incident.state == "open", Incident.next_check_at <= now)
                    .order_by(Incident.next_check_at)
                    .limit(limit)
                )
            )
        done = 0
        for incident_id in ids:
            async with self.database.transaction() as session:
                incident = await session.scalar(
                    select(Incident)
                    .where(
                        Incident.id == incident_id,
                        Incident.state == "open",
                        Incident.next_check_at <= now,
                    )
                    .with_for_update(skip_locked=True)
                )
                if incident is None:
                    continue
                done += await self._remind_or_escalate(session, incident, now)
        return done

    async def _remind_or_escalate(
        self, session: AsyncSession, incident: Incident, now: datetime
    ) -> int:
        done = 0
        told = await recipient_ids(session, incident.id)
        if not incident.reminded and now >= incident.notified_at + self.reminder_after:
            await self._send_reminders(session, incident, now)
            incident.reminded = True
            done += 1
        if now >= incident.notified_at + self.escalate_after:
            nxt = await next_in_chain(
                session,
                incident.academy_id,
                concerns_headteacher=incident.concerns_headteacher,
                already_told=told,
                concerns=concerned_roles(False, incident.details),
            )
            if nxt:
                warnings: list[str] = []
                await tell(session, incident, nxt, now, platforms=self.platforms, warnings=warnings)
                for warning in warnings:
                    log.warning("incident %s: %s", incident.reference, warning)
                incident.escalation_level += 1
                incident.reminded = False
                log.info(
                    "incident %s escalated (level %d)",
                    incident.reference,
                    incident.escalation_level,
                )
            else:
                audit.record(
                    session,
                    action="escalation_exhausted",
                    actor="system",
                    at=now,
                    incident_id=incident.id,
                )
                await self._send_reminders(session, incident, now)
                incident.reminded = True
                log.warning(
                    "incident %s: still unacknowledged and nobody left to escalate to",
                    incident.reference,
                )
            incident.notified_at = now
            done += 1
        wait = self.escalate_after if incident.reminded else self.reminder_after
        incident.next_check_at = incident.notified_at + wait
        return done

    async def _send_reminders(
        self, session: AsyncSession, incident: Incident, now: datetime
    ) -> None:
        waited = int((now - incident.created_at).total_seconds() // 60)
        sent = []
        for row, recipient in await self._reachable_handlers(session, incident):
            enqueue(
                session,
                kind="reminder",
                recipient=recipient,
                now=now,
                incident_id=incident.id,
                payload={
                    "roles": _role_labels(row.roles),
                    "waiting_minutes": waited,
                },
            )
            sent.append(row.person_id)
        audit.record(
            session,
            action="reminder_sent",
            actor="system",
            at=now,
            incident_id=incident.id,
            data={"to": sent},
        )


def _no_such_report(reference: str) -> str:
    """The one answer for a report that does not exist and one the person may not see."""
    return f"There is no report {reference} that you can see. Please check the reference."


def _refusal(incident: Incident, actor: Actor, person: Person | None, verb: str) -> str:
    """Why the person may not ``verb`` the report: to its reporter, what they can do
    instead; to anyone else, the same words as for a report that does not exist."""
    if not is_reporter(incident, actor, person):
        return _no_such_report(incident.reference)
    ref = incident.reference
    note = f" or add information to it (“note {ref} …”)" if incident.state != "closed" else ""
    doing = {"view details of": "read its details", "add a note to": "add notes to it"}
    return (
        f"You made report {ref}: you can see its status (“my reports”){note}, but only the "
        f"people it was sent to can {doing.get(verb, verb + ' it')}."
    )


def _required_text(text: str, limit: int, name: str, missing: str) -> str:
    """``text`` stripped; :class:`InvalidInput` (``missing``) if empty or too long."""
    text = text.strip()
    if not text:
        raise InvalidInput(missing)
    if len(text) > limit:
        raise InvalidInput(f"{name} can be at most {limit} characters.")
    return text


def _audit_handler(
    session: AsyncSession,
    action: str,
    actor: Actor,
    person: Person,
    incident: Incident,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Audit something a handler did to (or saw of) an incident."""
    audit.record(
        session,
        action=action,
        actor=actor.key,
        actor_name=person.name,
        actor_person_id=person.id,
        at=now,
        incident_id=incident.id,
        data=data,
    )


def _role_labels(roles: str) -> list[str]:
    """Display labels of a stored comma-separated role list."""
    return [role_label(r) for r in roles.split(",") if r]


@dataclass(frozen=True)
class _Refusal:
    """Who was refused what (plain values: ORM objects expire when the attempt rolls back)."""

    actor_key: str
    actor_name: str
    person_id: int | None
    incident_id: int
    reference: str

    @classmethod
    def of(cls, actor: Actor, incident: Incident, person: Person | None) -> _Refusal:
        return cls(
            actor.key,
            person.name if person else actor.display_name,
            person.id if person else None,
            incident.id,
            incident.reference,
        )


def _summary(incident: Incident) -> IncidentSummary:
    return IncidentSummary(
        reference=incident.reference,
        academy_id=incident.academy_id,
        academy_name=incident.academy_name,
        category=incident.category,
        category_label=CATEGORY_LABELS.get(incident.category, incident.category),
        urgency=incident.urgency,
        child_involved=incident.child_involved,
        sexual_imagery=incident.sexual_imagery,
        immediate_risk=bool((incident.details or {}).get("immediate_risk")),
        state=incident.state,
        created_at=incident.created_at,
        updated_at=incident.updated_at,
        acknowledged_by=incident.acknowledged_by,
        closed_by=incident.closed_by,
        last_actor=incident.last_actor,
    )
