"""Activation and throughput: time to first revenue, activation rate, runway, first-win cycle, drop-off by
step, partners in runway and WIP per manager.

A partner's clock starts at its onboarding date. Step times come from the milestone rollup; a later step implies
the earlier ones (the earliest evidence counts), so the funnel never converts above 100 %. Partners that have not
reached a milestone stay in every duration through the survival view (share reached by day 30/60/90 among those
whose clock has run that long).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from reports.config import (
    STEP_FIRST_SELLING_ACTION,
    STEP_FIRST_WIN,
    STEP_ONBOARDED,
    ProgramConfig,
)
from reports.model import PartnerProfile
from reports.stats import Distribution, Median, Rate
from reports.timeframe import day_start, elapsed_days, local_day, quarter_label, shift_days

SURVIVAL_DAYS = (30, 60, 90)
RUNWAY_DAYS = 180
RUNWAY_LEFT_LOOKBACK_DAYS = 90
ACTIVATION_DAYS = 90
FUNNEL_LOOKBACK_DAYS = 365
STEP_DUE_DAYS = 30  # the funnel gives a partner this many days per activation step (see step_due_days)
SEGMENT_DIMENSIONS = ("type", "tier", "region")


@dataclass(frozen=True)
class Milestones:
    """A partner and the first time it reached each step (raw, before implication)."""

    partner: PartnerProfile
    reached: Mapping[str, datetime]
    # (steps, tz) → each step's implied reach time with no as-of cut; filled on first use, never compared
    _implied: dict[tuple[tuple[str, ...], ZoneInfo], tuple[datetime | None, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # (steps, tz, as-of) → the partner's activation: several KPIs of one view ask for the same; never compared
    _activations: dict[tuple[tuple[str, ...], ZoneInfo, datetime], PartnerActivation] = field(
        default_factory=dict, compare=False, repr=False
    )


@dataclass(frozen=True)
class PartnerActivation:
    partner: PartnerProfile
    steps: Mapping[str, datetime | None]  # implied reach time per configured step, as of
    activated: bool
    current_step: str | None  # the last step reached
    next_step: str | None  # the first step not yet reached
    as_of: datetime
    tz: ZoneInfo

    @cached_property
    def days_onboarded(self) -> float | None:
        onboarded = self.steps[STEP_ONBOARDED]
        return None if onboarded is None else elapsed_days(onboarded, self.as_of, self.tz)

    @property
    def day(self) -> int | None:
        """The partner's day in the program, in whole days completed ("day 42"), as every surface reads it."""
        days = self.days_onboarded
        return None if days is None else int(days)

    @cached_property
    def time_to_first_revenue(self) -> float | None:
        onboarded, first_win = self.steps[STEP_ONBOARDED], self.steps[STEP_FIRST_WIN]
        return None if onboarded is None or first_win is None else clock_days(onboarded, first_win, self.tz)


def win_rank(closed_on: date, external_id: str) -> tuple[date, str]:
    """How a partner's won deals are ordered, the first win's rule: by close date, then deal id as Python orders
    text (never by a database collation)."""
    return (closed_on, external_id)


def clock_days(start: datetime, reached: datetime, tz: ZoneInfo) -> float:
    """Days on a partner's clock from `start` to a milestone: never negative (a win before the formal onboarding
    date counts as day 0)."""
    return max(0.0, elapsed_days(start, reached, tz))


