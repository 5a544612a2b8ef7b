"""partners.onboarding_source: how an onboarding date was derived when the partner data had none (NULL: given)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("partners", sa.Column("onboarding_source", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # in place (SQLite 3.35+ drops a column itself): a batch rebuild of partners would break the rows referring to it
    op.drop_column("partners", "onboarding_source")
