"""The handoffs view as Block Kit: response speed on partner intros and the stale ones to chase."""

from __future__ import annotations

from collections.abc import Sequence

from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, bullet_lines, context, divider, fields_section, header, section
from reports.blocks.tables import more_line
from reports.chart_specs import handoff_figures, handoffs_spec
from reports.charts import caption, handoff_png
from reports.config import ProgramConfig
from reports.formatting import count, hours, number
from reports.kpis.handoffs import StaleIntro, Wait
from reports.message import File, esc
from reports.views.handoffs import HandoffsView

LIST_LIMIT = 15


def _worst(wait: Wait | None) -> str:
    if wait is None:
        return "–"
    intro = wait.intro
    state = "still waiting" if wait.waiting else "answered"
    return (
        f"{hours(wait.hours)} ({state}): {esc(intro.account or intro.external_id)} via {esc(intro.partner_name)}"
        f"\nseller {esc(intro.seller_email or 'unknown')} · owner {esc(intro.partner_owner_email or 'unassigned')}"
    )


def stale_line(item: StaleIntro) -> str:
    intro = item.intro
    flag = ":rotating_light: " if item.escalate else ""
    return (
        f"• {flag}*{esc(intro.account or intro.external_id)}* via {esc(intro.partner_name)} — waiting "
        f"{hours(item.age_hours)} · seller {esc(intro.seller_email or 'unknown')} · owner "
        f"{esc(intro.partner_owner_email or 'unassigned')}"
    )


def handoffs_text(view: HandoffsView, config: ProgramConfig) -> str:
    shown = handoff_figures(view.response, view.sla)
    return (
        f"Partner intros in the last 90 days: {shown['intros'].phrase}, {shown['answered'].phrase}, "
        f"{shown['waiting'].phrase}; {shown['over_sla'].phrase}; first response {shown['median'].phrase}. "
        f"{_stale_summary(view.stale, config)}. {freshness_text(view.freshness, config.tz)}."
    )


def _closed(closed: int, before: str) -> str:
    """Intros closed with an outcome (qualified out, no budget, …) before `before`: waiting for nothing, so out of
    the figures above, and said so."""
    return f"\n{count(closed, 'intro')} closed before {before}" if closed else ""


def _stale_summary(stale: Sequence[StaleIntro], config: ProgramConfig) -> str:
    """Stale intros are not the intros over the SLA above: any age, and only those not yet answered or closed."""
    return f"{count(len(stale), 'intro')} unanswered past the {config.handoff_sla_hours} h SLA (any age, not closed)"


def handoffs_blocks(view: HandoffsView, config: ProgramConfig) -> list[Block]:
    response, split, next_step, stale = view.response, view.sla, view.next_step, view.stale
    shown = handoff_figures(response, split)
    escalated = sum(1 for s in stale if s.escalate)
    blocks: list[Block] = [
        header("Handoffs: partner intros"),
        context(
            f"{esc(view.scope.describe())} · intros introduced in the last 90 days; waiting intros count with "
            "their age so far"
        ),
        *fields_section(
            [
                (
                    "First response",
                    f"{shown['median'].phrase} · {response.p90.text('h', label='p90')}\n"
                    f"{shown['intros'].phrase}: {shown['answered'].phrase}, {shown['waiting'].phrase}\n"
                    f"{shown['over_sla'].phrase} ({number(split.answered_late)} answered late, "
                    f"{number(split.waiting_past)} still waiting)" + _closed(response.closed, "a response"),
                ),
                ("Worst first response", _worst(response.worst)),
                (
                    "Next step after response",
                    f"{next_step.median.text('h', label='median')} · {next_step.p90.text('h', label='p90')}\n"
                    f"{number(next_step.intros + next_step.closed)} answered, "
                    f"{number(next_step.waiting)} without a next step" + _closed(next_step.closed, "a next step"),
                ),
                (
                    "Stale intros",
                    f"{_stale_summary(stale, config)}\n{number(escalated)} past "
                    f"{2 * config.handoff_sla_hours} h (managers told)",
                ),
            ]
        ),
    ]
    if stale:
        lines = [stale_line(item) for item in stale[:LIST_LIMIT]]
        if len(stale) > LIST_LIMIT:
            lines.append(more_line(len(stale) - LIST_LIMIT))
        blocks += [divider(), section("*Stale intros, oldest first*"), *bullet_lines(lines)]
    blocks.append(freshness_block(view.freshness, config.tz))
    return blocks


def handoffs_chart(view: HandoffsView) -> File:
    spec = handoffs_spec(view)
    return File(
        "handoff-times.png",
        spec.title,
        handoff_png(spec),
        alt_text=f"{spec.title}: hours to first response on partner intros, against the {spec.sla_hours:g} h SLA: "
        f"{caption(spec.caption)}",
    )
