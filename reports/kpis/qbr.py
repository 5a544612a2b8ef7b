"""The quarterly business review's own rules: which quarters a pack covers, and next quarter's suggested goals.

Every figure in a pack is a scorecard figure at a quarter's end (reports/views/scorecard.py); only the trend
quarters and the goal suggestion are decided here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reports.kpis.goals import COUNT_METRICS
from reports.timeframe import add_months, day_start, quarter_label

TREND_QUARTERS = 4
GROWTH_CAP = 0.5  # a suggested target is at most 50 % above the latest quarter's actual
SIGNIFICANT = 2  # money targets are rounded up to two significant figures of the base currency


@dataclass(frozen=True)
class Quarter:
    label: str  # '2026-Q3'
    first: date
    end: date  # exclusive: the next quarter's first day
    as_of: datetime  # the quarter's end, or the pack's as-of while the quarter is still running
    to_date: bool  # the quarter was still running at the pack's as-of


def compute_trend_quarters(
    first: date, as_of: datetime, tz: ZoneInfo, count: int = TREND_QUARTERS
) -> tuple[Quarter, ...]:
    """The pack's quarter (starting on `first`) and the `count` − 1 before it, oldest first, each as of its end
    (or as of the pack's as-of for a quarter still running)."""
    quarters = []
    for back in range(count - 1, -1, -1):
        start = add_months(first, -3 * back)
        end = add_months(start, 3)
        end_at = day_start(end, tz)
        quarters.append(Quarter(quarter_label(start), start, end, min(end_at, as_of), as_of < end_at))
    return tuple(quarters)


def next_quarter(quarter: Quarter) -> tuple[str, date, date]:
    """The quarter after `quarter`: (label, first day, end)."""
    return quarter_label(quarter.end), quarter.end, add_months(quarter.end, 3)


# --- suggested goals ------------------------------------------------------------------------------------------

NO_HISTORY, NOTHING_YET, FALLING, FLAT, RISING, CAPPED = (
    "no history",
    "nothing yet",
    "falling",
    "flat",
    "rising",  # the trend line's next quarter is above the latest actual
    "capped",
)


@dataclass(frozen=True)
class GoalSuggestion:
    metric: str
    target: float | None  # None: no figure to suggest from (agree one with the partner)
    latest: float | None  # the latest quarter's actual the rule starts from
    projection: float | None  # the trend line's value at the next quarter
    quarters: int  # how many quarters with a figure the trend was fitted over
    basis: str  # NO_HISTORY, NOTHING_YET, FALLING, FLAT, RISING or CAPPED


def round_target(value: float, metric: str) -> float:
    """Up to whole deals for counts, up to two significant figures of the base currency for amounts (minor
    units in, minor units out): a suggestion never lands below the figure it was rounded from."""
    if metric in COUNT_METRICS:
        return float(math.ceil(value - 1e-9))
    units = value / 100
    if units <= 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(units)) - SIGNIFICANT + 1)
    return float(math.ceil(units / step - 1e-9) * step * 100)


def _projection(points: Sequence[tuple[int, float]], at: int) -> float:
    """The least-squares line through the points, read at `at`."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return mean_y + slope * (at - mean_x)


def suggest_goal(metric: str, history: Sequence[float | None]) -> GoalSuggestion:
    """Next quarter's target from the quarters' actuals (oldest first; None where a quarter has no figure, such
    as one before onboarding): max(latest actual, trend projection), at most GROWTH_CAP above the latest actual,
    rounded up. Falling or flat holds the latest actual; no figure at all, nothing but zeros, or a latest
    actual of zero suggests nothing (a target is agreed with the partner)."""
    points = [(index, float(value)) for index, value in enumerate(history) if value is not None]
    if not points:
        return GoalSuggestion(metric, None, None, None, 0, NO_HISTORY)
    latest = points[-1][1]
    if all(value == 0 for _, value in points):
        return GoalSuggestion(metric, None, latest, 0.0, len(points), NOTHING_YET)
    projection = _projection(points, len(history)) if len(points) > 1 else latest
    cap = latest * (1 + GROWTH_CAP)
    if projection > cap:
        target, basis = cap, CAPPED
    elif projection > latest + 1e-9:
        target, basis = projection, RISING
    else:
        target, basis = latest, FLAT if abs(projection - latest) <= 1e-9 else FALLING
    rounded = round_target(target, metric)
    # a latest quarter of nothing caps any target at nothing: agree one afresh rather than suggest zero
    return GoalSuggestion(metric, rounded if rounded > 0 else None, latest, projection, len(points), basis)
