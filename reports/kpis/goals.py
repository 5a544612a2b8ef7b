"""Goal progress: actual against target within the goal's period, with pace, so status is explicit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reports.stats import Rate
from reports.timeframe import day_start, local_day

MET = "met"
ON_TRACK = "on track"
BEHIND = "behind"
MISSED = "missed"
UPCOMING = "upcoming"


@dataclass(frozen=True)
class GoalInput:
    partner_id: int
    partner_name: str
    metric: str
    period: str
    period_start: date
    period_end: date  # exclusive
    target: float | None
    target_date: date | None
    actual: float  # count or amount in minor units, measured within the period up to as-of
    first_win_on: date | None = None


@dataclass(frozen=True)
class GoalProgress:
    goal: GoalInput
    status: str
    pace: float | None  # share of the period elapsed
    progress: float | None  # actual ÷ target


def compute_goal(goal: GoalInput, as_of: datetime, tz: ZoneInfo) -> GoalProgress:
    start, end = day_start(goal.period_start, tz), day_start(goal.period_end, tz)
    if goal.metric == "first_win_by":
        deadline = goal.target_date or goal.period_end - timedelta(days=1)
        if goal.first_win_on is not None:
            status = MET if goal.first_win_on <= deadline else MISSED
        else:
            status = MISSED if local_day(as_of, tz) > deadline else ON_TRACK
        return GoalProgress(goal, status, None, None)
    if as_of <= start:
        return GoalProgress(goal, UPCOMING, 0.0, 0.0)
    target = goal.target or 0.0
    pace = min(1.0, (as_of - start) / (end - start)) if end > start else 1.0
    progress = goal.actual / target if target > 0 else None
    if goal.actual >= target:
        status = MET
    elif as_of >= end:
        status = MISSED
    else:
        status = ON_TRACK if goal.actual >= target * pace else BEHIND
    return GoalProgress(goal, status, pace, progress)


def is_current(progress: GoalProgress, as_of: datetime, tz: ZoneInfo) -> bool:
    goal = progress.goal
    return day_start(goal.period_start, tz) <= as_of < day_start(goal.period_end, tz)


def compute_goal_progress(goals: Sequence[GoalInput], as_of: datetime, tz: ZoneInfo) -> tuple[GoalProgress, ...]:
    return tuple(compute_goal(goal, as_of, tz) for goal in goals)


def compute_share_on_track(progress: Sequence[GoalProgress], as_of: datetime, tz: ZoneInfo) -> Rate:
    """Partners with a current goal whose every current goal is met or on track."""
    per_partner: dict[int, list[str]] = defaultdict(list)
    for item in progress:
        if is_current(item, as_of, tz):
            per_partner[item.goal.partner_id].append(item.status)
    on_track = sum(1 for statuses in per_partner.values() if all(s in (MET, ON_TRACK) for s in statuses))
    return Rate(on_track, len(per_partner))
