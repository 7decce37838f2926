"""The Headteacher's duties: read-and-understood campaigns, official accounts, checks.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 09:08:21.598840
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("academy_id", sa.String(length=64), nullable=True),
        sa.Column("academy_name", sa.String(length=200), nullable=False),
        sa.Column("kb_version", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("audience_platform", sa.String(length=16), nullable=False),
        sa.Column("audience_ref", sa.String(length=300), nullable=False),
        sa.Column("audience_label", sa.String(length=300), nullable=False),
        sa.Column("started_by", sa.String(length=250), nullable=False),
        sa.Column("started_by_name", sa.String(length=200), nullable=False),
        sa.Column("started_by_person_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_every_hours", sa.Integer(), nullable=False),
        sa.Column("max_reminders", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["started_by_person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaigns_audience_ref"), ["audience_ref"], unique=False
        )

    op.create_table(
        "official_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("academy_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=60), nullable=False),
        sa.Column("handle", sa.String(length=500), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("pupils_use", sa.Boolean(), nullable=False),
        sa.Column("official_email", sa.String(length=320), nullable=False),
        sa.Column("code_of_behaviour", sa.Boolean(), nullable=False),
        sa.Column("about_page_links", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by_person_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("request_reminders", sa.Integer(), nullable=False),
        sa.Column("next_request_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("flag_reason", sa.Text(), nullable=True),
        sa.Column("last_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["academy_id"],
            ["academies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("official_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_official_accounts_academy_id"), ["academy_id"], unique=False
        )
        batch_op.create_index(
            "ix_official_accounts_state_check", ["state", "next_check_at"], unique=False
        )

    op.create_table(
        "account_administrators",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["official_accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "person_id"),
    )
    with op.batch_alter_table("account_administrators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_administrators_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "account_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("checker_person_id", sa.Integer(), nullable=True),
        sa.Column("checker_name", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_name", sa.String(length=200), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["official_accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["checker_person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_checks_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index("ix_account_checks_due", ["state", "next_reminder_at"], unique=False)

    op.create_table(
        "campaign_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("academy_id", sa.String(length=64), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dropped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "platform", "user_id", name="uq_campaign_members_who"),
    )
    with op.batch_alter_table("campaign_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_members_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            "ix_campaign_members_due", ["state", "next_reminder_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("campaign_members", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_members_due")
        batch_op.drop_index(batch_op.f("ix_campaign_members_campaign_id"))

    op.drop_table("campaign_members")
    with op.batch_alter_table("account_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_account_checks_due")
        batch_op.drop_index(batch_op.f("ix_account_checks_account_id"))

    op.drop_table("account_checks")
    with op.batch_alter_table("account_administrators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_administrators_person_id"))

    op.drop_table("account_administrators")
    with op.batch_alter_table("official_accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_official_accounts_state_check")
        batch_op.drop_index(batch_op.f("ix_official_accounts_academy_id"))

    op.drop_table("official_accounts")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_audience_ref"))

    op.drop_table("campaigns")
