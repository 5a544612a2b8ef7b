"""Revenue KPIs: sourced and influenced revenue, pipeline contribution, win rate, deal size and time to close
against direct, revenue concentration and top partners."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reports.stats import MIN_SAMPLE, Distribution, Median, Rate, mean, ratio
from reports.timeframe import add_months, day_start

PERIODS = ("month", "quarter", "trailing_365")
PARTNER = "partner"
DIRECT = "direct"


@dataclass(frozen=True)
class MonthSpan:
    """The part of one calendar month that lies in a window of whole program-local days: [first, end)."""

    month: date  # the month's first day
    first: date
    end: date
    in_progress: bool  # the month holding as-of, not over yet at as-of: its figures are month to date

    @property
    def whole(self) -> bool:
        return self.first == self.month and self.end == add_months(self.month, 1) and not self.in_progress


def compute_month_spans(first: date, end: date, as_of: datetime, tz: ZoneInfo) -> tuple[MonthSpan, ...]:
    """The calendar months the dates [first, end) touch, each cut to the window, oldest first."""
    spans = []
    month = first.replace(day=1)
    while month < end:
        following = add_months(month, 1)
        spans.append(MonthSpan(month, max(first, month), min(end, following), as_of < day_start(following, tz)))
        month = following
    return tuple(spans)


@dataclass(frozen=True)
class RevenueSeries:
    """Won partner revenue by month over exactly the trailing-365-day window of `sourced_revenue`, by attribution,
    with open partner pipeline at each span's end (the last one at as-of): the bars add up to the card's totals."""

    spans: tuple[MonthSpan, ...]
    won: Mapping[tuple[date, str], int]  # (month, attribution) → won amount closed in the month's span
    open_pipeline: Mapping[date, int]  # month → open partner pipeline at the start of its span's end day


@dataclass(frozen=True)
class WonTotal:
    amount_minor: int = 0
    count: int = 0


@dataclass(frozen=True)
class ClosedStats:
    """Deals of one attribution closed in the trailing 365 days."""

    won: int = 0
    lost: int = 0
    won_amount_minor: int = 0
    close_days: Distribution = field(default_factory=Distribution)


@dataclass(frozen=True)
class OpenStats:
    amount_minor: int = 0
    count: int = 0
    without_amount: int = 0


@dataclass(frozen=True)
class LargeDeal:
    """One of a partner's largest deals on its scorecard: won this quarter, or open at as-of."""

    deal_id: int
    label: str
    attribution: str
    outcome: str  # won or open
    amount_minor: int | None  # in the base currency
    stage: str | None


@dataclass(frozen=True)
class RevenueFacts:
    """What the revenue KPIs need for one scope; direct figures are always program-wide."""

    won: Mapping[tuple[str, str], WonTotal]  # (attribution, period) → total
    closed: Mapping[str, ClosedStats]  # attribution → trailing-365 closed deals
    open: Mapping[str, OpenStats]  # attribution → open pipeline as of

    def won_total(self, attribution: str, period: str) -> WonTotal:
        return self.won.get((attribution, period), WonTotal())

    def closed_stats(self, attribution: str) -> ClosedStats:
        return self.closed.get(attribution, ClosedStats())

    def open_stats(self, attribution: str) -> OpenStats:
        return self.open.get(attribution, OpenStats())


@dataclass(frozen=True)
class PipelineContribution:
    sourced: float | None
    influenced: float | None
    sourced_minor: int
    influenced_minor: int
    total_minor: int
    open_count: int
    without_amount: int

    @property
    def partner_minor(self) -> int:
        """Open partner (sourced and influenced) pipeline amount: what the revenue chart's line ends at."""
        return self.sourced_minor + self.influenced_minor


@dataclass(frozen=True)
class VersusDirect:
    """A partner figure next to the direct baseline."""

    partner: Median
    direct: Median
    ratio: float | None


@dataclass(frozen=True)
class Concentration:
    top10_share: float | None
    top20_share: float | None
    top10_count: int
    top20_count: int
    partners_with_revenue: Rate  # of active partners
    total_minor: int


@dataclass(frozen=True)
class PartnerRevenue:
    partner_id: int
    name: str
    type: str | None
    tier: str | None
    segment: str | None
    amount_minor: int
    deals: int


@dataclass(frozen=True)
class TopPartners:
    ranked: tuple[PartnerRevenue, ...]
    leading_segment: str | None
    leading_segment_minor: int


