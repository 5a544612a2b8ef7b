"""table versions: per data table, the data version of its last change, so a write to one table keeps the cached
figures read from the others

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "table_versions",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_table_versions")),
    )
    # every table as last changed at the current version; a table without a row (one added later) counts as changed
    # at every version until a commit writes it
    bind = op.get_bind()
    current = bind.execute(sa.text("SELECT version FROM data_versions WHERE id = 1")).scalar()
    names = sorted(set(sa.inspect(bind).get_table_names()) - {"alembic_version", "table_versions"})
    op.bulk_insert(table, [{"name": name, "version": int(current or 0)} for name in names])


def downgrade() -> None:
    op.drop_table("table_versions")
