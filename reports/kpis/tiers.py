"""Tier review: each partner's last four whole quarters against the tier criteria, and whether to promote, keep or
demote it, with how near the line it is.

- **Window:** the four whole quarters before as-of (`last_whole_quarters`); courses count when completed before
  its end. Revenue, win rate and PSAT follow their own KPIs' rules over that window.
- **Qualifies** for a tier: every minimum met with a figure. A rate with too few items ("not enough data") or a
  figure the program cannot give (certifications with no required courses configured: that minimum is left out)
  never meets a minimum.
- **Holds** its current tier unless a minimum is missed by a figure: too little data never demotes by itself.
  A partner onboarded after the window began has not had four quarters to reach the minimums: it may be promoted,
  but is kept rather than demoted (said in its note) until its first review over four whole quarters.
- **Promote** to the highest tier it qualifies for when that is above its tier; **keep** while it holds its tier;
  else **demote** to the highest lower tier it holds. No tier, or a tier the criteria do not name: **assign** the
  highest it qualifies for. Not onboarded by the window's end (or sunset): **not reviewed**.
- **How near the line:** each minimum's margin as a share of the minimum ((figure − minimum) ÷ minimum); the line
  is the nearest minimum of the tier that decided (the new tier, the kept tier, the tier lost).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reports.kpis.revenue import PARTNER, ClosedStats, RevenueFacts, compute_win_rate
from reports.kpis.satisfaction import Psat, compute_psat
from reports.model import PartnerProfile
from reports.stats import Distribution, Rate
from reports.tier_criteria import CERTIFICATIONS, PSAT, SOURCED_REVENUE, WIN_RATE, Minimum, TierRule
from reports.timeframe import Window, quarter_label

PROMOTE, KEEP, DEMOTE, ASSIGN, NOT_REVIEWED = "promote", "keep", "demote", "assign", "not reviewed"
VERDICTS = (PROMOTE, DEMOTE, ASSIGN, KEEP, NOT_REVIEWED)


@dataclass(frozen=True)
class TierInputs:
    """What the review reads, per partner id, over one window (plain data from the loaders)."""

    window: Window
    partners: Sequence[PartnerProfile]
    revenue: Mapping[int, tuple[int, int]]  # won sourced (amount minor, deals)
    closed: Mapping[int, Mapping[str, ClosedStats]]  # attribution → won and lost
    courses: Mapping[int, frozenset[str]]  # required courses completed before the window's end
    scores: Mapping[int, Distribution]
    required_courses: int  # how many courses the program requires (0: certifications are not judged)


@dataclass(frozen=True)
class TierFigures:
    sourced_revenue_minor: int
    sourced_wins: int
    win_rate: Rate  # partner deals, sourced and influenced together
    certifications: int | None  # None: the program requires no courses
    psat: Psat

    def value(self, metric: str) -> float | None:
        """The figure in the criteria's unit (revenue in major units); None when it cannot be given."""
        if metric == SOURCED_REVENUE:
            return self.sourced_revenue_minor / 100
        if metric == WIN_RATE:
            return self.win_rate.value
        if metric == CERTIFICATIONS:
            return None if self.certifications is None else float(self.certifications)
        if metric == PSAT:
            return self.psat.mean
        raise KeyError(metric)


@dataclass(frozen=True)
class Check:
    """One minimum against the partner's figure."""

    minimum: Minimum
    value: float | None

    @property
    def met(self) -> bool | None:
        """None: no figure to judge by."""
        return None if self.value is None else self.value >= self.minimum.value

    @property
    def margin(self) -> float | None:
        """(figure − minimum) ÷ minimum: 0.1 is 10 % above the line, −0.2 is 20 % short."""
        return None if self.value is None else (self.value - self.minimum.value) / self.minimum.value


@dataclass(frozen=True)
class TierSuggestion:
    partner: PartnerProfile
    verdict: str
    current: str | None  # the tier as the criteria spell it, or as recorded when the criteria do not name it
    suggested: str | None  # the tier after the review (None: not reviewed)
    figures: TierFigures
    decided_by: str | None  # the tier whose minimums decided: the new one, the one kept, or the one lost
    checks: tuple[Check, ...] = ()  # decided_by's minimums, each with the figure
    next_tier: str | None = None  # for a keep: the tier above, and its minimums not met yet
    next_checks: tuple[Check, ...] = ()
    note: str = ""

    @property
    def nearest(self) -> Check | None:
        """The minimum nearest its line among those that decided (for a demotion, the worst miss). Courses once
        completed stay completed, so a met certifications minimum is no line a partner can fall below."""
        judged = [c for c in self.checks if c.margin is not None and not (c.met and c.minimum.metric == CERTIFICATIONS)]
        if self.verdict == DEMOTE:
            judged = [c for c in judged if c.met is False]
        return min(judged, key=lambda c: c.margin or 0.0, default=None)

    @property
    def margin(self) -> float | None:
        nearest = self.nearest
        return None if nearest is None else nearest.margin


