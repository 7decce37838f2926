"""Delivery guarantees: a submission key per incident, and outbox rows whose send may have
happened (a timeout, or a worker that died mid-send) so the next attempt checks first.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint("uq_incidents_submission_key", ["submission_key"])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("maybe_sent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_outbox_claimed_by", ["claimed_by"], unique=False)
        batch_op.create_index("ix_outbox_recipient", ["platform", "address", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recipient")
        batch_op.drop_index("ix_outbox_claimed_by")
        batch_op.drop_column("maybe_sent")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint("uq_incidents_submission_key", type_="unique")
        batch_op.drop_column("submission_key")