def implied_step_times(milestones: Milestones, steps: Sequence[str], tz: ZoneInfo) -> tuple[datetime | None, ...]:
    """Each step's reach time with no as-of cut: its own first time or any later step's, whichever came first.

    Cutting these at as-of (a time at or after as-of becomes None) gives the as-of step times exactly: the
    earliest of a set of times, if it is before as-of, is the earliest of those before as-of; if it is not, none
    is. So this is worked out once per partner, not once per as-of (the digest asks for a dozen as-ofs).
    """
    key = (tuple(steps), tz)
    cached = milestones._implied.get(key)
    if cached is not None:
        return cached
    onboarded = milestones.partner.onboarded_at(tz)
    if onboarded is None:
        implied: tuple[datetime | None, ...] = (None,) * len(steps)
    else:
        times: dict[str, datetime | None] = {}
        later: datetime | None = None
        for step in reversed(steps):
            if step == STEP_ONBOARDED:
                times[step] = onboarded
                continue
            own = milestones.reached.get(step)
            if own is not None and (later is None or own < later):
                later = own
            times[step] = later
        implied = tuple(times[step] for step in steps)
    milestones._implied[key] = implied
    return implied


def compute_step_times(
    milestones: Milestones, steps: Sequence[str], as_of: datetime, tz: ZoneInfo
) -> dict[str, datetime | None]:
    """Each step's reach time as of: its own first time or any later step's, whichever came first, if that is
    before as-of.

    A partner without an onboarding date, or onboarded at or after as-of, has no clock yet: it has reached no
    step and is left out of every activation KPI, even if a deal of its came first.
    """
    implied = implied_step_times(milestones, steps, tz)
    onboarded = milestones.partner.onboarded_at(tz)
    if onboarded is None or onboarded >= as_of:
        return dict.fromkeys(steps)
    return {step: t if t is not None and t < as_of else None for step, t in zip(steps, implied, strict=True)}


def compute_partner_activation(milestones: Milestones, config: ProgramConfig, as_of: datetime) -> PartnerActivation:
    """The partner's activation as of; worked out once per partner and as-of, however many KPIs ask for it."""
    steps = config.activation_steps
    key = (tuple(steps), config.tz, as_of)
    found = milestones._activations.get(key)
    if found is None:
        found = milestones._activations[key] = _activation(milestones, steps, config.tz, as_of)
    return found


def _activation(milestones: Milestones, steps: Sequence[str], tz: ZoneInfo, as_of: datetime) -> PartnerActivation:
    times = compute_step_times(milestones, steps, as_of, tz)
    current_step = next_step = None
    for step in steps:
        if times[step] is not None:
            current_step = step
        elif next_step is None:
            next_step = step
    return PartnerActivation(
        partner=milestones.partner,
        steps=times,
        activated=times[STEP_FIRST_WIN] is not None,
        current_step=current_step,
        next_step=next_step if times[STEP_ONBOARDED] is not None else None,
        as_of=as_of,
        tz=tz,
    )


@dataclass(frozen=True)
class Survival:
    """How many reached a milestone by day 30/60/90 of their clock, and the median among those that did."""

    started: int
    reached: int
    by_day: tuple[tuple[int, Rate], ...]
    median: Median


def compute_survival(clocks: Iterable[tuple[datetime, datetime | None]], as_of: datetime, tz: ZoneInfo) -> Survival:
    """`clocks` are (start, reached-or-None) pairs, both already cut at as-of."""
    started = 0
    durations: list[float] = []
    eligible = dict.fromkeys(SURVIVAL_DAYS, 0)
    reached_by = dict.fromkeys(SURVIVAL_DAYS, 0)
    for start, end in clocks:
        started += 1
        age = elapsed_days(start, as_of, tz)
        duration = None if end is None else clock_days(start, end, tz)
        if duration is not None:
            durations.append(round(duration, 1))
        for day in SURVIVAL_DAYS:
            if age >= day:
                eligible[day] += 1
                if duration is not None and duration <= day:
                    reached_by[day] += 1
    return Survival(
        started=started,
        reached=len(durations),
        by_day=tuple((day, Rate(reached_by[day], eligible[day])) for day in SURVIVAL_DAYS),
        median=Median.of(Distribution.of(durations)),
    )


def _clocks(
    activations: Iterable[PartnerActivation], start_step: str, end_step: str
) -> list[tuple[datetime, datetime | None]]:
    pairs = []
    for activation in activations:
        start = activation.steps.get(start_step)
        if start is not None:
            pairs.append((start, activation.steps.get(end_step)))
    return pairs


