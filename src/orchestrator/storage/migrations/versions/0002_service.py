"""ticket delivery to an external ticketing system

Revision ID: 0002_service
Revises: 0001
Create Date: 2026-11-21 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_service"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivery", sa.String(length=16), server_default="local", nullable=False)
        )
        batch_op.add_column(sa.Column("external_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("delivery_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("delivery_error", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_delivery"), ["delivery"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_delivery"))
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("delivery_error")
        batch_op.drop_column("delivery_attempts")
        batch_op.drop_column("external_ref")
        batch_op.drop_column("delivery")
