"""Enablement engagement: completion of required courses, active partner rate and engagement mix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.stats import Rate


def compute_enablement_completion(
    active_ids: frozenset[int], enabled_ids: frozenset[int], courses_configured: bool
) -> Rate | None:
    """Share of active partners that completed every required course; None when no course is required."""
    if not courses_configured:
        return None
    return Rate(len(active_ids & enabled_ids), len(active_ids))


def compute_active_partner_rate(active_ids: frozenset[int], engaged_ids: frozenset[int]) -> Rate:
    """Share of active partners with any engagement activity in the trailing 30 days."""
    return Rate(len(active_ids & engaged_ids), len(active_ids))


@dataclass(frozen=True)
class KindUsage:
    kind: str
    last_30: int
    last_90: int
    last_at: datetime | None
    last_60: int = 0


@dataclass(frozen=True)
class EngagementMix:
    kinds: tuple[KindUsage, ...]  # busiest first

    @property
    def total_30(self) -> int:
        return sum(k.last_30 for k in self.kinds)

    @property
    def total_previous_30(self) -> int:
        """Activities in the 30 days before the last 30: what the card's change compares against."""
        return sum(k.last_60 - k.last_30 for k in self.kinds)

    @property
    def total_90(self) -> int:
        return sum(k.last_90 for k in self.kinds)

    def last(self, kind: str) -> datetime | None:
        return next((k.last_at for k in self.kinds if k.kind == kind), None)

    @property
    def last_any(self) -> datetime | None:
        return max((k.last_at for k in self.kinds if k.last_at is not None), default=None)


def compute_engagement_mix(usage: Sequence[KindUsage]) -> EngagementMix:
    return EngagementMix(tuple(sorted(usage, key=lambda k: (-k.last_90, -k.last_30, k.kind))))
