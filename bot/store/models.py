"""ORM models (SQLAlchemy 2 typed style). The schema itself is built by the migrations.

Tables: the trust directory (academies, people, identities, academy_roles), incidents with
their recipients, notes and an append-only audit trail, the outbox, reference counters and
conversation state. All timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored with its zone and always read back as aware UTC (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use a tz-aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every policybot table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


# --- trust directory -------------------------------------------------------------------


class Academy(Base):
    """An academy of the trust; ``id`` is the short slug used in configs and reports."""

    __tablename__ = "academies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class Person(Base):
    """A member of staff or governor; ``key`` is the stable id from the trust config."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    is_trust_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    academy_id: Mapped[str | None] = mapped_column(
        ForeignKey("academies.id", ondelete="SET NULL"), index=True
    )  # home academy (the report dialog's default); None for trust-wide staff
    updated_at: Mapped[datetime]


class Identity(Base):
    """One chat identity of a person: (platform, user id) is unique across the trust."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_identities_platform_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(200))


class AcademyRole(Base):
    """Who holds a role (headteacher, dsl, deputy_dsl, chair) at an academy."""

    __tablename__ = "academy_roles"

    academy_id: Mapped[str] = mapped_column(
        ForeignKey("academies.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)


# --- incidents -------------------------------------------------------------------------


class ReferenceCounter(Base):
    """The last reference number issued per year (``SM-2026-0042``)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Incident(Base):
    """A stored report. ``summary``/``details`` are shown only to entitled people."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_state_next_check", "state", "next_check_at"),
        Index("ix_incidents_reporter", "reporter_platform", "reporter_user_id"),
        UniqueConstraint("submission_key", name="uq_incidents_submission_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    #: what the reporter's client sent it under (form, card, draft): a resend finds this row
    submission_key: Mapped[str | None] = mapped_column(String(200))
    academy_id: Mapped[str] = mapped_column(String(64))  # as reported; may be unknown or ""
    academy_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(16))
    child_involved: Mapped[bool] = mapped_column(Boolean)
    concerns_headteacher: Mapped[bool] = mapped_column(Boolean)
    sexual_imagery: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(Text)
    reporter_platform: Mapped[str] = mapped_column(String(16))
    reporter_user_id: Mapped[str] = mapped_column(String(200))
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(200))
    last_actor: Mapped[str | None] = mapped_column(String(200))
    # reminders/escalation: last time someone new was told, whether reminded since then,
    # and when the worker should next look at this incident (None = nothing due)
    notified_at: Mapped[datetime]
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[datetime | None]


class IncidentRecipient(Base):
    """A person an incident was routed or escalated to: they may read and act on it."""

    __tablename__ = "incident_recipients"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated role names
    reason: Mapped[str] = mapped_column(String(16))  # "routed" | "escalated" | "fallback"
    added_at: Mapped[datetime]


class IncidentNote(Base):
    """A note added by a handler."""

    __tablename__ = "incident_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    author_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only: who did what, when (changes, notes, details views, deliveries)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(250))  # "slack:U123", "system", "worker"
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(Integer, index=True)
    data: Mapped[dict[str, Any]]


# --- outbox ----------------------------------------------------------------------------


class OutboxMessage(Base):
    """A notification waiting for (or past) delivery; written with its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_claimed_by", "claimed_by"),
        Index("ix_outbox_recipient", "platform", "address", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(200))
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    payload: Mapped[dict[str, Any]]
    thread_key: Mapped[str | None] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    #: an attempt may have reached the platform (timed out, or its worker died mid-send):
    #: the next attempt first looks whether it did
    maybe_sent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_error: Mapped[str | None] = mapped_column(Text)
    message_ref: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


# --- conversations ---------------------------------------------------------------------


class ConversationRecord(Base):
    """Chat or dialog state by key, with an optimistic version."""

    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    state: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


from bot.store import models_governors as _models_governors  # noqa: E402,F401
from bot.store import models_head as _models_head  # noqa: E402,F401
