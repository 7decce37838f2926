"""Tables for the Headteacher's duties (issue 15): "read and understood" campaigns and the
register of official school accounts with their administrators and regular checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base

# --- "read and understood" campaigns ---------------------------------------------------


class Campaign(Base):
    """A request to staff to confirm they have read and understood one policy version."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    academy_id: Mapped[str | None] = mapped_column(String(64))  # None = the whole trust
    academy_name: Mapped[str] = mapped_column(String(200))
    kb_version: Mapped[str] = mapped_column(String(64))
    #: what each person is sent: the KB entries' topics and words at the start (see summary.py)
    summary: Mapped[dict[str, Any]]
    audience: Mapped[str] = mapped_column(String(16))  # "trust_file" | "group"
    audience_platform: Mapped[str] = mapped_column(String(16), default="")
    audience_ref: Mapped[str] = mapped_column(String(300), default="", index=True)
    audience_label: Mapped[str] = mapped_column(String(300), default="")
    started_by: Mapped[str] = mapped_column(String(250))
    started_by_name: Mapped[str] = mapped_column(String(200))
    started_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    started_at: Mapped[datetime]
    remind_every_hours: Mapped[int] = mapped_column(Integer)
    max_reminders: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="active")  # "active" | "ended"
    ended_at: Mapped[datetime | None]
    #: when the starter is sent the completion report (after the last reminders), and when
    #: it was sent (also when everyone confirmed first)
    report_due_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]


class CampaignMember(Base):
    """One person a campaign asked, on the platform it reached them on."""

    __tablename__ = "campaign_members"
    __table_args__ = (
        UniqueConstraint("campaign_id", "platform", "user_id", name="uq_campaign_members_who"),
        Index("ix_campaign_members_due", "state", "next_reminder_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    academy_id: Mapped[str | None] = mapped_column(String(64))  # the person's home academy
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(200))
    # "outstanding" | "confirmed" | "dropped" (left the channel/team before confirming)
    state: Mapped[str] = mapped_column(String(16), default="outstanding")
    asked_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    dropped_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_reminder_at: Mapped[datetime | None]


# --- official school accounts ----------------------------------------------------------


class OfficialAccount(Base):
    """A request for, and once approved the register entry of, an official school account."""

    __tablename__ = "official_accounts"
    __table_args__ = (Index("ix_official_accounts_state_check", "state", "next_check_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    academy_id: Mapped[str] = mapped_column(ForeignKey("academies.id"), index=True)
    platform: Mapped[str] = mapped_column(String(60))
    handle: Mapped[str] = mapped_column(String(500))  # handle or URL as given
    purpose: Mapped[str] = mapped_column(Text)
    pupils_use: Mapped[bool] = mapped_column(Boolean)
    official_email: Mapped[str] = mapped_column(String(320))
    code_of_behaviour: Mapped[bool] = mapped_column(Boolean)
    about_page_links: Mapped[bool] = mapped_column(Boolean)
    # "requested" | "approved" | "declined" | "closed"
    state: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    requested_by_name: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime]
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    request_reminders: Mapped[int] = mapped_column(Integer, default=0)
    next_request_reminder_at: Mapped[datetime | None]
    # fewer than two administrators left (someone left the directory): needs attention
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    last_check_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None]


class AccountAdministrator(Base):
    """A member of staff who administers and monitors an official account."""

    __tablename__ = "account_administrators"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("official_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime]


class AccountCheck(Base):
    """One regular check of an official account by the nominated responsible person."""

    __tablename__ = "account_checks"
    __table_args__ = (Index("ix_account_checks_due", "state", "next_reminder_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("official_accounts.id", ondelete="CASCADE"), index=True
    )
    checker_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    checker_name: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="open")  # "open" | "done"
    answers: Mapped[dict[str, Any]]
    completed_at: Mapped[datetime | None]
    completed_by_name: Mapped[str | None] = mapped_column(String(200))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    next_reminder_at: Mapped[datetime | None]
