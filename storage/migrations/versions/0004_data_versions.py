"""data versions, for caches of derived figures; indexes for the newest deal date and late advances

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_versions")),
    )
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex, "version": 0}])
    op.create_index("ix_deals_created", "deals", ["created_on"], unique=False)
    op.create_index("ix_stage_changes_advanced", "stage_changes", ["advanced_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stage_changes_advanced", table_name="stage_changes")
    op.drop_index("ix_deals_created", table_name="deals")
    op.drop_table("data_versions")
