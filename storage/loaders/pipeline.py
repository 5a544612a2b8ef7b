"""Stage-stay aggregates for pipeline health: velocity, conversion, stalls and movement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.kpis.pipeline import DIRECT, PARTNER, OpenDeal, StageStays
from reports.model import Scope
from reports.stats import Distribution
from reports.timeframe import dates_before, shift_days, trailing
from storage.loaders.revenue import open_as_of, open_through_join
from storage.memo import FEW_PARTNERS, memoized, split_days
from storage.models import PARTNER_ATTRIBUTIONS, Deal, Partner, StageChange
from storage.sql import partner_scope, unindexed

MOVEMENT_DAYS = 14


def _scoped_stays(scope: Scope, *, with_direct: bool) -> ColumnElement[bool]:
    partner_side = and_(StageChange.is_partner, partner_scope(StageChange.partner_id, scope))
    return or_(~StageChange.is_partner, partner_side) if with_direct else partner_side


def open_stays(as_of: datetime) -> ColumnElement[bool]:
    """The stay each deal was in at as-of (found by when stays left: few are open). A stay can outlive its deal's
    close when the stage history stops short of a closing stage: pair it with the deal's own open rule."""
    return and_(
        unindexed(StageChange.entered_at) < as_of,
        or_(StageChange.left_at.is_(None), StageChange.left_at >= as_of),
        ~StageChange.terminal,
    )


def open_deal_stays(as_of: datetime, config: ProgramConfig) -> ColumnElement[bool]:
    """The stay at as-of of each deal open at as-of (joined to its deal)."""
    return and_(open_stays(as_of), open_through_join(dates_before(as_of, config.tz)))


@memoized
def _stay_counts(
    session: Session, *, scope: Scope, start: datetime, end: datetime
) -> tuple[tuple[str, bool, int, int], ...]:
    """(stage, is partner, stay tenths, stays) of completed, non-terminal stays that ended in [start, end)."""
    rows = session.execute(
        select(StageChange.stage, StageChange.is_partner, StageChange.stay_tenths, func.count())
        .where(
            StageChange.left_at >= start,
            StageChange.left_at < end,
            ~StageChange.terminal,
            StageChange.stay_tenths.is_not(None),
            _scoped_stays(scope, with_direct=True),
        )
        .group_by(StageChange.stage, StageChange.is_partner, StageChange.stay_tenths)
    )
    return tuple((stage, bool(is_partner), int(tenths or 0), int(n)) for stage, is_partner, tenths, n in rows)


