"""a message's post and each of its files are separate recorded steps; an unsure post is looked for before a resend

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows already sent keep their ts; rows still pending start with no attempt on record, as before.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("post_tried_at", storage.types.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("post_unsure", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    with op.batch_alter_table("outbox_files") as batch:
        batch.add_column(sa.Column("uploaded_at", storage.types.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_files") as batch:
        batch.drop_column("uploaded_at")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("post_unsure")
        batch.drop_column("post_tried_at")
