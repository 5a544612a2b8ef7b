"""The weekly throughput digest: the executive view, each line with its change since last week.

"This week" is the 7 days ending at the digest's as-of; "last week" the 7 days before. Handoff times here cover
the intros of each of those weeks (the handoffs view keeps its 90-day window).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from reports.freshness import Freshness
from reports.kpis.activation import Dropoff, PartnersInRunway, Survival, WipPerManager
from reports.kpis.handoffs import HandoffTime
from reports.kpis.pipeline import StalledDeals
from reports.model import Scope
from reports.views.wins import FirstWin


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
