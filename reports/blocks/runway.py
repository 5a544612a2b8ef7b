"""The runway view as Block Kit: who is in runway, where the funnel leaks, and who carries too many."""

from __future__ import annotations

from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, bullet_lines, context, divider, fields_section, header, section
from reports.blocks.program import survival_text
from reports.blocks.tables import more_line
from reports.chart_specs import FunnelChart, funnel_spec, scoped, too_new_text
from reports.charts import funnel_png
from reports.config import ProgramConfig, step_title
from reports.formatting import count, number
from reports.kpis.activation import ACTIVATION_DAYS, RUNWAY_DAYS, STEP_DUE_DAYS, Funnel
from reports.message import File, esc
from reports.views.runway import RunwayView

LIST_LIMIT = 15


def _funnel_line(label: str, funnel: Funnel) -> str:
    worst = funnel.worst_step
    steps = " → ".join(number(s.reached) for s in funnel.steps)
    worst_text = f"; worst: {step_title(worst.step)} {worst.conversion.text()}" if worst and worst.conversion else ""
    return f"• *{esc(label)}*: {steps}{worst_text}"


def runway_text(view: RunwayView, config: ProgramConfig) -> str:
    runway = view.partners_in_runway
    worst = view.dropoff.worst_step
    return (
        f"{count(runway.count, 'partner')} in runway ({runway.change:+,d} this week); largest drop-off: "
        f"{step_title(worst.step) if worst else 'not enough data'}. "
        f"{freshness_text(view.freshness, config.tz)}."
    )


def runway_blocks(view: RunwayView, config: ProgramConfig) -> list[Block]:
    runway = view.partners_in_runway
    steps = ", ".join(f"{step_title(step).lower()} {number(n)}" for step, n in runway.by_next_step) or "none"
    over = [o for o in view.wip.owners if o.over_limit]
    blocks: list[Block] = [
        header("Activation runway"),
        context(f"{esc(view.scope.describe())} · runway = active, onboarded in the last 180 days, no first win yet"),
        *fields_section(
            [
                (
                    "Partners in runway",
                    f"{number(runway.count)} ({runway.change:+,d} this week)\nstuck before: {steps}",
                ),
                (
                    "Cohort completion",
                    f"{runway.completion.text()} of the cohort whose 180 days ran out in the last "
                    "90 days reached a first win in time",
                ),
                ("Onboarded → first selling action", survival_text(view.activation_runway)),
                ("First selling action → first win", survival_text(view.first_win_cycle)),
                ("Time to first revenue", survival_text(view.time_to_first_revenue.overall)),
                (
                    "WIP per manager",
                    "\n".join(
                        f":warning: {esc(o.owner_email or 'unassigned')}: {number(o.in_runway)}" for o in over[:5]
                    )
                    + (f"\n…and {len(over) - 5} more owners over the limit" if len(over) > 5 else "")
                    or f"no owner over {view.wip.limit}",
                ),
            ]
        ),
        divider(),
        section("*Drop-off by step* (partners onboarded in the last 365 days; reached per step)"),
        *bullet_lines(
            [_funnel_line("All partners", view.dropoff.overall)]
            + [_funnel_line(label, funnel) for label, funnel in view.dropoff.by_cohort[-4:]]
        ),
    ]
    too_new = too_new_text(view.dropoff.overall)
    if too_new:
        blocks.append(
            context(
                f"{esc(too_new)}. A step counts a partner once onboarded {STEP_DUE_DAYS} days a step ago "
                f"({ACTIVATION_DAYS} for a first win)."
            )
        )
    for dimension, groups in view.dropoff.by_segment:
        worst = [(value, f.worst_step) for value, f in groups if f.worst_step is not None]
        if worst:
            value, step = min(worst, key=lambda item: item[1].conversion.value or 0.0)  # type: ignore[union-attr]
            blocks.append(
                context(
                    f"Weakest {dimension}: *{esc(value)}* at {step_title(step.step)} "
                    f"({step.conversion.text() if step.conversion else '–'})"
                )
            )
    cohorts = [
        f"• {label}: {survival_text(s).replace(chr(10), ' · ')}"
        for label, s in view.time_to_first_revenue.by_cohort[-4:]
    ]
    if cohorts:
        blocks += [section("*Time to first revenue by onboarding cohort*"), *bullet_lines(cohorts)]
    if view.in_runway:
        lines = [
            f"• *{esc(a.partner.name)}* — day {a.day} of {RUNWAY_DAYS}, next: "
            f"{step_title(a.next_step or 'first_win').lower()} · {esc(a.partner.owner_email or 'unassigned')}"
            for a in view.in_runway[:LIST_LIMIT]
        ]
        more = len(view.in_runway) - LIST_LIMIT
        if more > 0:
            lines.append(more_line(more))
        blocks += [divider(), section("*In runway, longest first*"), *bullet_lines(lines)]
    unknown = view.time_to_first_revenue.unknown_onboarding
    if unknown:
        blocks.append(
            context(
                f"Onboarding date unknown (left out): {esc(', '.join(unknown[:10]))}"
                + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            )
        )
    blocks.append(freshness_block(view.freshness, config.tz))
    return blocks


def runway_funnel_spec(view: RunwayView) -> FunnelChart:
    return funnel_spec(
        view.dropoff.overall, title=scoped("Activation funnel: partners onboarded in the last 365 days", view.scope)
    )


def runway_chart(view: RunwayView) -> File:
    spec = runway_funnel_spec(view)
    return File(
        "activation-funnel.png",
        spec.title,
        funnel_png(spec),
        alt_text=f"{spec.title}: partners reaching each activation step, with conversion from the previous step",
    )
