"""Stage-stay aggregates for pipeline health: velocity, conversion, stalls and movement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.kpis.pipeline import DIRECT, PARTNER, OpenDeal, StageStays
from reports.model import Scope
from reports.stats import Distribution
from reports.timeframe import shift_days, trailing
from storage.models import PARTNER_ATTRIBUTIONS, Deal, Partner, StageChange
from storage.sql import partner_scope

MOVEMENT_DAYS = 14


def _scoped_stays(scope: Scope, *, with_direct: bool) -> ColumnElement[bool]:
    partner_side = and_(StageChange.is_partner, partner_scope(StageChange.partner_id, scope))
    return or_(~StageChange.is_partner, partner_side) if with_direct else partner_side


def open_stays(as_of: datetime) -> ColumnElement[bool]:
    """The stay each deal was in at as-of, for deals open then."""
    return and_(
        StageChange.entered_at < as_of,
        or_(StageChange.left_at.is_(None), StageChange.left_at >= as_of),
        ~StageChange.terminal,
    )


def load_stage_stays(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> StageStays:
    """Completed, non-terminal stays that ended in the trailing 365 days, as tenths-of-a-day distributions."""
    window = trailing(as_of, 365, config.tz)
    pairs: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for stage, is_partner, tenths, n in session.execute(
        select(StageChange.stage, StageChange.is_partner, StageChange.stay_tenths, func.count())
        .where(
            StageChange.left_at >= window.start,
            StageChange.left_at < window.end,
            ~StageChange.terminal,
            _scoped_stays(scope, with_direct=True),
        )
        .group_by(StageChange.stage, StageChange.is_partner, StageChange.stay_tenths)
    ):
        if tenths is not None:
            pairs[(stage, PARTNER if is_partner else DIRECT)].append((float(tenths), n))
    return StageStays({key: Distribution.from_pairs(values) for key, values in pairs.items()})


def load_stage_entries(
    session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig
) -> dict[tuple[str, str], tuple[int, int]]:
    """(stage, attribution) → (deals first entering it in the trailing 365 days, of those advanced by as-of)."""
    window = trailing(as_of, 365, config.tz)
    advanced = case((and_(StageChange.advanced_at.is_not(None), StageChange.advanced_at < as_of), 1))
    rows = session.execute(
        select(StageChange.stage, Deal.attribution, func.count(), func.count(advanced))
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(
            StageChange.entered_at >= window.start,
            StageChange.entered_at < window.end,
            StageChange.first_entry,
            ~StageChange.terminal,
            _scoped_stays(scope, with_direct=True),
        )
        .group_by(StageChange.stage, Deal.attribution)
    )
    pipeline = {s.casefold() for s in config.pipeline_stages}
    return {(stage, attribution): (n, moved) for stage, attribution, n, moved in rows if stage.casefold() in pipeline}


def load_open_stages(session: Session, *, scope: Scope, as_of: datetime) -> set[str]:
    rows = session.execute(
        select(StageChange.stage).where(open_stays(as_of), _scoped_stays(scope, with_direct=False)).distinct()
    )
    return set(rows.scalars())


def _stalled_condition(thresholds: Mapping[str, float], as_of: datetime) -> ColumnElement[bool]:
    return or_(
        *[
            and_(StageChange.stage == stage, StageChange.entered_at < as_of - timedelta(days=days))
            for stage, days in sorted(thresholds.items())
        ]
    )


def load_stalled(
    session: Session, *, scope: Scope, as_of: datetime, thresholds: Mapping[str, float], limit: int = 5
) -> tuple[dict[str, tuple[int, int]], list[OpenDeal]]:
    """Open partner deals past their stage's stall threshold: per-stage (count, amount) and the largest ones."""
    if not thresholds:
        return {}, []
    where = (
        open_stays(as_of),
        _scoped_stays(scope, with_direct=False),
        _stalled_condition(thresholds, as_of),
    )
    counts = {
        stage: (n, int(amount or 0))
        for stage, n, amount in session.execute(
            select(StageChange.stage, func.count(), func.sum(Deal.amount_base_minor))
            .join(Deal, Deal.id == StageChange.deal_id)
            .where(*where)
            .group_by(StageChange.stage)
        )
    }
    largest = [
        OpenDeal(
            row.id,
            row.external_id,
            row.name,
            row.account,
            row.partner_name,
            row.attribution,
            row.stage,
            row.entered_at,
            row.amount_base_minor,
            row.owner_email,
        )
        for row in session.execute(
            select(
                Deal.id,
                Deal.external_id,
                Deal.name,
                Deal.account,
                Partner.name.label("partner_name"),
                Deal.attribution,
                StageChange.stage,
                StageChange.entered_at,
                Deal.amount_base_minor,
                Deal.owner_email,
            )
            .join(Deal, Deal.id == StageChange.deal_id)
            .join(Partner, Partner.id == Deal.partner_id)
            .where(*where)
            .order_by(func.coalesce(Deal.amount_base_minor, 0).desc(), StageChange.entered_at, Deal.external_id)
            .limit(limit)
        )
    ]
    return counts, largest


def load_pipeline_movement(
    session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig
) -> tuple[int, int, int, int]:
    """(open partner amount, open partner deals, amount that moved stage in 14 days, deals that moved)."""
    since = shift_days(as_of, -MOVEMENT_DAYS, config.tz)
    moved = and_(StageChange.entered_at >= since, StageChange.seq > 1)
    row = session.execute(
        select(
            func.coalesce(func.sum(Deal.amount_base_minor), 0),
            func.count(),
            func.coalesce(func.sum(case((moved, Deal.amount_base_minor))), 0),
            func.count(case((moved, 1))),
        )
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(
            open_stays(as_of),
            _scoped_stays(scope, with_direct=False),
            Deal.attribution.in_(PARTNER_ATTRIBUTIONS),
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])
