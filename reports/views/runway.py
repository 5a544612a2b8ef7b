"""The runway view: partners on their way to a first win, and where they get stuck."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.kpis.activation import (
    Dropoff,
    Milestones,
    PartnerActivation,
    PartnersInRunway,
    Survival,
    TimeToFirstRevenue,
    WipPerManager,
    compute_activation_runway,
    compute_dropoff_by_step,
    compute_first_win_cycle,
    compute_partner_activation,
    compute_partners_in_runway,
    compute_time_to_first_revenue,
    compute_wip_per_manager,
    in_runway,
)
from reports.model import Scope


@dataclass(frozen=True)
class RunwayView:
    scope: Scope
    as_of: datetime
    partners_in_runway: PartnersInRunway
    in_runway: tuple[PartnerActivation, ...]  # longest in runway first
    activation_runway: Survival
    first_win_cycle: Survival
    time_to_first_revenue: TimeToFirstRevenue
    dropoff: Dropoff
    wip: WipPerManager
    freshness: Freshness


def compute_runway(
    milestones: Sequence[Milestones],
    scope: Scope,
    config: ProgramConfig,
    as_of: datetime,
    freshness: Freshness,
) -> RunwayView:
    tz = config.tz
    activations = [compute_partner_activation(m, config, as_of) for m in milestones]
    current = sorted(
        (a for a in activations if in_runway(a, as_of, tz)),
        key=lambda a: (-(a.days_onboarded or 0.0), a.partner.name.casefold()),
    )
    return RunwayView(
        scope=scope,
        as_of=as_of,
        partners_in_runway=compute_partners_in_runway(milestones, config, as_of),
        in_runway=tuple(current),
        activation_runway=compute_activation_runway(activations, as_of, tz),
        first_win_cycle=compute_first_win_cycle(activations, as_of, tz),
        time_to_first_revenue=compute_time_to_first_revenue(activations, as_of, tz),
        dropoff=compute_dropoff_by_step(milestones, config, as_of),
        wip=compute_wip_per_manager(milestones, config, as_of),
        freshness=freshness,
    )
