"""Dormant partners, why each went quiet, and the step that fits the reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reports.config import ProgramConfig
from reports.model import PartnerProfile
from reports.timeframe import elapsed_days, shift_days

TRAINING = "training"
FIT = "fit"
MOMENTUM = "momentum"
DIAGNOSES = (TRAINING, FIT, MOMENTUM)


@dataclass(frozen=True)
class LastDeal:
    name: str
    outcome: str
    on: date


@dataclass(frozen=True)
class QuietPartner:
    """An active partner with no motion in the dormancy window, and what is known about its past."""

    partner: PartnerProfile
    last_motion_at: datetime | None
    missing_courses: tuple[str, ...]
    had_deals_or_intros: bool
    last_deal: LastDeal | None
    alerted_at: datetime | None = None  # first dormancy alert of this quiet spell


@dataclass(frozen=True)
class DormantPartner:
    partner: PartnerProfile
    diagnosis: str
    step: str
    days_quiet: float | None
    last_motion_at: datetime | None
    sunset_candidate: bool


@dataclass(frozen=True)
class DormantPartners:
    partners: tuple[DormantPartner, ...]  # longest quiet first
    window_days: int

    @property
    def count(self) -> int:
        return len(self.partners)

    def by_diagnosis(self) -> dict[str, int]:
        counts = Counter(p.diagnosis for p in self.partners)
        return {d: counts.get(d, 0) for d in DIAGNOSES}

    @property
    def sunset_candidates(self) -> tuple[DormantPartner, ...]:
        return tuple(p for p in self.partners if p.sunset_candidate)


def diagnose(quiet: QuietPartner) -> str:
    """momentum if it ever sold with us, else training if enablement is incomplete, else fit."""
    if quiet.had_deals_or_intros:
        return MOMENTUM
    if quiet.missing_courses:
        return TRAINING
    return FIT


def suggest_step(quiet: QuietPartner, diagnosis: str) -> str:
    if diagnosis == TRAINING:
        courses = ", ".join(quiet.missing_courses[:3]) + ("…" if len(quiet.missing_courses) > 3 else "")
        count = len(quiet.missing_courses)
        return f"Book an enablement session: {count} required course{'s' if count != 1 else ''} left ({courses})."
    if diagnosis == FIT:
        return "Check fit: run an account-mapping session to find a first joint opportunity."
    if quiet.last_deal is not None:
        deal = quiet.last_deal
        return (
            f"Restart momentum: review their last deal ({deal.name}, {deal.outcome} {deal.on.isoformat()}) "
            "and book a pipeline review."
        )
    return "Restart momentum: follow up on their last intro and book a pipeline review."


def compute_dormant_partners(quiet: Sequence[QuietPartner], config: ProgramConfig, as_of: datetime) -> DormantPartners:
    tz = config.tz
    window_start = shift_days(as_of, -config.dormancy_days, tz)
    out = []
    for candidate in quiet:
        if candidate.last_motion_at is not None and candidate.last_motion_at >= window_start:
            continue
        diagnosis = diagnose(candidate)
        since = candidate.last_motion_at or candidate.partner.onboarded_at(tz)
        sunset = candidate.alerted_at is not None and (
            elapsed_days(candidate.alerted_at, as_of, tz) > config.sunset_after_alert_days
        )
        out.append(
            DormantPartner(
                partner=candidate.partner,
                diagnosis=diagnosis,
                step=suggest_step(candidate, diagnosis),
                days_quiet=None if since is None else elapsed_days(since, as_of, tz),
                last_motion_at=candidate.last_motion_at,
                sunset_candidate=sunset,
            )
        )
    out.sort(key=lambda d: (-(d.days_quiet or 0.0), d.partner.name.casefold()))
    return DormantPartners(tuple(out), config.dormancy_days)
