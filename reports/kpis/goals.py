"""Goal progress: actual against target within the goal's period, with pace, so status is explicit."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reports.stats import Rate
from reports.timeframe import CURRENT, UPCOMING, day_start, elapsed_days, end_of_day, period_state

MET = "met"
ON_TRACK = "on track"
BEHIND = "behind"
MISSED = "missed"
GRACE_DAYS = 14
COUNT_METRICS = frozenset({"registered_deals"})


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
    expected: float | None = None  # what on track means by now: target × the ramp after the grace


def grace_days(length_days: float) -> float:
    """The start of a period in which nothing is expected yet: two weeks, or a quarter of a shorter period."""
    return min(GRACE_DAYS, length_days / 4)


def expected_by_now(goal: GoalInput, elapsed_days: float, length_days: float) -> float:
    """Target × the share of the period elapsed after its grace; for counts, whole units (a goal is never behind
    by a fraction of a deal)."""
    grace = grace_days(length_days)
    ramp = 1.0 if length_days <= grace else min(1.0, max(0.0, (elapsed_days - grace) / (length_days - grace)))
    expected = (goal.target or 0.0) * ramp
    return float(math.floor(expected + 1e-9)) if goal.metric in COUNT_METRICS else expected


def compute_goal(goal: GoalInput, as_of: datetime, tz: ZoneInfo) -> GoalProgress:
    start, end = day_start(goal.period_start, tz), day_start(goal.period_end, tz)
    if goal_state(goal, as_of, tz) == UPCOMING:
        return GoalProgress(goal, UPCOMING, 0.0, 0.0, 0.0)
    if goal.metric == "first_win_by":
        deadline = goal.target_date or goal.period_end - timedelta(days=1)
        if goal.first_win_on is not None:
            status = MET if goal.first_win_on <= deadline else MISSED
        else:
            status = MISSED if as_of >= end_of_day(deadline, tz) else ON_TRACK
        return GoalProgress(goal, status, None, None)
    target = goal.target or 0.0
    length = elapsed_days(start, end, tz)
    elapsed = min(length, elapsed_days(start, as_of, tz))
    pace = elapsed / length if length > 0 else 1.0
    expected = expected_by_now(goal, elapsed, length)
    progress = goal.actual / target if target > 0 else None
    if goal.actual >= target:
        status = MET
    elif as_of >= end:
        status = MISSED
    else:
        status = ON_TRACK if goal.actual >= expected else BEHIND
    return GoalProgress(goal, status, pace, progress, expected)


def goal_state(goal: GoalInput, as_of: datetime, tz: ZoneInfo) -> str:
    """Upcoming until its period starts (a period starting at as-of is upcoming), current while its period holds
    the last instant before as-of, past after."""
    return period_state(day_start(goal.period_start, tz), day_start(goal.period_end, tz), as_of)


def is_current(progress: GoalProgress, as_of: datetime, tz: ZoneInfo) -> bool:
    """The goal's period holds the last instant before as-of."""
    return goal_state(progress.goal, as_of, tz) == CURRENT


def compute_goal_progress(goals: Sequence[GoalInput], as_of: datetime, tz: ZoneInfo) -> tuple[GoalProgress, ...]:
    """Progress of every goal whose period has started by as-of (a goal of a later period is not shown yet)."""
    progress = (compute_goal(goal, as_of, tz) for goal in goals)
    return tuple(item for item in progress if item.status != UPCOMING)


def compute_share_on_track(progress: Sequence[GoalProgress], as_of: datetime, tz: ZoneInfo) -> Rate:
    """Partners with a current goal whose every current goal is met or on track."""
    per_partner: dict[int, list[str]] = defaultdict(list)
    for item in progress:
        if is_current(item, as_of, tz):
            per_partner[item.goal.partner_id].append(item.status)
    on_track = sum(1 for statuses in per_partner.values() if all(s in (MET, ON_TRACK) for s in statuses))
    return Rate(on_track, len(per_partner))


@dataclass(frozen=True)
class GoalsOnTrack:
    """The program's goals at as-of: how many have started, and the share of partners on track."""

    started: int
    on_track: Rate


def compute_goals_on_track(goals: Sequence[GoalInput], as_of: datetime, tz: ZoneInfo) -> GoalsOnTrack:
    """`compute_share_on_track` over every goal's progress, working out the progress of the current goals only
    (a program holds years of past goals; they count as started and decide nothing else here)."""
    by_period: dict[tuple[date, date], str] = {}  # goals share a few periods (quarters): one state each
    states = []
    for goal in goals:
        period = (goal.period_start, goal.period_end)
        state = by_period.get(period)
        if state is None:
            state = by_period[period] = goal_state(goal, as_of, tz)
        states.append(state)
    current = [goal for goal, state in zip(goals, states, strict=True) if state == CURRENT]
    return GoalsOnTrack(
        started=sum(1 for state in states if state != UPCOMING),
        on_track=compute_share_on_track(compute_goal_progress(current, as_of, tz), as_of, tz),
    )
