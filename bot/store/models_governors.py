"""Tables for governors' reports, retention tombstones and the questions-by-topic log.

- ``governor_reports``: each monitoring report or annual review pack made, kept as it was
  delivered (HTML and PDF) so a link opens exactly what governors were sent;
- ``incident_tombstones``: what is left of an incident removed by the retention rule;
- ``trust_contacts``: trust-level roles (``board`` members, the trust ``policy_owner``);
- ``link_keys``: the secret that signs report links (made on first use, shared by every
  process through the database);
- ``question_topics``: one row per question answered in chat: when, which rule, the
  verdict. Never the words asked or who asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class GovernorReport(Base):
    """A report as generated: ``kind`` is ``monitoring`` or ``review``; ``scope`` an academy
    id or ``""`` for the whole trust."""

    __tablename__ = "governor_reports"
    __table_args__ = (
        UniqueConstraint("kind", "scope", "period_start", "period_end", name="uq_governor_report"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    created_at: Mapped[datetime]
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)


class IncidentTombstone(Base):
    """An incident deleted after its retention period: reference, dates and category only."""

    __tablename__ = "incident_tombstones"

    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    academy_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime]


class TrustContact(Base):
    """A trust-level role: ``board`` (Board contacts) or ``policy_owner``."""

    __tablename__ = "trust_contacts"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )


class LinkKey(Base):
    """The secret report links are signed with (one row)."""

    __tablename__ = "link_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class QuestionTopic(Base):
    """A question answered: when, the rule it was answered from (None: not covered) and
    the verdict. No text and no person."""

    __tablename__ = "question_topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    rule_id: Mapped[str | None] = mapped_column(String(128))
    verdict: Mapped[str] = mapped_column(String(16))
