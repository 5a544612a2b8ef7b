"""The program view as Block Kit, with fallback text."""

from __future__ import annotations

from collections.abc import Mapping

from reports.blocks.common import deal_size_text, rate_text, revenue_text, stalled_text
from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, context, divider, fields_section, header, section
from reports.config import ProgramConfig, step_title
from reports.formatting import count, money, number, share
from reports.kpis.activation import Survival
from reports.kpis.lifecycle import state_label
from reports.message import esc
from reports.stats import not_enough
from reports.views.program import ProgramView

NO_ACTIVITY = "no activity data yet: none imported or received"


def survival_text(survival: Survival) -> str:
    """'12 of 17 reached it · median 38.0 d', or '1 of 17 reached it · median: not enough data (n=1)'."""
    marks = " · ".join(f"day {day}: {rate.text()}" for day, rate in survival.by_day)
    return (
        f"{number(survival.reached)} of {number(survival.started)} reached it · "
        f"{survival.median.text(label='median')}\n{marks}"
    )


def states_text(states: Mapping[str, int]) -> str:
    """'43 in runway · 86 activated · …': every lifecycle state that has partners, in the states' order."""
    return " · ".join(f"{n:,} {state_label(state)}" for state, n in states.items() if n) or "no partners"


def data_quality_blocks(view: ProgramView) -> list[Block]:
    unknown = view.time_to_first_revenue.unknown_onboarding
    if not unknown:
        return []
    names = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else "")
    return [
        context(
            f":warning: Data quality: {count(len(unknown), 'partner')} without an onboarding date ({esc(names)}): "
            "left out of activation and dormancy until `onboarded_on` is imported"
        )
    ]


def program_text(view: ProgramView, config: ProgramConfig) -> str:
    c = view.currency
    return (
        f"{config.program_name} ({view.scope.describe()}): sourced "
        f"{money(view.sourced['quarter'].amount_minor, c)} this quarter, "
        f"{count(view.partners_in_runway.count, 'partner')} in runway, {count(view.stalled.count, 'stalled deal')}, "
        f"{count(view.dormant.count, 'dormant partner')}. {freshness_text(view.freshness, config.tz)}."
    )


def program_blocks(view: ProgramView, config: ProgramConfig) -> list[Block]:
    c = view.currency
    contribution = view.pipeline_contribution
    concentration = view.concentration
    runway = view.partners_in_runway
    worst = view.dropoff.worst_step
    worst_text = (
        f"{step_title(worst.step)}: {worst.conversion.text()}"
        if worst is not None and worst.conversion
        else "not enough data"
    )
    over = view.wip.over_limit
    slowest = max(
        (v for v in view.stage_velocity if v.partner.value is not None),
        key=lambda v: v.partner.value or 0.0,
        default=None,
    )
    dormant = view.dormant.by_diagnosis()
    close = view.time_to_close
    blocks: list[Block] = [
        header(f"{config.program_name} — program view"),
        context(
            f"{esc(view.scope.describe())} · {count(view.active_partners, 'active partner')}: "
            f"{states_text(view.states)}"
        ),
        *data_quality_blocks(view),
        section("*Revenue*"),
        *fields_section(
            [
                ("Sourced revenue", revenue_text(view.sourced, c)),
                ("Influenced revenue", revenue_text(view.influenced, c)),
                (
                    "Pipeline contribution",
                    f"sourced {share(contribution.sourced)} · influenced "
                    f"{share(contribution.influenced)} of {money(contribution.total_minor, c)}\n"
                    f"open partner pipeline {money(contribution.partner_minor, c)}"
                    + (
                        f"\n{count(contribution.without_amount, 'open deal')} without amount"
                        if contribution.without_amount
                        else ""
                    ),
                ),
                (
                    "Win rate (365 d)",
                    "\n".join(view.win_rate[side].text(label=side) for side in ("sourced", "influenced", "direct")),
                ),
                ("Deal size vs direct", deal_size_text(view.deal_size, c)),
                (
                    "Time to close vs direct",
                    f"{close.partner.text(label='partner median')} · {close.direct.text(label='direct median')}",
                ),
                (
                    "Revenue concentration",
                    f"top 10 %: {share(concentration.top10_share)} · top 20 %: "
                    f"{share(concentration.top20_share)}\nactive partners with revenue: "
                    f"{concentration.partners_with_revenue.text()}",
                ),
            ]
        ),
        divider(),
        section("*Activation and throughput*"),
        *fields_section(
            [
                (
                    "Partners in runway",
                    f"{number(runway.count)} ({runway.change:+,d} this week)\n"
                    f"{runway.completion.text(label='cohort completion')}",
                ),
                ("Activation rate", view.activation_rate.text()),
                ("Time to first revenue", survival_text(view.time_to_first_revenue.overall)),
                ("Activation runway", survival_text(view.activation_runway)),
                ("First-win cycle", survival_text(view.first_win_cycle)),
                ("Largest drop-off", worst_text),
                ("Active revenue partners (90 d)", view.active_revenue_partners.text()),
                (
                    "WIP per manager",
                    f"{count(len(over), 'owner')} over the limit of {view.wip.limit}"
                    if over
                    else f"no owner over the limit of {view.wip.limit}",
                ),
                ("Deal registration velocity", view.registration_velocity.text(label="median")),
            ]
        ),
        divider(),
        section("*Pipeline health and handoffs*"),
        *fields_section(
            [
                ("Stalled deals", stalled_text(view.stalled, c)),
                (
                    "Pipeline movement (14 d)",
                    share(view.movement.share)
                    if view.movement.share is not None
                    else not_enough(view.movement.open_deals),
                ),
                (
                    "Slowest stage (partner)",
                    f"{esc(slowest.stage)}: {slowest.partner.text(label='median')}" if slowest else "not enough data",
                ),
                (
                    "Handoff response (90 d)",
                    f"{view.handoff.median.text('h', label='median')} · {view.handoff.p90.text('h', label='p90')}"
                    f"\n{count(len(view.stale), 'stale intro')}",
                ),
            ]
        ),
        divider(),
        section("*Engagement, dormancy, goals*"),
        *fields_section(
            [
                (
                    "Enablement completion",
                    rate_text(view.enablement_completion)
                    if view.enablement_completion
                    else "no required courses configured",
                ),
                (
                    "Active partner rate (30 d)",
                    view.active_partner_rate.text() if view.activity_recorded else NO_ACTIVITY,
                ),
                (
                    "Dormant partners",
                    f"{number(view.dormant.count)}: training {number(dormant['training'])}, fit "
                    f"{number(dormant['fit'])}, momentum {number(dormant['momentum'])}\n"
                    f"{count(len(view.dormant.sunset_candidates), 'sunset candidate')}",
                ),
                ("Goals on track", view.goals.on_track.text()),
                ("PSAT (365 d)", view.psat.text()),
            ]
        ),
        context(
            "Details: `/partner runway` · `/partner handoffs` · `/partner dormant` · `/partner top` · "
            "`/partner define &lt;kpi&gt;`"
        ),
        freshness_block(view.freshness, config.tz),
    ]
    return blocks
