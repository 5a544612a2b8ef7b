"""a stage stay ends at the deal's close at the latest: re-derive the stays of closed deals with several changes

Before, a stay ran to the next stage entry even when that came after the close, so a stage change recorded late
could change what an earlier as-of saw. Only closed deals with two or more stage changes can have such a stay;
their derived columns are worked out again by the one rule (`storage.rollups.derive_stays`), in batches, writing
only the rows that change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from storage.program import load_config
    from storage.rollups import refresh_stage_stays

    session = Session(bind=op.get_bind())
    ids = list(
        session.execute(
            sa.text(
                "SELECT s.deal_id FROM stage_changes s JOIN deals d ON d.id = s.deal_id "
                "WHERE d.outcome IN ('won', 'lost') AND d.closed_on IS NOT NULL "
                "GROUP BY s.deal_id HAVING count(*) > 1"
            )
        ).scalars()
    )
    if ids:
        refresh_stage_stays(session, deal_ids=ids, config=load_config(session))
    session.flush()


def downgrade() -> None:
    pass  # the stays stay as the newer rule derived them; nothing to undo in the schema