def compute_revenue(facts: RevenueFacts, attribution: str) -> dict[str, WonTotal]:
    """sourced_revenue / influenced_revenue: won amount per period."""
    return {period: facts.won_total(attribution, period) for period in PERIODS}


def compute_pipeline_contribution(facts: RevenueFacts) -> PipelineContribution:
    sourced = facts.open_stats("sourced")
    influenced = facts.open_stats("influenced")
    direct = facts.open_stats(DIRECT)
    total = sourced.amount_minor + influenced.amount_minor + direct.amount_minor
    return PipelineContribution(
        sourced=ratio(sourced.amount_minor, total),
        influenced=ratio(influenced.amount_minor, total),
        sourced_minor=sourced.amount_minor,
        influenced_minor=influenced.amount_minor,
        total_minor=total,
        open_count=sourced.count + influenced.count + direct.count,
        without_amount=sourced.without_amount + influenced.without_amount + direct.without_amount,
    )


def compute_win_rate(facts: RevenueFacts) -> dict[str, Rate]:
    """won ÷ (won + lost) per attribution, plus all partner deals together."""
    rates = {}
    for attribution in ("sourced", "influenced", DIRECT):
        stats = facts.closed_stats(attribution)
        rates[attribution] = Rate(stats.won, stats.won + stats.lost)
    sourced, influenced = facts.closed_stats("sourced"), facts.closed_stats("influenced")
    won = sourced.won + influenced.won
    rates[PARTNER] = Rate(won, won + sourced.lost + influenced.lost)
    return rates


def _partner_closed(facts: RevenueFacts) -> ClosedStats:
    sourced, influenced = facts.closed_stats("sourced"), facts.closed_stats("influenced")
    return ClosedStats(
        won=sourced.won + influenced.won,
        lost=sourced.lost + influenced.lost,
        won_amount_minor=sourced.won_amount_minor + influenced.won_amount_minor,
        close_days=sourced.close_days + influenced.close_days,
    )


@dataclass(frozen=True)
class DealSize:
    partner_mean_minor: float | None
    direct_mean_minor: float | None
    partner_n: int
    direct_n: int
    ratio: float | None


def compute_deal_size_vs_direct(facts: RevenueFacts) -> DealSize:
    partner = _partner_closed(facts)
    direct = facts.closed_stats(DIRECT)
    partner_mean = mean(partner.won_amount_minor, partner.won)
    direct_mean = mean(direct.won_amount_minor, direct.won)
    return DealSize(partner_mean, direct_mean, partner.won, direct.won, ratio(partner_mean, direct_mean))


def compute_time_to_close_vs_direct(facts: RevenueFacts) -> VersusDirect:
    partner = Median.of(_partner_closed(facts).close_days)
    direct = Median.of(facts.closed_stats(DIRECT).close_days)
    return VersusDirect(partner, direct, ratio(partner.value, direct.value))


def compute_revenue_concentration(
    revenue_by_partner: Mapping[int, int], active_partner_ids: frozenset[int]
) -> Concentration:
    """Top 10 % / 20 % of partners (active ones plus any with revenue) by trailing-365 partner revenue."""
    earning = {pid: amount for pid, amount in revenue_by_partner.items() if amount > 0}
    population = len(active_partner_ids | frozenset(earning))
    amounts = sorted(earning.values(), reverse=True)
    total = sum(amounts)
    top10 = math.ceil(0.10 * population) if population else 0
    top20 = math.ceil(0.20 * population) if population else 0
    enough = len(amounts) >= MIN_SAMPLE and total > 0
    return Concentration(
        top10_share=sum(amounts[:top10]) / total if enough else None,
        top20_share=sum(amounts[:top20]) / total if enough else None,
        top10_count=top10,
        top20_count=top20,
        partners_with_revenue=Rate(sum(1 for pid in active_partner_ids if pid in earning), len(active_partner_ids)),
        total_minor=total,
    )


def compute_top_partners(rows: Sequence[PartnerRevenue], limit: int = 10) -> TopPartners:
    earning = [row for row in rows if row.amount_minor > 0]
    ranked = sorted(earning, key=lambda row: (-row.amount_minor, row.name.casefold()))
    by_segment: dict[str, int] = {}
    for row in earning:
        key = row.segment or "unknown"
        by_segment[key] = by_segment.get(key, 0) + row.amount_minor
    leader = max(sorted(by_segment), key=lambda seg: by_segment[seg], default=None)
    return TopPartners(tuple(ranked[:limit]), leader, by_segment.get(leader, 0) if leader else 0)
