"""Survey scores for PSAT."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.model import Scope
from reports.stats import Distribution
from reports.timeframe import Window, trailing
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


def load_scores_by_partner(
    session: Session, *, scope: Scope, window: Window, config: ProgramConfig
) -> dict[int, Distribution]:
    """partner id → its survey scores with a response day in the window."""
    first, end = window.day_bounds(config.tz)
    rows = session.execute(
        select(Survey.partner_id, Survey.score, func.count())
        .where(Survey.responded_on >= first, Survey.responded_on < end, partner_scope(Survey.partner_id, scope))
        .group_by(Survey.partner_id, Survey.score)
    )
    pairs: dict[int, list[tuple[float, int]]] = {}
    for pid, score, n in rows:
        pairs.setdefault(pid, []).append((float(score), n))
    return {pid: Distribution.from_pairs(items) for pid, items in pairs.items()}
