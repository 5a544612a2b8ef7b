"""the deal's attribution on each stage change, and an entries index that holds every column entries read

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ENTRIES = ["entered_at", "first_entry", "terminal", "stage", "is_partner", "attribution", "advanced_at", "partner_id"]


def upgrade() -> None:
    op.add_column("stage_changes", sa.Column("attribution", sa.String(length=20), nullable=True))
    # both stores take UPDATE … FROM (SQLite since 3.33)
    op.execute(
        "UPDATE stage_changes SET attribution = deals.attribution FROM deals WHERE deals.id = stage_changes.deal_id"
    )
    op.drop_index("ix_stage_changes_entered", table_name="stage_changes")
    op.create_index("ix_stage_changes_entered", "stage_changes", ENTRIES, unique=False)


def downgrade() -> None:
    op.drop_index("ix_stage_changes_entered", table_name="stage_changes")
    op.create_index(
        "ix_stage_changes_entered", "stage_changes", ["entered_at", "first_entry", "stage", "is_partner"], unique=False
    )
    with op.batch_alter_table("stage_changes") as batch_op:
        batch_op.drop_column("attribution")
