"""Deal aggregates for the revenue KPIs: won totals, closed-deal stats, open pipeline, per-partner revenue."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.kpis.revenue import ClosedStats, LargeDeal, OpenStats, PartnerRevenue, RevenueFacts, WonTotal
from reports.model import Scope
from reports.stats import Distribution
from reports.timeframe import (
    Window,
    as_of_day,
    dates_before,
    month_to_date,
    quarter_first_day,
    quarter_to_date,
    trailing,
)
from storage.memo import memoized
from storage.models import PARTNER_ATTRIBUTIONS, Deal, Partner
from storage.sql import day_diff, partner_scope, unindexed

DIRECT = "direct"


def scoped_deals(scope: Scope, *, with_direct: bool = True) -> ColumnElement[bool]:
    """Partner deals of the partners in scope, plus (program-wide) direct deals as the baseline."""
    partner_side = and_(Deal.attribution.in_(PARTNER_ATTRIBUTIONS), partner_scope(Deal.partner_id, scope))
    return or_(Deal.attribution == DIRECT, partner_side) if with_direct else partner_side


def open_as_of(end_day: date) -> ColumnElement[bool]:
    """Created before the as-of day boundary and not closed before it.

    Written as two index searches (open deals by outcome and creation; deals closed since, by close date) so
    that SQLite unions them rather than walking every deal created before the day (3.6 s → 0.3 s at 2M deals).
    """
    return or_(
        and_(Deal.outcome == "open", Deal.created_on < end_day),
        and_(Deal.closed_on >= end_day, unindexed(Deal.created_on) < end_day),
    )


def open_through_join(end_day: date) -> ColumnElement[bool]:
    """`open_as_of`'s rule for reads that reach deals through another table (a stage stay's deal): the same
    condition, kept off the deal indexes so the other table stays the way in."""
    return and_(
        unindexed(Deal.created_on) < end_day,
        or_(unindexed(Deal.outcome) == "open", unindexed(Deal.closed_on) >= end_day),
    )


def created_before(end_day: date) -> ColumnElement[bool]:
    """A deal exists at as-of only once created: for reads bounded by close date, checked from the close-date
    index (which holds created_on), never by a second way in."""
    return unindexed(Deal.created_on) < end_day


def won() -> ColumnElement[bool]:
    """Won deals, for reads bounded by close date: the close-date index (which holds the outcome) is the way in,
    not the outcome index, which would visit every won deal ever."""
    return unindexed(Deal.outcome) == "won"


def won_or_lost() -> ColumnElement[bool]:
    return unindexed(Deal.outcome).in_(("won", "lost"))


def revenue_windows(as_of: datetime, config: ProgramConfig) -> dict[str, Window]:
    tz = config.tz
    return {
        "month": month_to_date(as_of, tz),
        "quarter": quarter_to_date(as_of, tz),
        "trailing_365": trailing(as_of, 365, tz),
    }


RevenueRows = tuple[tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...]]
DayBounds = tuple[tuple[str, tuple[date, date]], ...]  # (window name, its [first, end) dates), by name


@memoized
def _direct_revenue_rows(session: Session, *, bounds: DayBounds, open_day: date) -> RevenueRows:
    """The program's direct deals: the same for every scope."""
    return _revenue_rows(session, Deal.attribution == DIRECT, dict(bounds), open_day)


@memoized
def _partner_revenue_rows(session: Session, *, scope: Scope, bounds: DayBounds, open_day: date) -> RevenueRows:
    return _revenue_rows(session, scoped_deals(scope, with_direct=False), dict(bounds), open_day)


def _revenue_rows(
    session: Session, scoped: ColumnElement[bool], bounds: dict[str, tuple[date, date]], open_day: date
) -> RevenueRows:
    """The three grouped reads behind RevenueFacts, for the deals `scoped` keeps (all by attribution)."""
    first, end = bounds["trailing_365"]
    closed_in_year = and_(Deal.closed_on >= first, Deal.closed_on < end, won_or_lost(), created_before(end), scoped)
    period_columns = []
    for name in ("month", "quarter", "trailing_365"):
        in_period = and_(Deal.outcome == "won", Deal.closed_on >= bounds[name][0])
        period_columns += [
            func.coalesce(func.sum(case((in_period, Deal.amount_base_minor))), 0),
            func.count(case((in_period, 1))),
        ]
    closed = session.execute(
        select(
            Deal.attribution,
            Deal.outcome,
            func.count(),
            func.coalesce(func.sum(Deal.amount_base_minor), 0),
            *period_columns,
        )
        .where(closed_in_year)
        .group_by(Deal.attribution, Deal.outcome)
    )
    duration = day_diff(Deal.closed_on, Deal.created_on)
    days = session.execute(
        select(Deal.attribution, duration, func.count())
        .where(closed_in_year, won())
        .group_by(Deal.attribution, duration)
    )
    open_ = session.execute(
        select(
            Deal.attribution,
            func.sum(Deal.amount_base_minor),
            func.count(),
            func.count(case((Deal.amount_base_minor.is_(None), 1))),
        )
        .where(open_as_of(open_day), scoped)
        .group_by(Deal.attribution)
    )
    return tuple(map(tuple, closed)), tuple(map(tuple, days)), tuple(map(tuple, open_))


