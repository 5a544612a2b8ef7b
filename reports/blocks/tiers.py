"""The tier review as Block Kit and CSV: who to promote, demote, assign or keep, the figures that decided, and how
near the line each is."""

from __future__ import annotations

from collections.abc import Sequence

from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, bullet_lines, context, divider, header, section
from reports.blocks.tables import csv_file, more_line
from reports.config import ProgramConfig
from reports.formatting import count, money, number
from reports.freshness import Freshness
from reports.kpis.tiers import ASSIGN, DEMOTE, KEEP, NOT_REVIEWED, PROMOTE, Check, TierReview, TierSuggestion
from reports.message import File, Message, esc
from reports.model import Scope
from reports.stats import not_enough
from reports.tier_criteria import CERTIFICATIONS, METRIC_TITLES, SOURCED_REVENUE, WIN_RATE, TierRule

PER_VERDICT = 8
TITLES = {
    PROMOTE: "Promote: qualify for a higher tier",
    DEMOTE: "Demote: below their tier's line",
    ASSIGN: "Assign: no tier the criteria name",
    KEEP: "Keep: nearest the line first",
}


def _minimum_text(metric: str, value: float, config: ProgramConfig) -> str:
    if metric == SOURCED_REVENUE:
        return money(value * 100, config.base_currency)
    if metric == WIN_RATE:
        return f"{value:.0%}"
    if metric == CERTIFICATIONS:
        return f"{value:.0f}"
    return f"{value:g}"


def figure_text(suggestion: TierSuggestion, metric: str, config: ProgramConfig) -> str:
    """A figure as the review shows it, whether or not a minimum asks for it."""
    figures = suggestion.figures
    if metric == SOURCED_REVENUE:
        return f"{money(figures.sourced_revenue_minor, config.base_currency)} ({count(figures.sourced_wins, 'win')})"
    if metric == WIN_RATE:
        return figures.win_rate.text()
    if metric == CERTIFICATIONS:
        courses = len(config.required_courses)
        return "no required courses" if figures.certifications is None else f"{figures.certifications} of {courses}"
    psat = figures.psat
    return not_enough(psat.responses) if psat.mean is None else f"{psat.mean:.1f} (n={number(psat.responses)})"


def margin_text(margin: float) -> str:
    """How near the line: '4% above the line', '12% below', 'on the line'."""
    if abs(margin) < 0.005:
        return "on the line"
    return f"{abs(margin):.0%} {'above' if margin > 0 else 'below'} the line"


def check_text(check: Check, suggestion: TierSuggestion, config: ProgramConfig) -> str:
    metric = check.minimum.metric
    line = _minimum_text(metric, check.minimum.value, config)
    figure = figure_text(suggestion, metric, config)
    if check.margin is None:
        return f"{METRIC_TITLES[metric]} {figure} (needs ≥ {line})"
    return f"{METRIC_TITLES[metric]} {figure} (≥ {line}: {margin_text(check.margin)})"


def _nearest_text(suggestion: TierSuggestion) -> str:
    nearest = suggestion.nearest
    if nearest is None or nearest.margin is None:
        return ""
    return f" · nearest: {METRIC_TITLES[nearest.minimum.metric]}, {margin_text(nearest.margin)}"


def suggestion_line(suggestion: TierSuggestion, config: ProgramConfig) -> str:
    name = f"*{esc(suggestion.partner.name)}*"
    current = esc(suggestion.current or "no tier")
    if suggestion.verdict == KEEP:
        move = f"stays *{esc(suggestion.suggested)}*"
    else:
        move = f"{current} → *{esc(suggestion.suggested)}*"
    checks = [check_text(c, suggestion, config) for c in suggestion.checks]
    if not checks:
        checks = [f"{METRIC_TITLES[SOURCED_REVENUE]} {figure_text(suggestion, SOURCED_REVENUE, config)}"]
    detail = f"\n   {esc(suggestion.decided_by)}: " + " · ".join(checks)
    if suggestion.verdict == KEEP and suggestion.next_tier:
        short = " · ".join(check_text(c, suggestion, config) for c in suggestion.next_checks)
        detail += f"\n   for {esc(suggestion.next_tier)}: {short}"
    note = f" · {esc(suggestion.note)}" if suggestion.note else ""
    return f"• {name} {move}{_nearest_text(suggestion)}{note}{detail}"


def criteria_text(rules: Sequence[TierRule]) -> str:
    return " > ".join(rule.name for rule in rules)


