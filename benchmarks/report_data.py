"""A seeded term of incidents, deliveries and questions for the report tests and benchmark.

Everything a governors' report must never show is planted with a recognisable marker:
reporter, handler and child names, summaries, details and notes all contain ``SECRET``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.incidents.types import CATEGORY_LABELS, URGENCY_LABELS
from bot.store.db import Database
from bot.store.models import Academy, AuditEvent, Incident, IncidentNote, OutboxMessage
from bot.store.models_governors import QuestionTopic

MARKER = "SECRET"
RULES = (
    "appropriate.block-pupils",
    "appropriate.report-pupil-contact",
    "education.photos-consent",
    "roles.report-misuse",
    "personal.own-children-at-school",
    "appropriate.privacy-settings",
)


@dataclass(frozen=True)
class Seeded:
    """What was written, for checking the reports against."""

    incidents: int
    start: datetime
    end: datetime
    unanswered_log: Path


async def seed(
    database: Database,
    *,
    academies: list[str],
    incidents: int,
    start: datetime,
    days: int,
    unanswered_log: Path,
    questions: int = 200,
    seed_value: int = 7,
) -> Seeded:
    """Insert ``incidents`` spread over ``days`` from ``start`` (and as many again in the
    ``days`` before, so the previous period has data), with notes, reminders, dead outbox
    rows, answered questions and an unanswered-question log."""
    rng = random.Random(seed_value)
    cats = list(CATEGORY_LABELS)
    urgencies = list(URGENCY_LABELS)
    async with database.transaction() as session:
        for a in academies:
            if await session.get(Academy, a) is None:
                session.add(Academy(id=a, name=f"{a.title()} Academy", updated_at=start))
        await session.flush()
        first = start - timedelta(days=days)
        rows = []
        for i in range(incidents * 2):
            # the first half in the previous period, the second half in this one
            base = first if i < incidents else start
            created = base + timedelta(seconds=rng.randrange(days * 86400))
            acked = (
                created + timedelta(minutes=rng.randrange(5, 600)) if rng.random() < 0.85 else None
            )
            closed = (
                acked + timedelta(hours=rng.randrange(1, 300))
                if acked and rng.random() < 0.7
                else None
            )
            state = "closed" if closed else ("acknowledged" if acked else "open")
            rows.append(
                {
                    "reference": f"SM-{created.year}-{i + 1:05d}",
                    "academy_id": academies[i % len(academies)],
                    "academy_name": f"{academies[i % len(academies)].title()} Academy",
                    "category": rng.choice(cats),
                    "urgency": rng.choice(urgencies),
                    "child_involved": rng.random() < 0.4,
                    "concerns_headteacher": rng.random() < 0.05,
                    "sexual_imagery": False,
                    "summary": f"{MARKER}-SUMMARY pupil Jack {MARKER}son posted about Mrs {MARKER}",
                    "details": {"platform": "Snapchat", "who": f"{MARKER}-CHILD-NAME Year 9"},
                    "state": state,
                    "outcome": f"{MARKER}-OUTCOME parents called" if closed else None,
                    "reporter_platform": "console",
                    "reporter_user_id": f"{MARKER.lower()}reporter",
                    "reporter_name": f"{MARKER}-REPORTER Tom",
                    "created_at": created,
                    "updated_at": closed or acked or created,
                    "acknowledged_at": acked,
                    "acknowledged_by": f"{MARKER}-HANDLER Jane" if acked else None,
                    "closed_at": closed,
                    "closed_by": f"{MARKER}-HANDLER Jane" if closed else None,
                    "notified_at": created,
                    "reminded": False,
                    "escalation_level": 1 if rng.random() < 0.1 else 0,
                    "next_check_at": None,
                }
            )
        await session.execute(insert(Incident), rows)
        ids = list(
            await session.execute(select(Incident.id, Incident.created_at).order_by(Incident.id))
        )
        notes, events, outbox = [], [], []
        for incident_id, created in ids:
            if rng.random() < 0.3:
                notes.append(
                    {
                        "incident_id": incident_id,
                        "author_name": f"{MARKER}-HANDLER Jane",
                        "text": f"{MARKER}-NOTE spoke to the child's mother",
                        "created_at": created + timedelta(hours=2),
                    }
                )
            if rng.random() < 0.2:
                events.append(
                    {
                        "at": created + timedelta(hours=1),
                        "action": "reminder_sent",
                        "actor": "system",
                        "actor_name": "",
                        "incident_id": incident_id,
                        "data": {"to": [1]},
                    }
                )
            if rng.random() < 0.03:
                outbox.append(
                    {
                        "kind": "escalation",
                        "platform": "slack",
                        "address": "U0GONE",
                        "recipient_name": f"{MARKER}-RECIPIENT",
                        "incident_id": incident_id,
                        "payload": {},
                        "state": "dead",
                        "attempts": 8,
                        "next_attempt_at": created,
                        "created_at": created,
                    }
                )
        for table, batch in ((IncidentNote, notes), (AuditEvent, events), (OutboxMessage, outbox)):
            if batch:
                await session.execute(insert(table), batch)
        qrows = []
        for _ in range(questions * 2):
            at = first + timedelta(seconds=rng.randrange(days * 2 * 86400))
            rule = rng.choice(RULES) if rng.random() < 0.9 else None
            qrows.append({"at": at, "rule_id": rule, "verdict": "allowed" if rule else "no_match"})
        await session.execute(insert(QuestionTopic), qrows)
    lines = []
    for i in range(questions // 4):
        at = start + timedelta(seconds=rng.randrange(days * 86400))
        closest = [rng.choice(RULES)] if i % 5 else []
        lines.append(
            json.dumps(
                {
                    "at": at.isoformat(timespec="seconds"),
                    "question": f"can I message {MARKER}-ASKED Jack's mum on whatsapp {i % 7}",
                    "closest": closest,
                }
            )
        )
    unanswered_log.parent.mkdir(parents=True, exist_ok=True)
    unanswered_log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Seeded(incidents, start, start + timedelta(days=days), unanswered_log)


def term_start() -> datetime:
    """The seeded term's first day (the previous period is the same length before it)."""
    return datetime(2026, 9, 1, tzinfo=UTC)
