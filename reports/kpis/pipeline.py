"""Pipeline health: stage velocity, stage conversion, stalled deals and pipeline movement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.stats import MIN_SAMPLE, Distribution, Median, Rate

PARTNER = "partner"
DIRECT = "direct"


@dataclass(frozen=True)
class StageStays:
    """Completed stays (in tenths of a day) that ended in the trailing 365 days, per stage and side."""

    tenths: Mapping[tuple[str, str], Distribution]  # (stage, "partner" | "direct") → stay lengths

    def days(self, stage: str, side: str) -> Distribution:
        found = self.tenths.get((stage, side), Distribution())
        return Distribution.from_pairs((value / 10, count) for value, count in found.pairs)

    def all_days(self, stage: str) -> Distribution:
        return self.days(stage, PARTNER) + self.days(stage, DIRECT)

    def stages(self) -> set[str]:
        return {stage for stage, _ in self.tenths}


def order_stages(stages: set[str], pipeline: Sequence[str]) -> list[str]:
    """Configured pipeline order first, anything else after it alphabetically."""
    folded = {name.casefold(): index for index, name in enumerate(pipeline)}
    return sorted(stages, key=lambda s: (folded.get(s.casefold(), len(pipeline)), s.casefold()))


@dataclass(frozen=True)
class StageVelocity:
    stage: str
    partner: Median
    direct: Median


def compute_stage_velocity(stays: StageStays, pipeline: Sequence[str]) -> tuple[StageVelocity, ...]:
    return tuple(
        StageVelocity(stage, Median.of(stays.days(stage, PARTNER)), Median.of(stays.days(stage, DIRECT)))
        for stage in order_stages(stays.stages(), pipeline)
    )


@dataclass(frozen=True)
class StageConversion:
    stage: str
    by_attribution: tuple[tuple[str, Rate], ...]


def compute_stage_conversion(
    entries: Mapping[tuple[str, str], tuple[int, int]], pipeline: Sequence[str]
) -> tuple[StageConversion, ...]:
    """`entries`: (stage, attribution) → (deals that first entered it in the window, of those later advanced)."""
    stages = order_stages({stage for stage, _ in entries}, pipeline)
    out = []
    for stage in stages:
        rates = []
        for attribution in ("sourced", "influenced", DIRECT):
            entered, advanced = entries.get((stage, attribution), (0, 0))
            rates.append((attribution, Rate(advanced, entered)))
        out.append(StageConversion(stage, tuple(rates)))
    return tuple(out)


def compute_stall_thresholds(stays: StageStays, stages: set[str], minimum_days: int) -> dict[str, float]:
    """Days after which a deal in each stage is stalled: max(threshold, 75th percentile of the stage's stays).

    The percentile needs at least 5 historic stays; below that the configured threshold stands alone.
    """
    thresholds = {}
    for stage in stages:
        history = stays.all_days(stage)
        p75 = history.quantile(0.75) if history.n >= MIN_SAMPLE else None
        thresholds[stage] = max(float(minimum_days), p75 or 0.0)
    return thresholds


@dataclass(frozen=True)
class OpenDeal:
    deal_id: int
    external_id: str
    name: str | None
    account: str | None
    partner_name: str | None
    attribution: str
    stage: str
    entered_at: datetime
    amount_minor: int | None
    owner_email: str | None


@dataclass(frozen=True)
class StalledDeal:
    deal: OpenDeal
    days_in_stage: float
    threshold_days: float


@dataclass(frozen=True)
class StalledDeals:
    count: int
    amount_minor: int  # of those with an amount
    largest: tuple[StalledDeal, ...]
    thresholds: Mapping[str, float]
    with_amount: int = 0  # stalled deals that have an amount: `amount_minor` sums only these


def compute_stalled_deals(
    counts: Mapping[str, tuple[int, int, int]],
    largest: Sequence[OpenDeal],
    thresholds: Mapping[str, float],
    as_of: datetime,
    limit: int = 5,
) -> StalledDeals:
    """`counts`: stage → (stalled deals, their amount, those with an amount); `largest`: the biggest stalled deals,
    any order."""
    ranked = sorted(largest, key=lambda d: (-(d.amount_minor or 0), d.entered_at, d.external_id))[:limit]
    return StalledDeals(
        count=sum(n for n, _, _ in counts.values()),
        amount_minor=sum(amount for _, amount, _ in counts.values()),
        largest=tuple(
            StalledDeal(d, (as_of - d.entered_at).total_seconds() / 86400, thresholds.get(d.stage, 0.0)) for d in ranked
        ),
        thresholds=dict(thresholds),
        with_amount=sum(known for _, _, known in counts.values()),
    )


@dataclass(frozen=True)
class PipelineMovement:
    moved_minor: int
    open_minor: int
    open_deals: int
    moved_deals: int

    @property
    def share(self) -> float | None:
        if self.open_deals < MIN_SAMPLE or self.open_minor == 0:
            return None
        return self.moved_minor / self.open_minor


def compute_pipeline_movement(open_minor: int, open_deals: int, moved_minor: int, moved_deals: int) -> PipelineMovement:
    """Share of open partner pipeline amount that changed stage in the last 14 days."""
    return PipelineMovement(moved_minor, open_minor, open_deals, moved_deals)
