"""A partner's lifecycle state at an as-of: one per partner, the same on every surface.

The states, in the order they are decided:
1. **not yet onboarded**: its onboarding date is on or after the as-of's day ends (it has not started);
2. **sunset**: left the program (status sunset, or a sunset date before as-of);
3. **onboarding unknown**: no onboarding date, a data-quality finding: no clock, so it is left out of activation
   and can never be dormant (nor in runway) for that reason alone;
4. **dormant**: onboarded at least the dormancy window ago and quiet for all of it (with a diagnosis);
5. **activated**: its first win is before as-of;
6. **in runway**: onboarded within the runway span (180 days) and not yet activated, at the first step not reached;
7. **active**: onboarded longer ago than the runway span, with no first win and not dormant (runway ran out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reports.config import STEP_FIRST_WIN, ProgramConfig, step_title
from reports.kpis.activation import RUNWAY_DAYS, PartnerActivation, in_runway_span
from reports.kpis.dormancy import DormantPartner
from reports.model import PartnerProfile

NOT_YET_ONBOARDED = "not yet onboarded"
SUNSET = "sunset"
ONBOARDING_UNKNOWN = "onboarding unknown"
DORMANT = "dormant"
ACTIVATED = "activated"
IN_RUNWAY = "in runway"
ACTIVE = "active"
STATES = (NOT_YET_ONBOARDED, IN_RUNWAY, ACTIVATED, ACTIVE, DORMANT, SUNSET, ONBOARDING_UNKNOWN)
STATE_LABELS = {ACTIVE: "active without a first win"}  # how a count of partners in the state reads


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


@dataclass(frozen=True)
class PartnerState:
    state: str
    detail: str  # one line a manager reads: "In runway at first win (day 42 of 180)"

    @property
    def in_program(self) -> bool:
        """Onboarded (or onboarding date unknown) and not sunset: counted among the active partners."""
        return self.state not in (NOT_YET_ONBOARDED, SUNSET)


def _runway_step(activation: PartnerActivation) -> str:
    return step_title(activation.next_step or STEP_FIRST_WIN).lower()


def compute_partner_state(
    partner: PartnerProfile,
    activation: PartnerActivation,
    dormant: DormantPartner | None,
    as_of: datetime,
    config: ProgramConfig,
) -> PartnerState:
    tz = config.tz
    onboarded = partner.onboarded_at(tz)
    if onboarded is not None and onboarded >= as_of:
        return PartnerState(NOT_YET_ONBOARDED, f"Not yet onboarded: starts {partner.onboarded_on}")
    if not partner.is_active(as_of, tz):
        when = f" since {partner.sunset_on.isoformat()}" if partner.sunset_on else ""
        return PartnerState(SUNSET, f"Sunset{when}")
    if onboarded is None:
        return PartnerState(
            ONBOARDING_UNKNOWN, "Onboarding date unknown: left out of activation and dormancy until it is recorded"
        )
    days = activation.day or 0
    if dormant is not None:
        quiet = f"{dormant.days_quiet:.0f} d" if dormant.days_quiet is not None else "ever"
        where = f", day {days} of the {RUNWAY_DAYS}-day runway" if in_runway_span(activation, as_of, tz) else ""
        return PartnerState(DORMANT, f"Dormant ({dormant.diagnosis}): quiet for {quiet}{where}")
    if activation.activated:
        ttfr = activation.time_to_first_revenue or 0.0
        return PartnerState(ACTIVATED, f"Activated: first win after {ttfr:.0f} d")
    if in_runway_span(activation, as_of, tz):
        return PartnerState(IN_RUNWAY, f"In runway at {_runway_step(activation)} (day {days} of {RUNWAY_DAYS})")
    return PartnerState(
        ACTIVE,
        f"Active, no first win after {days} d: the {RUNWAY_DAYS}-day runway ran out at {_runway_step(activation)}",
    )
