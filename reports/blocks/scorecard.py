"""The partner scorecard as Block Kit, with fallback text."""

from __future__ import annotations

from reports.blocks.alerts import DORMANT as DORMANT_RULE
from reports.blocks.alerts import (
    NEXT_STEP_ACTION,
    RESPONDED_ACTION,
    SNOOZE_ACTION,
    STALE,
    item_block_id,
    snooze_value,
)
from reports.blocks.common import person, stalled_text
from reports.blocks.disputes import why_picker
from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.incentives import fast_start_line
from reports.blocks.kit import Block, actions, button, context, divider, header, section
from reports.chart_specs import RevenueChart, scorecard_revenue_spec
from reports.charts import caption, revenue_png
from reports.config import ProgramConfig
from reports.formatting import count, days, local_date, money, number, period_label
from reports.kpis.goals import BEHIND, COUNT_METRICS, MET, MISSED, ON_TRACK, GoalProgress
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
from reports.views.next_step import DORMANT_PARTNER, INTRO, NextStep, Who
from reports.views.scorecard import Comparison, Headline, Scorecard, activation_clock

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


def _goal_amounts(progress: GoalProgress, currency: str) -> tuple[str, str]:
    """A goal's actual and target as written: money for the money metrics, whole numbers for counts."""
    goal = progress.goal
    if goal.metric in COUNT_METRICS:
        return f"{goal.actual:,.0f}", f"{goal.target or 0:,.0f}"
    return money(goal.actual, currency), money(goal.target or 0, currency)


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
        actual, target = _goal_amounts(progress, currency)
        pace = f", {progress.pace:.0%} of period gone" if progress.pace is not None and progress.status != MET else ""
        detail = f"{metric} {goal.period}: {actual} of {target}{pace}"
    return f"{icon} *{progress.status}* — {esc(detail)}"


def goal_item(progress: GoalProgress, currency: str) -> str:
    """'🟢 sourced revenue $591k of $660k': one current goal, its period and pace said once above it."""
    goal = progress.goal
    icon = GOAL_ICONS.get(progress.status, "")
    if goal.metric == "first_win_by":
        return goal_line(progress, currency)
    actual, target = _goal_amounts(progress, currency)
    return f"{icon} {esc(goal.metric.replace('_', ' '))} {actual} of {target} — {progress.status}"


def scorecard_text(card: Scorecard, config: ProgramConfig) -> str:
    """The fallback and notification text: the card in one paragraph."""
    currency = card.currency
    return (
        f"{card.partner.name} scorecard — {card.status_detail}. "
        f"Sourced {money(card.sourced['trailing_365'].amount_minor, currency)} {period_label('trailing_365')}, "
        f"open pipeline {money(card.open_minor, currency)}, {count(card.stalled.count, 'stalled deal')}. "
        f"Next step: {card.next_step} {freshness_text(card.freshness, config.tz)}."
    )


def step_mrkdwn(step: NextStep) -> str:
    """The next step with its people as mentions (name or email when not in Slack)."""
    return "".join(person(part.profile, part.email) if isinstance(part, Who) else esc(part) for part in step.parts)


def step_buttons(step: NextStep) -> list[Block]:
    """The button that does the step: answer or log the intro, or snooze it or the dormant partner."""
    if step.subject is None:
        return []
    if step.action == INTRO:
        subject = str(step.subject)
        return [
            actions(
                button("Responded", RESPONDED_ACTION, subject, style="primary"),
                button("Log next step", NEXT_STEP_ACTION, subject),
                button("Snooze…", SNOOZE_ACTION, snooze_value(STALE, step.subject)),
                block_id=item_block_id(STALE, step.subject),
            )
        ]
    if step.action == DORMANT_PARTNER:
        return [
            actions(
                button("Snooze…", SNOOZE_ACTION, snooze_value(DORMANT_RULE, step.subject)),
                block_id=item_block_id(DORMANT_RULE, step.subject),
            )
        ]
    return []


def _headline_field(headline: Headline) -> str:
    change = f"\n{esc(headline.change)}" if headline.change else ""
    return f"*{esc(headline.title)}*\n{esc(headline.value)}{change}"