@dataclass(frozen=True)
class TierReview:
    window: Window
    rules: tuple[TierRule, ...]
    suggestions: tuple[TierSuggestion, ...]
    certifications_judged: bool

    def of(self, verdict: str) -> list[TierSuggestion]:
        return [s for s in self.suggestions if s.verdict == verdict]

    def counts(self) -> dict[str, int]:
        return {verdict: len(self.of(verdict)) for verdict in VERDICTS}

    def quarters(self, tz: ZoneInfo) -> str:
        """'2025-Q4 to 2026-Q3'."""
        first = self.window.start.astimezone(tz).date()
        last = self.window.end.astimezone(tz).date() - timedelta(days=1)
        return f"{quarter_label(first)} to {quarter_label(last)}"


def compute_tier_figures(inputs: TierInputs, partner_id: int) -> TierFigures:
    amount, wins = inputs.revenue.get(partner_id, (0, 0))
    facts = RevenueFacts(won={}, closed=inputs.closed.get(partner_id, {}), open={})
    return TierFigures(
        sourced_revenue_minor=amount,
        sourced_wins=wins,
        win_rate=compute_win_rate(facts)[PARTNER],
        certifications=len(inputs.courses.get(partner_id, ())) if inputs.required_courses else None,
        psat=compute_psat(inputs.scores.get(partner_id, Distribution())),
    )


def _checks(rule: TierRule, figures: TierFigures) -> tuple[Check, ...]:
    judged = (m for m in rule.minimums if not (m.metric == CERTIFICATIONS and figures.certifications is None))
    return tuple(Check(m, figures.value(m.metric)) for m in judged)


def _index(rules: Sequence[TierRule], tier: str | None) -> int | None:
    if tier is None:
        return None
    folded = tier.strip().casefold()
    return next((i for i, rule in enumerate(rules) if rule.name.casefold() == folded), None)


def review_partner(
    partner: PartnerProfile, figures: TierFigures, rules: Sequence[TierRule], *, new_since: str | None = None
) -> TierSuggestion:
    """`new_since`: the onboarding date of a partner onboarded after the window began (kept, never demoted)."""
    checks = [_checks(rule, figures) for rule in rules]
    qualified = next(i for i, cs in enumerate(checks) if all(c.met for c in cs))  # the entry tier always qualifies
    current = _index(rules, partner.tier)
    if current is None:
        recorded = f"tier “{partner.tier}” is not in the tier criteria" if partner.tier else "no tier recorded"
        rule = rules[qualified]
        return TierSuggestion(
            partner, ASSIGN, partner.tier, rule.name, figures, rule.name, checks[qualified], note=recorded
        )
    name = rules[current].name
    if qualified < current:
        rule = rules[qualified]
        return TierSuggestion(partner, PROMOTE, name, rule.name, figures, rule.name, checks[qualified])
    holds = [not any(c.met is False for c in cs) for cs in checks]
    if holds[current] or new_since is not None:
        above = rules[current - 1] if current > 0 else None
        unmet = tuple(c for c in checks[current - 1] if not c.met) if above is not None else ()
        return TierSuggestion(
            partner,
            KEEP,
            name,
            name,
            figures,
            name,
            checks[current],
            next_tier=above.name if above is not None else None,
            next_checks=unmet,
            note=""
            if holds[current]
            else f"onboarded {new_since}, part-way through the reviewed quarters: not demoted before a whole year",
        )
    lower = next(i for i in range(current + 1, len(rules)) if holds[i])
    return TierSuggestion(partner, DEMOTE, name, rules[lower].name, figures, name, checks[current])


def compute_tier_review(inputs: TierInputs, rules: tuple[TierRule, ...], tz: ZoneInfo, as_of: datetime) -> TierReview:
    """tier_review: every partner in the program at as-of, reviewed; those not onboarded by the window's end or
    sunset at as-of are listed as not reviewed, with why. A partner whose onboarding is still ahead of as-of is not
    in the program yet and is left out (as every view leaves it out): a partner added later changes nothing."""
    suggestions = []
    for partner in inputs.partners:
        onboarded = partner.onboarded_at(tz)
        if onboarded is not None and onboarded >= as_of:
            continue
        figures = compute_tier_figures(inputs, partner.id)
        note = ""
        if onboarded is not None and onboarded >= inputs.window.end:
            note = f"onboarded {partner.onboarded_on}, after the reviewed quarters"
        elif not partner.is_active(as_of, tz):
            note = "sunset"
        if note:
            suggestions.append(TierSuggestion(partner, NOT_REVIEWED, partner.tier, None, figures, None, note=note))
            continue
        new = onboarded is not None and onboarded > inputs.window.start
        suggestions.append(
            review_partner(partner, figures, rules, new_since=str(partner.onboarded_on) if new else None)
        )
    order = {verdict: i for i, verdict in enumerate(VERDICTS)}
    ranked = sorted(
        suggestions,
        key=lambda s: (order[s.verdict], abs(s.margin) if s.margin is not None else float("inf"), s.partner.name),
    )
    return TierReview(inputs.window, rules, tuple(ranked), inputs.required_courses > 0)
