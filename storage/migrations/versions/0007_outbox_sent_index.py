"""find a sent message by where Slack put it (channel, ts): alert buttons and modals carry only those ids

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_sent", "outbox", ["sent_channel", "sent_ts"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_sent", table_name="outbox")
