"""The handoffs view as Block Kit: response speed on partner intros and the stale ones to chase."""

from __future__ import annotations

from collections.abc import Sequence

from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, bullet_lines, context, divider, esc, fields_section, header, section
from reports.blocks.tables import MORE
from reports.charts import handoff_png
from reports.config import ProgramConfig
from reports.formatting import hours
from reports.freshness import Freshness
from reports.kpis.handoffs import HandoffTime, StaleIntro, Wait
from reports.message import File
from reports.model import Scope

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


def handoffs_text(
    response: HandoffTime,
    stale: Sequence[StaleIntro],
    freshness: Freshness,
    config: ProgramConfig,
) -> str:
    return (
        f"Intro response median {response.median.text('h')} over {response.intros} intros (90 d); "
        f"{len(stale)} intros past the {config.handoff_sla_hours} h SLA. "
        f"{freshness_text(freshness, config.tz)}."
    )


def handoffs_blocks(
    scope: Scope,
    response: HandoffTime,
    next_step: HandoffTime,
    stale: Sequence[StaleIntro],
    freshness: Freshness,
    config: ProgramConfig,
) -> list[Block]:
    escalated = sum(1 for s in stale if s.escalate)
    blocks: list[Block] = [
        header("Handoffs: partner intros"),
        context(
            f"{esc(scope.describe())} · intros introduced in the last 90 days; waiting intros count with their "
            "age so far"
        ),
        *fields_section(
            [
                (
                    "First response",
                    f"median {response.median.text('h')} · p90 {response.p90.text('h')}\n"
                    f"{response.intros} intros, {response.waiting} still waiting",
                ),
                ("Worst first response", _worst(response.worst)),
                (
                    "Next step after response",
                    f"median {next_step.median.text('h')} · p90 {next_step.p90.text('h')}\n"
                    f"{next_step.intros} answered, {next_step.waiting} without a next step",
                ),
                (
                    "Stale intros",
                    f"{len(stale)} past the {config.handoff_sla_hours} h SLA\n{escalated} past "
                    f"{2 * config.handoff_sla_hours} h (managers told)",
                ),
            ]
        ),
    ]
    if stale:
        lines = [stale_line(item) for item in stale[:LIST_LIMIT]]
        if len(stale) > LIST_LIMIT:
            lines.append(f"…and {len(stale) - LIST_LIMIT} more: {MORE}")
        blocks += [divider(), section("*Stale intros, oldest first*"), *bullet_lines(lines)]
    blocks.append(freshness_block(freshness, config.tz))
    return blocks


def handoffs_chart(response: HandoffTime, config: ProgramConfig) -> File:
    png = handoff_png(
        title="Hours to first response on partner intros (last 90 days)",
        answered_hours=[w.hours for w in response.waits if not w.waiting],
        waiting_hours=[w.hours for w in response.waits if w.waiting],
        sla_hours=float(config.handoff_sla_hours),
    )
    return File(
        "handoff-times.png",
        "Intro response times",
        png,
        alt_text=f"Distribution of {response.intros} intro response times against the SLA",
    )
