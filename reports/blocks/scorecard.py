"""The partner scorecard as Block Kit, with fallback text."""

from __future__ import annotations

from reports.blocks.common import person, revenue_text, stalled_text
from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, context, divider, fields_section, header, section
from reports.chart_specs import RevenueChart, scorecard_revenue_spec
from reports.charts import caption, revenue_png
from reports.config import ProgramConfig
from reports.formatting import count, days, hours, local_date, money, number, period_label
from reports.kpis.goals import BEHIND, MET, MISSED, ON_TRACK, GoalProgress
from reports.kpis.lifecycle import (
    ACTIVATED,
    ACTIVE,
    DORMANT,
    IN_RUNWAY,
    NOT_YET_ONBOARDED,
    ONBOARDING_UNKNOWN,
    SUNSET,
)
from reports.message import File, esc
from reports.stats import Median, Rate, not_enough
from reports.views.scorecard import Comparison, Scorecard, activation_clock

STATUS_ICONS = {
    ACTIVATED: ":trophy:",
    IN_RUNWAY: ":seedling:",
    ACTIVE: ":large_blue_circle:",
    DORMANT: ":zzz:",
    SUNSET: ":sunrise:",
    ONBOARDING_UNKNOWN: ":grey_question:",
    NOT_YET_ONBOARDED: ":hourglass_flowing_sand:",
}
GOAL_ICONS = {
    MET: ":white_check_mark:",
    ON_TRACK: ":large_green_circle:",
    BEHIND: ":warning:",
    MISSED: ":x:",
    "upcoming": ":hourglass_flowing_sand:",
}


def _figure(value: Rate | Median | float | None, *, unit: str, currency: str, label: str | None = None) -> str:
    """'program 38% (1,571 of 4,166)', 'program: not enough data (n=3)', 'direct $54k'."""
    if isinstance(value, Rate):
        return value.text(label=label)
    if isinstance(value, Median):
        return value.text(unit, label=label)
    if value is None:
        return f"{label}: not enough data" if label else "not enough data"
    return f"{label} {money(value, currency)}" if label else money(value, currency)


def _comparison(comparison: Comparison, *, unit: str = "d", currency: str) -> str:
    return (
        f"{_figure(comparison.partner, unit=unit, currency=currency)}\n"
        f"{_figure(comparison.program, unit=unit, currency=currency, label='program')} · "
        f"{_figure(comparison.direct, unit=unit, currency=currency, label='direct')}"
    )


def goal_line(progress: GoalProgress, currency: str) -> str:
    goal = progress.goal
    icon = GOAL_ICONS.get(progress.status, "")
    metric = goal.metric.replace("_", " ")
    if goal.metric == "first_win_by":
        deadline = goal.target_date.isoformat() if goal.target_date else goal.period
        detail = f"first win by {deadline}"
        if goal.first_win_on:
            detail += f" (won {goal.first_win_on.isoformat()})"
    else:
        money_metric = goal.metric in ("sourced_pipeline", "sourced_revenue")
        actual = money(goal.actual, currency) if money_metric else f"{goal.actual:,.0f}"
        target = money(goal.target or 0, currency) if money_metric else f"{goal.target or 0:,.0f}"
        pace = f", {progress.pace:.0%} of period gone" if progress.pace is not None and progress.status != MET else ""
        detail = f"{metric} {goal.period}: {actual} of {target}{pace}"
    return f"{icon} *{progress.status}* — {esc(detail)}"


def scorecard_text(card: Scorecard, config: ProgramConfig) -> str:
    """The fallback and notification text: the card in one paragraph."""
    currency = card.currency
    return (
        f"{card.partner.name} scorecard — {card.status_detail}. "
        f"Sourced {money(card.sourced['trailing_365'].amount_minor, currency)} {period_label('trailing_365')}, "
        f"open pipeline {money(card.open_minor, currency)}, {count(card.stalled.count, 'stalled deal')}. "
        f"Next step: {card.next_step} {freshness_text(card.freshness, config.tz)}."
    )


