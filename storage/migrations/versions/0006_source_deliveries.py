"""when each source last delivered each kind of record

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing is backfilled: a store upgraded to this has no deliveries until its next import or API batch, and
    # until then it is never called stale (see reports/freshness.py).
    op.create_table(
        "source_deliveries",
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("delivered_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "kind", name=op.f("pk_source_deliveries")),
    )


def downgrade() -> None:
    op.drop_table("source_deliveries")