@dataclass(frozen=True)
class TimeToFirstRevenue:
    overall: Survival
    by_cohort: tuple[tuple[str, Survival], ...]  # onboarding quarter → survival, oldest first
    unknown_onboarding: tuple[str, ...]  # partner names left out for lack of an onboarding date


def compute_time_to_first_revenue(
    activations: Sequence[PartnerActivation], as_of: datetime, tz: ZoneInfo
) -> TimeToFirstRevenue:
    cohorts: dict[str, list[PartnerActivation]] = defaultdict(list)
    for activation in activations:
        onboarded = activation.steps.get(STEP_ONBOARDED)
        if onboarded is not None:
            cohorts[quarter_label(local_day(onboarded, tz))].append(activation)
    return TimeToFirstRevenue(
        overall=compute_survival(_clocks(activations, STEP_ONBOARDED, STEP_FIRST_WIN), as_of, tz),
        by_cohort=tuple(
            (label, compute_survival(_clocks(members, STEP_ONBOARDED, STEP_FIRST_WIN), as_of, tz))
            for label, members in sorted(cohorts.items())
        ),
        unknown_onboarding=tuple(sorted(a.partner.name for a in activations if a.partner.onboarded_on is None)),
    )


def compute_activation_rate(activations: Sequence[PartnerActivation], as_of: datetime, tz: ZoneInfo) -> Rate:
    """Of partners onboarded ≥ 90 days before as-of, the share whose first win came within 90 days."""
    survival = compute_survival(_clocks(activations, STEP_ONBOARDED, STEP_FIRST_WIN), as_of, tz)
    return dict(survival.by_day)[ACTIVATION_DAYS]


def compute_activation_runway(activations: Sequence[PartnerActivation], as_of: datetime, tz: ZoneInfo) -> Survival:
    return compute_survival(_clocks(activations, STEP_ONBOARDED, STEP_FIRST_SELLING_ACTION), as_of, tz)


def compute_first_win_cycle(activations: Sequence[PartnerActivation], as_of: datetime, tz: ZoneInfo) -> Survival:
    return compute_survival(_clocks(activations, STEP_FIRST_SELLING_ACTION, STEP_FIRST_WIN), as_of, tz)


def compute_active_revenue_partners(active_ids: frozenset[int], recent_winner_ids: frozenset[int]) -> Rate:
    """Share of active partners with a won partner deal closed in the trailing 90 days."""
    return Rate(len(active_ids & recent_winner_ids), len(active_ids))


def onboarded_between(
    milestones: Sequence[Milestones], since: datetime, as_of: datetime, tz: ZoneInfo
) -> list[Milestones]:
    """Partners onboarded in [since, as-of): exactly those whose as-of onboarding step falls there (a cheap
    pre-filter, so that a KPI about recent cohorts does not work out every partner's activation)."""
    return [m for m in milestones if (at := m.partner.onboarded_at(tz)) is not None and since <= at < as_of]


def runway_candidates(milestones: Sequence[Milestones], as_of: datetime, tz: ZoneInfo) -> list[Milestones]:
    """The only partners that can be in the runway as of: those onboarded in its 180 days."""
    return onboarded_between(milestones, shift_days(as_of, -RUNWAY_DAYS, tz), as_of, tz)


def in_runway_span(activation: PartnerActivation, as_of: datetime, tz: ZoneInfo) -> bool:
    """Onboarded within the runway span before as-of (the last 180 days) and not yet activated."""
    onboarded = activation.steps.get(STEP_ONBOARDED)
    return onboarded is not None and not activation.activated and onboarded >= shift_days(as_of, -RUNWAY_DAYS, tz)


def in_runway(activation: PartnerActivation, as_of: datetime, tz: ZoneInfo) -> bool:
    """partners_in_runway: active (not sunset), onboarded within the last 180 days and not yet activated, as of."""
    return in_runway_span(activation, as_of, tz) and activation.partner.is_active(as_of, tz)


