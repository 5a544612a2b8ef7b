"""The weekly throughput digest: the executive view, each line with its change since last week, computed from
the facts gathered for it.

"This week" is the 7 days ending at the digest's as-of; "last week" the 7 days before. Handoff times here cover
the intros of each of those weeks (the handoffs view keeps its 90-day window).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.activation import (
    Dropoff,
    Milestones,
    PartnersInRunway,
    Survival,
    WipPerManager,
    compute_activation_runway,
    compute_dropoff_by_step,
    compute_first_win_cycle,
    compute_partner_activation,
    compute_partners_in_runway,
    compute_wip_per_manager,
    in_runway,
    runway_candidates,
)
from reports.kpis.dormancy import QuietPartner, compute_dormant_partners
from reports.kpis.handoffs import HandoffTime, IntroRecord, compute_handoff_response_time
from reports.kpis.pipeline import StalledDeals
from reports.model import Scope
from reports.timeframe import local_day, shift_days, trailing
from reports.views.wins import FirstWin, WinInput, compute_first_wins

TREND_WEEKS = 12


@dataclass(frozen=True)
class SnoozeNote:
    label: str
    owner_email: str | None
    until: datetime
    reason: str | None


T = TypeVar("T")


@dataclass(frozen=True)
class WeekPair(Generic[T]):
    now: T
    week_ago: T


def week_before(as_of: datetime, tz: ZoneInfo) -> datetime:
    return shift_days(as_of, -7, tz)


def trend_ends(as_of: datetime, tz: ZoneInfo) -> list[datetime]:
    """Where each of the trend's weeks ends, oldest first: a week apart up to as-of, so its last two are this week
    and last week."""
    return [shift_days(as_of, -7 * back, tz) for back in range(TREND_WEEKS - 1, -1, -1)]


@dataclass(frozen=True)
class DigestFacts:
    """What the digest is computed from, as the loaders returned it."""

    scope: Scope
    milestones: Sequence[Milestones]
    weekly_sourced: Sequence[Mapping[int, tuple[int, int]]]  # per trend week: partner id → (won amount, won deals)
    wins: Sequence[WinInput]  # first wins reached this week
    intros: WeekPair[Sequence[IntroRecord]]  # introduced this week, and last week
    stalled: WeekPair[StalledDeals]
    quiet: WeekPair[Sequence[QuietPartner]]
    snoozes: tuple[SnoozeNote, ...]  # ending within a week of as-of
    freshness: Freshness


@dataclass(frozen=True)
class DigestView:
    scope: Scope
    as_of: datetime
    currency: str
    runway: PartnersInRunway
    activation_runway: WeekPair[Survival]
    first_win_cycle: WeekPair[Survival]
    handoff: WeekPair[HandoffTime]
    dropoff: WeekPair[Dropoff]
    wip: WeekPair[WipPerManager]
    first_wins: tuple[FirstWin, ...]
    sourced_minor: WeekPair[int]
    stalled: WeekPair[StalledDeals]
    dormant: WeekPair[int]
    snoozes: tuple[SnoozeNote, ...]
    weeks: Sequence[date]
    weekly_revenue: Sequence[int]
    weekly_runway: Sequence[int]
    weekly_first_wins: Sequence[int]
    freshness: Freshness

    @property
    def moved(self) -> bool:
        """Did anything change since last week?"""
        return bool(
            self.first_wins
            or self.sourced_minor.now
            or self.runway.change
            or self.stalled.now.count != self.stalled.week_ago.count
            or self.dormant.now != self.dormant.week_ago
            or self.handoff.now.intros
            or len(self.wip.now.over_limit) != len(self.wip.week_ago.over_limit)
            or self.snoozes
        )


def compute_digest(facts: DigestFacts, config: ProgramConfig, as_of: datetime) -> DigestView:
    tz = config.tz
    before = week_before(as_of, tz)
    milestones = facts.milestones
    now_activations = [compute_partner_activation(m, config, as_of) for m in milestones]
    then_activations = [compute_partner_activation(m, config, before) for m in milestones]
    ends = trend_ends(as_of, tz)
    first_win_times = [m.reached.get("first_win") for m in milestones]
    weekly_revenue = [sum(amount for amount, _ in rows.values()) for rows in facts.weekly_sourced]
    weekly_runway, weekly_wins = [], []
    for end in ends:
        window = trailing(end, 7, tz)
        weekly_runway.append(
            sum(
                1
                for m in runway_candidates(milestones, end, tz)
                if in_runway(compute_partner_activation(m, config, end), end, tz)
            )
        )
        weekly_wins.append(sum(1 for t in first_win_times if t is not None and window.contains(t)))
    return DigestView(
        scope=facts.scope,
        as_of=as_of,
        currency=config.base_currency,
        runway=compute_partners_in_runway(milestones, config, as_of),
        activation_runway=WeekPair(
            compute_activation_runway(now_activations, as_of, tz),
            compute_activation_runway(then_activations, before, tz),
        ),
        first_win_cycle=WeekPair(
            compute_first_win_cycle(now_activations, as_of, tz), compute_first_win_cycle(then_activations, before, tz)
        ),
        handoff=WeekPair(
            compute_handoff_response_time(facts.intros.now, as_of),
            compute_handoff_response_time(facts.intros.week_ago, before),
        ),
        dropoff=WeekPair(
            compute_dropoff_by_step(milestones, config, as_of), compute_dropoff_by_step(milestones, config, before)
        ),
        wip=WeekPair(
            compute_wip_per_manager(milestones, config, as_of), compute_wip_per_manager(milestones, config, before)
        ),
        first_wins=compute_first_wins(facts.wins, milestones, config, as_of),
        sourced_minor=WeekPair(weekly_revenue[-1], weekly_revenue[-2]),  # the trend's last two bars
        stalled=facts.stalled,
        dormant=WeekPair(
            compute_dormant_partners(facts.quiet.now, config, as_of).count,
            compute_dormant_partners(facts.quiet.week_ago, config, before).count,
        ),
        snoozes=facts.snoozes,
        weeks=[local_day(trailing(end, 7, tz).start, tz) for end in ends],
        weekly_revenue=weekly_revenue,
        weekly_runway=weekly_runway,
        weekly_first_wins=weekly_wins,
        freshness=facts.freshness,
    )
