"""attribution trace, disputes and holds: why a deal is sourced, influenced or direct, who questioned it, and the
decisions later imports must not undo silently

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attribution_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("attribution", sa.String(length=20), nullable=False),
        sa.Column("previous", sa.String(length=20), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("previous_partner_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("field", sa.String(length=300), nullable=True),
        sa.Column("raw_value", sa.String(length=300), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("changed_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_attribution_changes_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribution_changes")),
    )
    op.create_index(op.f("ix_attribution_changes_deal_id_changed_at"), "attribution_changes", ["deal_id", "changed_at"])
    op.create_table(
        "attribution_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("attribution", sa.String(length=20), nullable=False),
        sa.Column("proposed", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.String(length=40), nullable=False),
        sa.Column("opened_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("decided_attribution", sa.String(length=20), nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'accepted', 'rejected')", name=op.f("ck_attribution_disputes_status")),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_attribution_disputes_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribution_disputes")),
    )
    op.create_index(op.f("ix_attribution_disputes_deal_id"), "attribution_disputes", ["deal_id"])
    op.create_index(op.f("ix_attribution_disputes_partner_id_status"), "attribution_disputes", ["partner_id", "status"])
    op.create_table(
        "attribution_holds",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("attribution", sa.String(length=20), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_attribution_holds_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("deal_id", name=op.f("pk_attribution_holds")),
    )


def downgrade() -> None:
    op.drop_table("attribution_holds")
    op.drop_index(op.f("ix_attribution_disputes_partner_id_status"), table_name="attribution_disputes")
    op.drop_index(op.f("ix_attribution_disputes_deal_id"), table_name="attribution_disputes")
    op.drop_table("attribution_disputes")
    op.drop_index(op.f("ix_attribution_changes_deal_id_changed_at"), table_name="attribution_changes")
    op.drop_table("attribution_changes")
