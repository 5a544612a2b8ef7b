"""First wins: who won their first partner deal, how fast, and against their onboarding cohort."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.config import ProgramConfig
from reports.kpis.activation import Milestones, compute_partner_activation
from reports.model import PartnerProfile
from reports.stats import Distribution, Median
from reports.timeframe import quarter_label


@dataclass(frozen=True)
class WinInput:
    partner_id: int
    won_at: datetime
    deal_external_id: str | None
    deal_name: str | None
    amount_minor: int | None
    attribution: str | None
    deal_id: int | None = None  # the winning deal (its Why button), when known


@dataclass(frozen=True)
class FirstWin:
    partner: PartnerProfile
    won_at: datetime
    deal: str
    amount_minor: int | None
    attribution: str | None
    days_to_win: float | None
    cohort: str | None
    cohort_median: Median | None
    deal_id: int | None = None


def compute_first_wins(
    wins: Sequence[WinInput], milestones: Sequence[Milestones], config: ProgramConfig, as_of: datetime
) -> tuple[FirstWin, ...]:
    """Each win with its days from onboarding, next to the median of its onboarding quarter's activated partners."""
    activations = {m.partner.id: compute_partner_activation(m, config, as_of) for m in milestones}
    cohort_days: dict[str, list[float]] = defaultdict(list)
    for activation in activations.values():
        onboarded = activation.partner.onboarded_on
        if onboarded is not None and activation.time_to_first_revenue is not None:
            cohort_days[quarter_label(onboarded)].append(round(activation.time_to_first_revenue, 1))
    out = []
    for win in wins:
        found = activations.get(win.partner_id)
        if found is None or win.won_at >= as_of:
            continue
        activation = found
        onboarded = activation.partner.onboarded_on
        cohort = quarter_label(onboarded) if onboarded else None
        out.append(
            FirstWin(
                partner=activation.partner,
                won_at=win.won_at,
                deal=win.deal_name or win.deal_external_id or "deal",
                amount_minor=win.amount_minor,
                attribution=win.attribution,
                days_to_win=activation.time_to_first_revenue,
                cohort=cohort,
                cohort_median=Median.of(Distribution.of(cohort_days[cohort])) if cohort else None,
                deal_id=win.deal_id,
            )
        )
    return tuple(out)