@dataclass(frozen=True)
class PartnersInRunway:
    count: int
    count_week_ago: int
    completion: Rate  # cohort whose 180-day window closed in the last 90 days: share activated in time
    by_next_step: tuple[tuple[str, int], ...]

    @property
    def change(self) -> int:
        return self.count - self.count_week_ago


def compute_partners_in_runway(
    milestones: Sequence[Milestones], config: ProgramConfig, as_of: datetime
) -> PartnersInRunway:
    tz = config.tz
    left_from = shift_days(as_of, -(RUNWAY_DAYS + RUNWAY_LEFT_LOOKBACK_DAYS), tz)
    left_until = shift_days(as_of, -RUNWAY_DAYS, tz)
    # in the runway now, or left it in the lookback: onboarded since `left_from`
    now = [compute_partner_activation(m, config, as_of) for m in onboarded_between(milestones, left_from, as_of, tz)]
    week_ago_at = shift_days(as_of, -7, tz)
    week_ago = [
        compute_partner_activation(m, config, week_ago_at) for m in runway_candidates(milestones, week_ago_at, tz)
    ]
    current = [a for a in now if in_runway(a, as_of, tz)]
    by_step: dict[str, int] = defaultdict(int)
    for activation in current:
        by_step[activation.next_step or STEP_FIRST_WIN] += 1

    left = [a for a in now if (on := a.steps.get(STEP_ONBOARDED)) is not None and left_from <= on < left_until]
    completed = sum(1 for a in left if a.time_to_first_revenue is not None and a.time_to_first_revenue <= RUNWAY_DAYS)
    order = {step: index for index, step in enumerate(config.activation_steps)}
    return PartnersInRunway(
        count=len(current),
        count_week_ago=sum(1 for a in week_ago if in_runway(a, week_ago_at, tz)),
        completion=Rate(completed, len(left)),
        by_next_step=tuple(sorted(by_step.items(), key=lambda item: order.get(item[0], 99))),
    )


@dataclass(frozen=True)
class FunnelStep:
    step: str
    reached: int  # partners counted at this step that reached it
    conversion: Rate | None  # reached ÷ partners counted here that reached the step before; None for the first step
    due_days: int = 0  # a partner is counted at this step once onboarded this many days
    too_new: int = 0  # counted at the step before and reached it, but onboarded fewer than due_days ago


@dataclass(frozen=True)
class Funnel:
    steps: tuple[FunnelStep, ...]

    @property
    def worst_step(self) -> FunnelStep | None:
        """The step with the lowest conversion from the one before it (among those with enough data)."""
        scored = [s for s in self.steps if s.conversion is not None and s.conversion.value is not None]
        return min(scored, key=lambda s: s.conversion.value or 0.0, default=None)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Dropoff:
    overall: Funnel
    by_cohort: tuple[tuple[str, Funnel], ...]
    by_segment: tuple[tuple[str, tuple[tuple[str, Funnel], ...]], ...]  # dimension → value → funnel
    population: int

    @property
    def worst_step(self) -> FunnelStep | None:
        return self.overall.worst_step


def step_due_days(steps: Sequence[str]) -> tuple[int, ...]:
    """Days on a partner's clock before the funnel counts it at each step: none for onboarded, `STEP_DUE_DAYS` a
    step after it up to the `ACTIVATION_DAYS` the activation rate gives a first win, and those for the first win."""
    return tuple(
        0 if index == 0 else ACTIVATION_DAYS if step == STEP_FIRST_WIN else min(STEP_DUE_DAYS * index, ACTIVATION_DAYS)
        for index, step in enumerate(steps)
    )


