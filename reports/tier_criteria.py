"""Tier criteria: the minimums a partner's last four whole quarters must reach to hold each tier, highest tier first.

Written as one setting, tiers separated by `;`, each `name: metric>=value, …`; the last tier is the entry tier and
takes no minimums, so every partner qualifies for at least it:

    platinum: sourced_revenue>=1m, win_rate>=30%, certifications>=3, psat>=8; gold: …; registered
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

SOURCED_REVENUE = "sourced_revenue"  # won sourced amount, base currency (major units; 250k and 1.5m read as such)
WIN_RATE = "win_rate"  # partner (sourced and influenced) win rate, as a percentage
CERTIFICATIONS = "certifications"  # how many of the required courses the partner completed
PSAT = "psat"  # mean survey score, 0–10
METRICS = (SOURCED_REVENUE, WIN_RATE, CERTIFICATIONS, PSAT)
METRIC_TITLES = {
    SOURCED_REVENUE: "sourced revenue",
    WIN_RATE: "win rate",
    CERTIFICATIONS: "required courses",
    PSAT: "PSAT",
}
DEFAULT_TIER_CRITERIA = (
    "platinum: sourced_revenue>=1m, win_rate>=30%, certifications>=3, psat>=8; "
    "gold: sourced_revenue>=250k, win_rate>=25%, certifications>=2; "
    "silver: sourced_revenue>=50k, certifications>=1; "
    "registered"
)
EXAMPLE = "gold: sourced_revenue>=250k, win_rate>=25%; silver: sourced_revenue>=50k; registered"
_TIER_NAME = re.compile(r"^[\w][\w .+-]*$")
_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*([km]?)$", re.IGNORECASE)


class TierCriteriaError(ValueError):
    """Tier criteria that cannot be used, with what would be accepted."""


@dataclass(frozen=True)
class Minimum:
    metric: str
    value: float  # sourced_revenue in base-currency major units; win_rate a share 0–1; the others as read

    def text(self) -> str:
        """The minimum as it is written in the setting."""
        if self.metric == SOURCED_REVENUE:
            return f"{self.metric}>={_amount_text(self.value)}"
        if self.metric == WIN_RATE:
            return f"{self.metric}>={_plain(self.value * 100)}%"
        return f"{self.metric}>={_plain(self.value)}"


@dataclass(frozen=True)
class TierRule:
    name: str
    minimums: tuple[Minimum, ...]

    def minimum(self, metric: str) -> Minimum | None:
        return next((m for m in self.minimums if m.metric == metric), None)

    def text(self) -> str:
        return f"{self.name}: {', '.join(m.text() for m in self.minimums)}" if self.minimums else self.name


def _plain(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _amount_text(value: float) -> str:
    for suffix, size in (("m", 1_000_000), ("k", 1_000)):
        if value >= size and (value / size) * 1000 == int((value / size) * 1000):
            return f"{_plain(value / size)}{suffix}"
    return _plain(value)


def _number(metric: str, raw: str) -> float:
    text = raw.strip().replace("_", "")
    if metric == SOURCED_REVENUE:
        match = _AMOUNT.match(text)
        if match is None:
            raise TierCriteriaError(f"{metric}>={raw} is not an amount: write it like 250000, 250k or 1.5m")
        return float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    percent = metric == WIN_RATE and text.endswith("%")
    try:
        value = float(text.removesuffix("%") if percent else text)
    except ValueError as exc:
        raise TierCriteriaError(f"{metric}>={raw} is not a number") from exc
    if metric == WIN_RATE:
        if not percent:
            raise TierCriteriaError(f"write the win rate as a percentage: {metric}>={raw}%")
        if not 0 < value <= 100:
            raise TierCriteriaError(f"{metric}>={raw}: a win rate lies above 0% and up to 100%")
        return value / 100
    if metric == CERTIFICATIONS and value != int(value):
        raise TierCriteriaError(f"{metric}>={raw}: a count of courses is a whole number")
    if metric == PSAT and not 0 < value <= 10:
        raise TierCriteriaError(f"{metric}>={raw}: PSAT is a mean score above 0 and up to 10")
    return value


def _minimum(tier: str, part: str) -> Minimum:
    metric, sep, raw = part.partition(">=")
    metric = metric.strip().lower()
    if not sep or not raw.strip():
        raise TierCriteriaError(f"{tier}: {part!r} is not metric>=value; write it like sourced_revenue>=250k")
    if metric not in METRICS:
        raise TierCriteriaError(f"{tier}: unknown metric {metric!r}: use {', '.join(METRICS)}")
    value = _number(metric, raw)
    if value <= 0:
        raise TierCriteriaError(f"{tier}: {metric}>={raw} asks nothing; leave it out or give a value above 0")
    return Minimum(metric, value)


def _tier(part: str) -> TierRule:
    name, _, rest = part.partition(":")
    name = name.strip()
    if not _TIER_NAME.match(name):
        raise TierCriteriaError(f"{part.strip()!r} does not start with a tier name; write tiers like {EXAMPLE}")
    minimums = tuple(_minimum(name, item) for item in (p.strip() for p in rest.split(",")) if item)
    seen = [m.metric for m in minimums]
    if len(set(seen)) != len(seen):
        raise TierCriteriaError(f"{name}: a metric appears twice")
    return TierRule(name, minimums)


def parse_tier_criteria(text: str) -> tuple[TierRule, ...]:
    """The tiers, highest first, each checked; raises TierCriteriaError saying what is wrong and how to write it."""
    rules = tuple(_tier(part) for part in (p.strip() for p in text.split(";")) if part)
    if len(rules) < 2:
        raise TierCriteriaError(f"give at least two tiers, highest first, the entry tier last: {EXAMPLE}")
    names = [r.name.casefold() for r in rules]
    if len(set(names)) != len(names):
        raise TierCriteriaError("a tier appears twice")
    if rules[-1].minimums:
        raise TierCriteriaError(
            f"the last tier ({rules[-1].name}) is the entry tier every partner qualifies for: give it no minimums"
        )
    for higher, lower in pairwise(rules):
        for floor in lower.minimums:
            above = higher.minimum(floor.metric)
            if above is None or above.value < floor.value:
                raise TierCriteriaError(
                    f"{higher.name} is above {lower.name}, so it must ask at least {floor.text()} too "
                    "(tiers go highest first)"
                )
    return rules


def canonical_tier_criteria(text: str) -> str:
    """The setting as stored: checked, and written one way."""
    return "; ".join(rule.text() for rule in parse_tier_criteria(text))
