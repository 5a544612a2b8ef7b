"""Plain descriptions of partners and people that every KPI and renderer shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reports.timeframe import day_start

# how a partner's onboarding date was derived when its data had none (`partners.onboarding_source`), as shown
DERIVED_ONBOARDING = {"first_deal": "first deal"}


@dataclass(frozen=True)
class PartnerProfile:
    id: int
    external_id: str
    name: str
    aliases: tuple[str, ...] = ()
    type: str | None = None
    tier: str | None = None
    region: str | None = None
    segment: str | None = None
    owner_email: str | None = None
    onboarded_on: date | None = None
    status: str = "active"
    sunset_on: date | None = None
    slack_channel: str | None = None
    onboarding_source: str | None = None  # None: the date is the partner data's own; else a DERIVED_ONBOARDING key

    def onboarded_text(self) -> str:
        """The onboarding date as every surface shows it: a derived date says how it was derived."""
        if self.onboarded_on is None:
            return "onboarding date unknown"
        if self.onboarding_source is None:
            return self.onboarded_on.isoformat()
        how = DERIVED_ONBOARDING.get(self.onboarding_source, self.onboarding_source)
        return f"{self.onboarded_on.isoformat()} (derived: {how})"

    def onboarded_at(self, tz: ZoneInfo) -> datetime | None:
        return None if self.onboarded_on is None else day_start(self.onboarded_on, tz)

    def is_active(self, as_of: datetime, tz: ZoneInfo) -> bool:
        """In the program at as-of: onboarded by then (or date unknown) and not yet sunset (a date counts once its
        local midnight is before as-of, the sunset date as any other)."""
        onboarded = self.onboarded_at(tz)
        if onboarded is not None and onboarded >= as_of:
            return False
        if self.status == "sunset":
            return self.sunset_on is not None and day_start(self.sunset_on, tz) >= as_of
        return self.sunset_on is None or day_start(self.sunset_on, tz) >= as_of

    def attribute(self, dimension: str) -> str:
        value: str | None = getattr(self, dimension)
        return value or "unknown"


@dataclass(frozen=True)
class PersonProfile:
    email: str
    name: str | None = None
    slack_user_id: str | None = None
    role: str | None = None
    manager_email: str | None = None
    time_zone: str | None = None


@dataclass(frozen=True)
class Scope:
    """Which partners a view covers: the whole program, some partners, or one segment, region, owner, tier or
    type (each filter given narrows the others)."""

    partner_ids: frozenset[int] | None = None
    segment: str | None = None
    region: str | None = None
    owner_email: str | None = None
    tier: str | None = None
    partner_type: str | None = None  # the partners' `type` (reseller, referral, …)

    @classmethod
    def partner(cls, partner_id: int) -> Scope:
        return cls(partner_ids=frozenset({partner_id}))

    @property
    def filtered(self) -> bool:
        """A filter by partner attribute (segment, region, owner, tier or type) is set."""
        return any((self.segment, self.region, self.owner_email, self.tier, self.partner_type))

    def describe(self) -> str:
        parts = []
        if self.segment:
            parts.append(f"segment {self.segment}")
        if self.region:
            parts.append(f"region {self.region}")
        if self.owner_email:
            parts.append(f"owner {self.owner_email}")
        if self.tier:
            parts.append(f"tier {self.tier}")
        if self.partner_type:
            parts.append(f"type {self.partner_type}")
        if self.partner_ids is not None:
            parts.append(f"{len(self.partner_ids)} partner(s)")
        return ", ".join(parts) or "whole program"