def _goals_blocks(card: Scorecard) -> list[Block]:
    """The current period's goals, one line each under the period and its pace; past periods in one line."""
    current, past = card.current_goals, card.past_goals
    blocks: list[Block] = []
    if current:
        lines = []
        for period in dict.fromkeys(g.goal.period for g in current):
            goals = [g for g in current if g.goal.period == period]
            pace = next((g.pace for g in goals if g.pace is not None), None)
            gone = f" · {pace:.0%} of the period gone" if pace is not None else ""
            lines.append(f"*Goals {esc(period)}*{gone}")
            lines += [goal_item(g, card.currency) for g in goals[:6]]
        blocks.append(section("\n".join(lines)))
    elif past:
        blocks.append(section("*Goals* — none set for the current period yet"))
    if past:
        last = past[-1].goal.period
        of_last = [g for g in past if g.goal.period == last]
        met = sum(1 for g in of_last if g.status == MET)
        blocks.append(context(f"{esc(last)}: {met} of {len(of_last)} goals met"))
    return blocks


def _details(card: Scorecard, config: ProgramConfig) -> str:
    """Everything else on the card, one line per subject, leaving out what the headlines already say."""
    shown = {h.metric for h in card.headlines}
    currency = card.currency
    sourced, influenced = card.sourced, card.influenced
    lines = [
        f"*Revenue* this quarter: sourced {money(sourced['quarter'].amount_minor, currency)} · influenced "
        f"{money(influenced['quarter'].amount_minor, currency)} — trailing 365 d: sourced "
        f"{money(sourced['trailing_365'].amount_minor, currency)} · influenced "
        f"{money(influenced['trailing_365'].amount_minor, currency)}",
        f"*Pipeline* {_pipeline_text(card, headline='pipeline_health' in shown)}",
        f"*365 d: partner · program · direct* win rate {_trio(card.win_rate, currency)} — deal size "
        f"{_trio(card.deal_size, currency)} — time to close {_trio(card.time_to_close, currency)}",
    ]
    if "time_to_first_revenue" not in shown:
        title, value = activation_clock(card)
        lines.append(f"*{title}* {esc(value)} · {esc(card.program_ttfr.text(label='program median'))}")
    lines.append(f"*Intros* {_intros_text(card, config)}")
    if "enablement" not in shown:
        lines.append(f"*Enablement* {_enablement_text(card, config)}")
    else:
        lines.append(f"*Enablement* {_enablement_extra(card, config)}")
    if "psat" not in shown:
        lines.append(f"*PSAT (365 d)* {esc(card.psat.text())}")
    if card.fast_start is not None and (fast := fast_start_line(card.fast_start, config)) is not None:
        lines.append(fast)
    return "\n".join(lines)


def why_deals(card: Scorecard) -> list[tuple[int, str]]:
    """What the card's *Why sourced?* picker offers: the partner's largest deals (won this quarter or open),
    then its largest stalled ones, each labelled with its amount, state and attribution."""
    picked: dict[int, tuple[int, str]] = {}
    currency = card.currency
    for deal in card.largest_deals:
        amount = money(deal.amount_minor, currency) if deal.amount_minor is not None else "no amount"
        state = deal.outcome if deal.outcome == "won" or not deal.stage else f"open, {deal.stage}"
        picked.setdefault(deal.deal_id, (deal.deal_id, f"{deal.label} · {amount} {state}, {deal.attribution}"))
    for stalled in card.stalled.largest:
        found = stalled.deal
        label = f"{found.name or found.external_id} · stalled {days(stalled.days_in_stage)} in {found.stage}"
        picked.setdefault(found.deal_id, (found.deal_id, f"{label}, {found.attribution}"))
    return list(picked.values())