def tiers_text(review: TierReview, freshness: Freshness, config: ProgramConfig, *, title: str = "Tier review") -> str:
    counts = review.counts()
    return (
        f"{title} over {review.quarters(config.tz)}: {number(counts[PROMOTE])} to promote, "
        f"{number(counts[DEMOTE])} to demote, {number(counts[ASSIGN])} to assign, {number(counts[KEEP])} to keep, "
        f"{number(counts[NOT_REVIEWED])} not reviewed. {freshness_text(freshness, config.tz)}."
    )


def shown_count(review: TierReview) -> int:
    """How many partners the message names (each list up to PER_VERDICT, the not reviewed too)."""
    return sum(min(len(review.of(v)), PER_VERDICT) for v in (*TITLES, NOT_REVIEWED))


def tiers_blocks(
    scope: Scope, review: TierReview, freshness: Freshness, config: ProgramConfig, *, title: str = "Tier review"
) -> list[Block]:
    counts = review.counts()
    courses = "" if review.certifications_judged else " · no required courses are set, so certifications are not judged"
    blocks: list[Block] = [
        header(
            f"{title}: {number(counts[PROMOTE])} to promote, {number(counts[DEMOTE])} to demote, "
            f"{number(counts[KEEP])} to keep"
        ),
        context(
            f"{esc(scope.describe())} · the four whole quarters {review.quarters(config.tz)} · tiers "
            f"{esc(criteria_text(review.rules))} (`tier_criteria`) · a figure with too little data never meets a "
            f"minimum nor demotes alone{courses}"
        ),
    ]
    if not any(counts[v] for v in TITLES):
        blocks.append(section("No partner to review: none was onboarded before the reviewed quarters ended."))
    for verdict, heading in TITLES.items():
        members = review.of(verdict)
        if not members:
            continue
        lines = [suggestion_line(s, config) for s in members[:PER_VERDICT]]
        if len(members) > PER_VERDICT:
            lines.append(more_line(len(members) - PER_VERDICT))
        blocks += [divider(), section(f"*{heading}* ({number(len(members))})"), *bullet_lines(lines)]
    skipped = review.of(NOT_REVIEWED)
    if skipped:
        names = ", ".join(f"{esc(s.partner.name)} ({esc(s.note)})" for s in skipped[:PER_VERDICT])
        more = f" and {number(len(skipped) - PER_VERDICT)} more" if len(skipped) > PER_VERDICT else ""
        blocks.append(context(f"Not reviewed: {names}{more}"))
    blocks.append(freshness_block(freshness, config.tz))
    return blocks


def tiers_csv(review: TierReview, config: ProgramConfig) -> File:
    return csv_file(
        "tier-review.csv",
        f"Tier review {review.quarters(config.tz)}",
        [
            "partner_id",
            "partner",
            "owner_email",
            "verdict",
            "current_tier",
            "suggested_tier",
            "decided_by",
            "nearest_metric",
            "nearest_margin",
            f"sourced_revenue_{config.base_currency.lower()}",
            "sourced_wins",
            "win_rate",
            "closed_partner_deals",
            "certifications",
            "psat_mean",
            "psat_responses",
            "note",
        ],
        (
            [
                s.partner.external_id,
                s.partner.name,
                s.partner.owner_email,
                s.verdict,
                s.current,
                s.suggested,
                s.decided_by,
                s.nearest.minimum.metric if s.nearest else None,
                None if s.margin is None else round(s.margin, 4),
                s.figures.sourced_revenue_minor / 100,
                s.figures.sourced_wins,
                None if s.figures.win_rate.value is None else round(s.figures.win_rate.value, 4),
                s.figures.win_rate.denominator,
                s.figures.certifications,
                None if s.figures.psat.mean is None else round(s.figures.psat.mean, 2),
                s.figures.psat.responses,
                s.note,
            ]
            for s in review.suggestions
        ),
    )


def tiers_files(review: TierReview, config: ProgramConfig) -> tuple[File, ...]:
    """The CSV when the message leaves anyone out."""
    return (tiers_csv(review, config),) if len(review.suggestions) > shown_count(review) else ()


def tiers_reply(
    scope: Scope, review: TierReview, freshness: Freshness, config: ProgramConfig, *, title: str | None = None
) -> Message:
    """The review as sent, with the CSV when the message leaves anyone out; a titled one says its title first."""
    return Message(
        text=tiers_text(review, freshness, config, title=title or "Tier review"),
        blocks=tiers_blocks(scope, review, freshness, config, title=title or "Tier review"),
        files=tiers_files(review, config),
    )