def compute_funnel(activations: Sequence[PartnerActivation], steps: Sequence[str]) -> Funnel:
    """Each step counts the partners onboarded at least its due days ago: a partner too new to have reached a step
    is left out of that step's conversion (and said to be) rather than counted as lost."""
    due = step_due_days(steps)
    ages = [a.days_onboarded or 0.0 for a in activations]
    out: list[FunnelStep] = []
    for index, step in enumerate(steps):
        counted = [a for a, age in zip(activations, ages, strict=True) if age >= due[index]]
        reached = sum(1 for a in counted if a.steps.get(step) is not None)
        if index == 0:
            out.append(FunnelStep(step, reached, None))
            continue
        before, previous_due = steps[index - 1], due[index - 1]
        base = sum(1 for a in counted if a.steps.get(before) is not None)
        too_new = sum(
            1
            for a, age in zip(activations, ages, strict=True)
            if previous_due <= age < due[index] and a.steps.get(before) is not None
        )
        out.append(FunnelStep(step, reached, Rate(reached, base), due[index], too_new))
    return Funnel(tuple(out))


def compute_dropoff_by_step(milestones: Sequence[Milestones], config: ProgramConfig, as_of: datetime) -> Dropoff:
    """Partners onboarded in the trailing 365 days, through the configured steps."""
    tz = config.tz
    since = shift_days(as_of, -FUNNEL_LOOKBACK_DAYS, tz)
    population = [compute_partner_activation(m, config, as_of) for m in onboarded_between(milestones, since, as_of, tz)]
    steps = config.activation_steps
    cohorts: dict[str, list[PartnerActivation]] = defaultdict(list)
    for activation in population:
        onboarded = activation.steps[STEP_ONBOARDED]
        assert onboarded is not None
        cohorts[quarter_label(local_day(onboarded, tz))].append(activation)
    segments = []
    for dimension in SEGMENT_DIMENSIONS:
        groups: dict[str, list[PartnerActivation]] = defaultdict(list)
        for activation in population:
            groups[activation.partner.attribute(dimension)].append(activation)
        segments.append(
            (
                dimension,
                tuple((value, compute_funnel(members, steps)) for value, members in sorted(groups.items())),
            )
        )
    return Dropoff(
        overall=compute_funnel(population, steps),
        by_cohort=tuple((label, compute_funnel(members, steps)) for label, members in sorted(cohorts.items())),
        by_segment=tuple(segments),
        population=len(population),
    )


@dataclass(frozen=True)
class OwnerLoad:
    owner_email: str | None
    in_runway: int
    over_limit: bool


@dataclass(frozen=True)
class WipPerManager:
    owners: tuple[OwnerLoad, ...]  # heaviest first
    limit: int

    @property
    def over_limit(self) -> tuple[OwnerLoad, ...]:
        return tuple(o for o in self.owners if o.over_limit)


def compute_wip_per_manager(milestones: Sequence[Milestones], config: ProgramConfig, as_of: datetime) -> WipPerManager:
    tz = config.tz
    counts: dict[str | None, int] = defaultdict(int)
    for m in runway_candidates(milestones, as_of, tz):
        if in_runway(compute_partner_activation(m, config, as_of), as_of, tz):
            counts[m.partner.owner_email] += 1
    owners = sorted(counts.items(), key=lambda item: (-item[1], item[0] or "~"))
    return WipPerManager(
        owners=tuple(OwnerLoad(email, n, n > config.wip_limit) for email, n in owners),
        limit=config.wip_limit,
    )


def compute_deal_registration_velocity(days: Distribution) -> Median:
    """Median days registered_on → created_on of partner deals registered in the trailing 365 days."""
    return Median.of(days)


def compute_first_revenue_days(pairs: Iterable[tuple[date, datetime]], as_of: datetime, tz: ZoneInfo) -> Distribution:
    """Days onboarded → first win of every partner onboarded and activated before as-of: the program baseline, the
    same figures as the survival view's (`compute_time_to_first_revenue`) without loading every partner."""
    durations = []
    for onboarded_on, first_win in pairs:
        onboarded = day_start(onboarded_on, tz)
        if onboarded < as_of and first_win < as_of:
            durations.append(round(clock_days(onboarded, first_win, tz), 1))
    return Distribution.of(durations)