def scorecard_blocks(card: Scorecard, config: ProgramConfig) -> list[Block]:
    tz, currency, partner = config.tz, card.currency, card.partner
    facts = [partner.type, partner.tier, partner.segment, partner.region]
    about = " · ".join(esc(f) for f in facts if f)
    onboarded = partner.onboarded_text()
    blocks: list[Block] = [
        header(f"{partner.name} — partner scorecard"),
        context(
            f"{STATUS_ICONS.get(card.status, '')} *{esc(card.status_detail)}*",
            f"{about or 'no profile yet'} · owner {person(card.owner, partner.owner_email)} · onboarded {onboarded}",
        ),
        section("*Focus*", fields=[f"*{label}*\n{esc(value)}" for label, value in card.headlines]),
    ]
    if card.goals:
        blocks.append(section("*Goals*\n" + "\n".join(goal_line(g, currency) for g in card.goals[:8])))
    blocks.append(divider())

    sourced, influenced = card.sourced, card.influenced
    without = f", {number(card.open_without_amount)} without amount" if card.open_without_amount else ""
    stalled = card.stalled
    stalled_lines = stalled_text(stalled, currency)
    if stalled.largest:
        top = stalled.largest[0]
        label = esc(top.deal.name or top.deal.external_id)
        stalled_lines += f"\nlargest: {label} ({days(top.days_in_stage)} in {esc(top.deal.stage)})"
    movement = card.movement.share
    blocks += fields_section(
        [
            ("Sourced revenue", revenue_text(sourced, currency)),
            ("Influenced revenue", revenue_text(influenced, currency)),
            (
                "Open pipeline",
                f"{money(card.open_minor, currency)} in {count(card.open_deals, 'deal')}{without}\n"
                f"moved in 14 d: {not_enough(card.movement.open_deals) if movement is None else f'{movement:.0%}'}",
            ),
            ("Stalled deals", stalled_lines),
            ("Win rate (365 d)", _comparison(card.win_rate, currency=currency)),
            ("Deal size (365 d)", _comparison(card.deal_size, currency=currency)),
            ("Time to close (365 d)", _comparison(card.time_to_close, currency=currency)),
            _activation_field(card),
            ("Intros", _intros_text(card, config)),
            ("Enablement", _enablement_text(card, config)),
        ]
    )
    blocks += fields_section([("PSAT (365 d)", card.psat.text())])
    blocks.append(section(f":arrow_right: *Next step:* {esc(card.next_step)}"))
    blocks.append(freshness_block(card.freshness, tz))
    return blocks


def _activation_field(card: Scorecard) -> tuple[str, str]:
    title, value = activation_clock(card)
    return title, f"{value}\n{card.program_ttfr.text(label='program median time to first revenue')}"


def _intros_text(card: Scorecard, config: ProgramConfig) -> str:
    handoff = card.handoff
    lines = [f"{number(card.open_intros)} waiting for a first response"]
    if card.stale:
        lines[0] += f" ({number(len(card.stale))} past the {config.handoff_sla_hours} h SLA)"
    lines.append(f"response {handoff.median.text('h', label='median')} over {count(handoff.intros, 'intro')} (90 d)")
    if card.stale:
        oldest = card.stale[0]
        lines.append(f"oldest: {esc(oldest.intro.account or oldest.intro.external_id)}, {hours(oldest.age_hours)}")
    return "\n".join(lines)


def _enablement_text(card: Scorecard, config: ProgramConfig) -> str:
    engagement = card.engagement
    if card.required_courses:
        done = len(card.required_courses) - len(card.missing_courses)
        courses = f"{number(done)}/{number(len(card.required_courses))} required courses"
        if card.missing_courses:
            courses += f" (missing {esc(', '.join(card.missing_courses[:3]))})"
    else:
        courses = "no required courses configured"
    last_login = engagement.last("login")
    login = local_date(last_login, config.tz) if last_login else "never"
    return f"{courses}\nlast login {login} · {count(engagement.total_30, 'activity')} in 30 d"


def revenue_chart(spec: RevenueChart, *, subject: str, filename: str) -> File:
    return File(
        filename,
        f"{subject} — won revenue by month, {spec.window}",
        revenue_png(spec),
        alt_text=f"Won revenue per month by attribution, with open partner pipeline; {spec.window}: "
        f"{caption(spec.caption)}",
    )


def scorecard_chart(card: Scorecard) -> File:
    slug = "".join(ch if ch.isalnum() else "-" for ch in card.partner.name.lower()).strip("-")
    return revenue_chart(scorecard_revenue_spec(card), subject=card.partner.name, filename=f"scorecard-{slug}.png")