def load_stage_stays(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> StageStays:
    """Completed, non-terminal stays that ended in the trailing 365 days, as tenths-of-a-day distributions."""
    window = trailing(as_of, 365, config.tz)
    counts: dict[tuple[str, str, float], int] = defaultdict(int)
    for start, end, whole_days in split_days(session, window.start, window.end, config.tz):
        read = _stay_counts if whole_days else _stay_counts.fresh
        for stage, is_partner, tenths, n in read(session, scope=scope, start=start, end=end):
            counts[(stage, PARTNER if is_partner else DIRECT, float(tenths))] += n
    pairs: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for (stage, side, value), n in counts.items():
        pairs[(stage, side)].append((value, n))
    return StageStays({key: Distribution.from_pairs(values) for key, values in pairs.items()})


@memoized
def _entry_counts(
    session: Session, *, scope: Scope, start: datetime, end: datetime, advanced_before: datetime
) -> tuple[tuple[str, str, int, int], ...]:
    """(stage, attribution, first entries in [start, end), of those advanced before `advanced_before`)."""
    advanced = case((and_(StageChange.advanced_at.is_not(None), StageChange.advanced_at < advanced_before), 1))
    rows = session.execute(
        select(StageChange.stage, StageChange.attribution, func.count(), func.count(advanced))
        .where(
            StageChange.entered_at >= start,
            StageChange.entered_at < end,
            StageChange.first_entry,
            ~StageChange.terminal,
            _scoped_stays(scope, with_direct=True),
        )
        .group_by(StageChange.stage, StageChange.attribution)
    )
    return tuple((stage, _derived(attribution), int(n), int(moved)) for stage, attribution, n, moved in rows)


def _late_advances(
    session: Session, scope: Scope, start: datetime, end: datetime, since: datetime, as_of: datetime
) -> tuple[tuple[str, str, int, int], ...]:
    """First entries in [start, end) that advanced in [since, as_of): the part of a cached count as-of moves."""
    rows = session.execute(
        select(StageChange.stage, StageChange.attribution, func.count())
        .where(
            StageChange.advanced_at >= since,
            StageChange.advanced_at < as_of,
            unindexed(StageChange.entered_at) >= start,
            unindexed(StageChange.entered_at) < end,
            StageChange.first_entry,
            ~StageChange.terminal,
            _scoped_stays(scope, with_direct=True),
        )
        .group_by(StageChange.stage, StageChange.attribution)
    )
    return tuple((stage, _derived(attribution), 0, int(moved)) for stage, attribution, moved in rows)


def _derived(attribution: str | None) -> str:
    """A stage change's copy of its deal's attribution: every write refreshes it in the same transaction."""
    if attribution is None:
        raise RuntimeError("a stage change has no derived attribution: its deal's stays were not refreshed")
    return attribution


def load_stage_entries(
    session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig
) -> dict[tuple[str, str], tuple[int, int]]:
    """(stage, attribution) → (deals first entering it in the trailing 365 days, of those advanced by as-of)."""
    window = trailing(as_of, 365, config.tz)
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for start, end, whole_days in split_days(session, window.start, window.end, config.tz):
        if whole_days:
            # entered in whole days, advanced before the last of them ends: fixed; later advances are read fresh
            parts = _entry_counts(session, scope=scope, start=start, end=end, advanced_before=end)
            parts += _late_advances(session, scope, start, end, end, as_of)
        else:
            parts = _entry_counts.fresh(session, scope=scope, start=start, end=end, advanced_before=as_of)
        for stage, attribution, n, moved in parts:
            totals[(stage, attribution)][0] += n
            totals[(stage, attribution)][1] += moved
    pipeline = {s.casefold() for s in config.pipeline_stages}
    return {
        (stage, attribution): (n, moved)
        for (stage, attribution), (n, moved) in totals.items()
        if stage.casefold() in pipeline and n
    }


def load_open_stages(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> set[str]:
    rows = session.execute(
        select(StageChange.stage)
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(open_deal_stays(as_of, config), _scoped_stays(scope, with_direct=False))
        .distinct()
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
    session: Session,
    *,
    scope: Scope,
    as_of: datetime,
    config: ProgramConfig,
    thresholds: Mapping[str, float],
    limit: int = 5,
) -> tuple[dict[str, tuple[int, int, int]], list[OpenDeal]]:
    """Open partner deals past their stage's stall threshold: per-stage (count, amount, deals with an amount) and
    the largest ones."""
    if not thresholds:
        return {}, []
    where = (
        open_deal_stays(as_of, config),
        _scoped_stays(scope, with_direct=False),
        _stalled_condition(thresholds, as_of),
    )
    counts = {
        stage: (n, int(amount or 0), with_amount)
        for stage, n, amount, with_amount in session.execute(
            select(
                StageChange.stage, func.count(), func.sum(Deal.amount_base_minor), func.count(Deal.amount_base_minor)
            )
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
    """(open partner amount, open partner deals, amount that moved stage in 14 days, deals that moved).

    Open means the deal's own rule (as pipeline contribution reads it), so a deal without stage history still
    counts as open, never as moved; the stay at as-of, where there is one, tells whether it moved: it was entered
    in the last 14 days and was not the deal's first.

    The open deals are a whole-day figure. The moves are read by the days they were entered in (`split_days`):
    for the whole days, the stays still open at the end of the last of them are cached, and those that left
    since, before as-of, are read fresh and taken off; the partial days at either end are read fresh. A view of
    a few partners reads in one piece (it would only crowd the cache).
    """
    tz = config.tz
    end_day = dates_before(as_of, tz)
    few = scope.partner_ids is not None and len(scope.partner_ids) <= FEW_PARTNERS
    opened = _open_partner_deals.fresh if few else _open_partner_deals
    amount, deals = opened(session, scope=scope, end_day=end_day)
    since = shift_days(as_of, -MOVEMENT_DAYS, tz)
    pieces = [(since, as_of, False)] if few else split_days(session, since, as_of, tz)
    moved_amount = moved_deals = 0
    for start, end, whole_days in pieces:
        if whole_days:
            cached = _moves(session, scope=scope, start=start, end=end, open_at=end, end_day=end_day)
            left = _moves.fresh(session, scope=scope, start=start, end=end, open_at=end, end_day=end_day, left_by=as_of)
            parts = [cached, (-left[0], -left[1])]
        else:
            parts = [_moves.fresh(session, scope=scope, start=start, end=end, open_at=as_of, end_day=end_day)]
        for part_amount, part_deals in parts:
            moved_amount += part_amount
            moved_deals += part_deals
    return amount, deals, moved_amount, moved_deals


@memoized
def _open_partner_deals(session: Session, *, scope: Scope, end_day: date) -> tuple[int, int]:
    """(amount, count) of partner deals open at the start of `end_day` by the deal's own rule."""
    row = session.execute(
        select(func.coalesce(func.sum(Deal.amount_base_minor), 0), func.count()).where(
            open_as_of(end_day), Deal.attribution.in_(PARTNER_ATTRIBUTIONS), partner_scope(Deal.partner_id, scope)
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


@memoized
def _moves(
    session: Session,
    *,
    scope: Scope,
    start: datetime,
    end: datetime,
    open_at: datetime,
    end_day: date,
    left_by: datetime | None = None,
) -> tuple[int, int]:
    """(amount, deals) of open partner deals whose stay entered in [start, end), not the deal's first, is still open
    at `open_at`; with `left_by`, of those, the ones whose stay left in [open_at, left_by) instead."""
    still_open = or_(StageChange.left_at.is_(None), StageChange.left_at >= open_at)
    left = and_(StageChange.left_at >= open_at, StageChange.left_at < left_by) if left_by is not None else still_open
    row = session.execute(
        select(func.coalesce(func.sum(Deal.amount_base_minor), 0), func.count())
        .select_from(StageChange)
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(
            StageChange.entered_at >= start,
            StageChange.entered_at < end,
            left,
            ~StageChange.terminal,
            StageChange.seq > 1,
            open_through_join(end_day),
            unindexed(Deal.attribution).in_(PARTNER_ATTRIBUTIONS),
            partner_scope(Deal.partner_id, scope),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)
