"""webhook event ids are unique per source: the same id from two sources is two events

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = "source, event_id, received_at"


def _table(primary_key: tuple[str, ...]) -> None:
    op.create_table(
        "ingested_events",
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*primary_key, name=op.f("pk_ingested_events")),
    )


def _rebuild(primary_key: tuple[str, ...]) -> None:
    """Copy aside, recreate with the new key, copy back: portable across both stores (SQLite cannot alter a key)."""
    op.execute(f"CREATE TABLE ingested_events_copy AS SELECT {COLUMNS} FROM ingested_events")
    op.drop_table("ingested_events")
    _table(primary_key)
    op.execute(f"INSERT INTO ingested_events ({COLUMNS}) SELECT {COLUMNS} FROM ingested_events_copy")
    op.drop_table("ingested_events_copy")


def upgrade() -> None:
    _rebuild(("source", "event_id"))


def downgrade() -> None:
    # ids that two sources share cannot both stay under the old key: the later copies are dropped
    op.execute(
        "DELETE FROM ingested_events WHERE EXISTS (SELECT 1 FROM ingested_events o WHERE o.event_id = "
        "ingested_events.event_id AND (o.received_at, o.source) < (ingested_events.received_at, ingested_events.source))"
    )
    _rebuild(("event_id",))