def load_revenue_facts(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> RevenueFacts:
    """Won totals, closed-deal stats and open pipeline of the scope's partner deals and the program's direct ones.

    Every bound is a whole program-local day, so both parts are cached for the data version; the direct part
    is the same for every scope.
    """
    tz = config.tz
    bounds = tuple(sorted((name, window.day_bounds(tz)) for name, window in revenue_windows(as_of, config).items()))
    open_day = dates_before(as_of, tz)
    direct = _direct_revenue_rows(session, bounds=bounds, open_day=open_day)
    partner = _partner_revenue_rows(session, scope=scope, bounds=bounds, open_day=open_day)
    closed_rows, day_rows, open_rows = (direct[i] + partner[i] for i in range(3))

    won: dict[tuple[str, str], WonTotal] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"won": 0, "lost": 0, "amount": 0})
    for attribution, outcome, n, amount, *periods in closed_rows:
        counts[attribution][outcome] += n
        if outcome == "won":
            counts[attribution]["amount"] += int(amount)
            for index, name in enumerate(("month", "quarter", "trailing_365")):
                won[(attribution, name)] = WonTotal(int(periods[2 * index]), int(periods[2 * index + 1]))

    close_days: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for attribution, days, n in day_rows:
        close_days[attribution].append((float(max(0, days)), n))

    closed = {
        attribution: ClosedStats(
            won=c["won"],
            lost=c["lost"],
            won_amount_minor=c["amount"],
            close_days=Distribution.from_pairs(close_days.get(attribution, [])),
        )
        for attribution, c in counts.items()
    }
    open_stats = {attribution: OpenStats(int(amount or 0), n, without) for attribution, amount, n, without in open_rows}
    return RevenueFacts(won=won, closed=closed, open=open_stats)


def load_revenue_by_partner(
    session: Session, *, scope: Scope, window: Window, config: ProgramConfig, attributions: tuple[str, ...]
) -> dict[int, tuple[int, int]]:
    """partner id → (won amount, won deals) of the given attributions closed in the window (whole days: cached)."""
    first, end = window.day_bounds(config.tz)
    rows = _won_by_partner(session, scope=scope, first=first, end=end, attributions=attributions)
    return {pid: (amount, n) for pid, amount, n in rows}


@memoized
def _won_by_partner(
    session: Session, *, scope: Scope, first: date, end: date, attributions: tuple[str, ...]
) -> tuple[tuple[int, int, int], ...]:
    rows = session.execute(
        select(Deal.partner_id, func.coalesce(func.sum(Deal.amount_base_minor), 0), func.count())
        .where(
            won(),
            Deal.closed_on >= first,
            Deal.closed_on < end,
            created_before(end),
            Deal.attribution.in_(attributions),
            partner_scope(Deal.partner_id, scope),
        )
        .group_by(Deal.partner_id)
    )
    return tuple((pid, int(amount or 0), int(n)) for pid, amount, n in rows if pid is not None)


def load_top_partner_rows(
    session: Session, *, scope: Scope, window: Window, config: ProgramConfig
) -> list[PartnerRevenue]:
    totals = load_revenue_by_partner(session, scope=scope, window=window, config=config, attributions=("sourced",))
    if not totals:
        return []
    rows = session.execute(
        select(Partner.id, Partner.name, Partner.type, Partner.tier, Partner.segment).where(
            Partner.id.in_(sorted(totals))
        )
    )
    return [PartnerRevenue(pid, name, type_, tier, segment, *totals[pid]) for pid, name, type_, tier, segment in rows]


def load_registration_days(session: Session, *, scope: Scope, as_of: datetime, config: ProgramConfig) -> Distribution:
    """Days registered_on → created_on of partner deals registered in the trailing 365 days and created by as-of."""
    first, end = trailing(as_of, 365, config.tz).day_bounds(config.tz)
    return _registration_days(session, scope=scope, first=first, end=end)