def scorecard_blocks(card: Scorecard, config: ProgramConfig) -> list[Block]:
    tz, partner = config.tz, card.partner
    facts = [partner.type, partner.tier, partner.segment, partner.region]
    about = " · ".join(esc(f) for f in facts if f)
    onboarded = partner.onboarded_text()
    blocks: list[Block] = [
        header(f"{partner.name} — partner scorecard"),
        context(
            f"{STATUS_ICONS.get(card.status, '')} *{esc(card.status_detail)}* · {about or 'no profile yet'} · "
            f"owner {person(card.owner, partner.owner_email)} · onboarded {onboarded}"
        ),
        section("", fields=[_headline_field(h) for h in card.headlines]),
        *_goals_blocks(card),
        divider(),
        why_picker(section(_details(card, config)), why_deals(card)),
        section(f":arrow_right: *Next step:* {step_mrkdwn(card.step)}"),
        *step_buttons(card.step),
        freshness_block(card.freshness, tz),
    ]
    return blocks


def _pipeline_text(card: Scorecard, *, headline: bool) -> str:
    """Open pipeline, movement and stalled deals; what the pipeline headline already says is left out."""
    currency = card.currency
    without = f", {number(card.open_without_amount)} without amount" if card.open_without_amount else ""
    stalled = card.stalled
    if headline:
        text = f"{count(card.open_deals, 'open deal')}{without} · stalled: {stalled_text(stalled, currency)}"
    else:
        movement = card.movement.share
        moved = not_enough(card.movement.open_deals) if movement is None else f"{movement:.0%}"
        text = (
            f"{money(card.open_minor, currency)} in {count(card.open_deals, 'deal')}{without} · moved in 14 d: "
            f"{moved} · stalled: {stalled_text(stalled, currency)}"
        )
    if stalled.largest:
        top = stalled.largest[0]
        label = esc(top.deal.name or top.deal.external_id)
        text += f", largest {label} ({days(top.days_in_stage)} in {esc(top.deal.stage)})"
    return text


def _trio(comparison: Comparison, currency: str, unit: str = "d") -> str:
    """'41% · 38% · 24%': partner, program and direct, each '– (n=3)' when too few to say."""
    return " · ".join(
        _short(v, unit=unit, currency=currency) for v in (comparison.partner, comparison.program, comparison.direct)
    )


def _short(value: Rate | Median | float | None, *, unit: str, currency: str) -> str:
    if isinstance(value, Rate):
        return f"{value.value:.0%}" if value.value is not None else f"– (n={number(value.denominator)})"
    if isinstance(value, Median):
        return value.text(unit) if value.value is not None else f"– (n={number(value.n)})"
    return "–" if value is None else money(value, currency)


def _intros_text(card: Scorecard, config: ProgramConfig) -> str:
    handoff = card.handoff
    text = f"{number(card.open_intros)} waiting for a first response"
    if card.stale:
        text += f" ({number(len(card.stale))} past the {config.handoff_sla_hours} h SLA)"
    return f"{text} · response {handoff.median.text('h', label='median')} over {count(handoff.intros, 'intro')} (90 d)"


def _enablement_extra(card: Scorecard, config: ProgramConfig) -> str:
    """What the enablement headline leaves out: the missing courses and the last login."""
    missing = f"missing {esc(', '.join(card.missing_courses[:3]))} · " if card.missing_courses else ""
    last_login = card.engagement.last("login")
    return f"{missing}last login {local_date(last_login, config.tz) if last_login else 'never'}"


def _enablement_text(card: Scorecard, config: ProgramConfig) -> str:
    if card.required_courses:
        done = len(card.required_courses) - len(card.missing_courses)
        courses = f"{number(done)}/{number(len(card.required_courses))} required courses"
    else:
        courses = "no required courses configured"
    return f"{courses} · {count(card.engagement.total_30, 'activity')} in 30 d · {_enablement_extra(card, config)}"


def revenue_chart(spec: RevenueChart, *, filename: str) -> File:
    """The chart as a Slack file, titled as the image is (with the view's filter, if any)."""
    return File(
        filename,
        f"{spec.title}, {spec.window}",
        revenue_png(spec),
        alt_text=f"{spec.title}: won revenue per month by attribution, with open partner pipeline; {spec.window}: "
        f"{caption(spec.caption)}",
    )


def scorecard_chart(card: Scorecard) -> File:
    slug = "".join(ch if ch.isalnum() else "-" for ch in card.partner.name.lower()).strip("-")
    return revenue_chart(scorecard_revenue_spec(card), filename=f"scorecard-{slug}.png")
