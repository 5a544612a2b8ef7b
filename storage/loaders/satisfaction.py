"""Survey scores for PSAT."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.model import Scope
from reports.stats import Distribution
from reports.timeframe import trailing
from storage.models import Survey
from storage.sql import partner_scope


def load_scores(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> Distribution:
    first, end = trailing(as_of, 365, config.tz).day_bounds(config.tz)
    rows = session.execute(
        select(Survey.score, func.count())
        .where(Survey.responded_on >= first, Survey.responded_on < end, partner_scope(Survey.partner_id, scope))
        .group_by(Survey.score)
    )
    return Distribution.from_pairs((float(score), n) for score, n in rows)