@memoized
def _registration_days(session: Session, *, scope: Scope, first: date, end: date) -> Distribution:
    duration = day_diff(Deal.created_on, Deal.registered_on)
    rows = session.execute(
        select(duration, func.count())
        .where(
            Deal.registered_on >= first,
            Deal.registered_on < end,
            Deal.created_on < end,  # the velocity needs its opportunity: created by as-of too
            scoped_deals(scope, with_direct=False),
        )
        .group_by(duration)
    )
    return Distribution.from_pairs((float(max(0, days)), n) for days, n in rows)


def load_monthly_revenue(session: Session, *, scope: Scope, first: date, end: date) -> dict[tuple[date, str], int]:
    """(month start, attribution) → won partner amount closed on the dates [first, end) of that month."""
    return dict(_monthly_revenue(session, scope=scope, first=first, end=end))


@memoized
def _monthly_revenue(
    session: Session, *, scope: Scope, first: date, end: date
) -> tuple[tuple[tuple[date, str], int], ...]:
    out: dict[tuple[date, str], int] = defaultdict(int)
    rows = session.execute(
        select(Deal.closed_on, Deal.attribution, func.sum(Deal.amount_base_minor))
        .where(
            won(),
            Deal.closed_on >= first,
            Deal.closed_on < end,
            created_before(end),
            scoped_deals(scope, with_direct=False),
        )
        .group_by(Deal.closed_on, Deal.attribution)
    )
    for closed_on, attribution, amount in rows:
        if closed_on is not None:
            out[(closed_on.replace(day=1), attribution)] += int(amount or 0)
    return tuple(out.items())


def load_open_pipeline_at(session: Session, *, scope: Scope, days: list[date]) -> dict[date, int]:
    """Open partner pipeline amount at the start of each given day."""
    return {day: _open_pipeline_at(session, scope=scope, day=day) for day in days}


@memoized
def _open_pipeline_at(session: Session, *, scope: Scope, day: date) -> int:
    amount = session.execute(
        select(func.coalesce(func.sum(Deal.amount_base_minor), 0)).where(
            open_as_of(day), scoped_deals(scope, with_direct=False)
        )
    ).scalar_one()
    return int(amount or 0)


def load_closed_by_partner(
    session: Session, *, scope: Scope, window: Window, config: ProgramConfig
) -> dict[int, dict[str, ClosedStats]]:
    """partner id → attribution → won and lost partner deals closed in the window (win_rate's rule: closed on a day
    of the window, created before its end; open deals never count)."""
    first, end = window.day_bounds(config.tz)
    out: dict[int, dict[str, ClosedStats]] = defaultdict(dict)
    for pid, attribution, won_n, lost_n in _closed_by_partner(session, scope=scope, first=first, end=end):
        out[pid][attribution] = ClosedStats(won=won_n, lost=lost_n)
    return dict(out)


@memoized
def _closed_by_partner(
    session: Session, *, scope: Scope, first: date, end: date
) -> tuple[tuple[int, str, int, int], ...]:
    rows = session.execute(
        select(
            Deal.partner_id,
            Deal.attribution,
            func.count(case((Deal.outcome == "won", 1))),
            func.count(case((Deal.outcome == "lost", 1))),
        )
        .where(
            Deal.closed_on >= first,
            Deal.closed_on < end,
            won_or_lost(),
            created_before(end),
            scoped_deals(scope, with_direct=False),
        )
        .group_by(Deal.partner_id, Deal.attribution)
    )
    return tuple((pid, attribution, int(w), int(lost)) for pid, attribution, w, lost in rows if pid is not None)


def load_largest_deals(
    session: Session, *, partner_id: int, as_of: datetime, config: ProgramConfig, limit: int = 3
) -> list[LargeDeal]:
    """The partner's largest deals by amount: won this quarter up to as-of, or open at as-of (the revenue and
    pipeline rules: `quarter_to_date`'s days, `open_as_of`); ties by id. A deal won after as-of was open then."""
    tz = config.tz
    end_day = dates_before(as_of, tz)
    first = quarter_first_day(as_of_day(as_of, tz))
    won_this_quarter = and_(Deal.outcome == "won", Deal.closed_on >= first, Deal.closed_on < end_day)
    rows = session.execute(
        select(
            Deal.id,
            func.coalesce(Deal.name, Deal.external_id),
            Deal.attribution,
            case((and_(Deal.outcome == "won", Deal.closed_on < end_day), "won"), else_="open"),
            Deal.amount_base_minor,
            Deal.stage,
        )
        .where(
            Deal.partner_id == partner_id,
            Deal.attribution.in_(PARTNER_ATTRIBUTIONS),
            or_(won_this_quarter, open_as_of(end_day)),
        )
        .order_by(Deal.amount_base_minor.desc().nulls_last(), Deal.id)
        .limit(limit)
    ).all()
    return [LargeDeal(*row) for row in rows]
