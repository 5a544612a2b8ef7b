"""The dormant view as Block Kit: who went quiet, why, and the step that fits."""

from __future__ import annotations

from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, bullet_lines, context, divider, header, section
from reports.blocks.tables import more_line
from reports.config import ProgramConfig
from reports.formatting import count, days, number
from reports.freshness import Freshness
from reports.kpis.dormancy import DIAGNOSES, DormantPartner, DormantPartners
from reports.message import esc
from reports.model import Scope

PER_DIAGNOSIS = 8
DIAGNOSIS_TITLES = {
    "training": "Training: required enablement incomplete",
    "fit": "Fit: enabled, but never introduced or registered a deal",
    "momentum": "Momentum: sold with us before, then stopped",
}


def dormant_line(item: DormantPartner) -> str:
    quiet = f"{days(item.days_quiet)} quiet" if item.days_quiet is not None else "never active"
    sunset = " · :sunrise: sunset candidate" if item.sunset_candidate else ""
    return (
        f"• *{esc(item.partner.name)}* — {quiet} · {esc(item.partner.owner_email or 'unassigned')}{sunset}"
        f"\n   {esc(item.step)}"
    )


def dormant_text(dormant: DormantPartners, freshness: Freshness, config: ProgramConfig) -> str:
    counts = dormant.by_diagnosis()
    return (
        f"{count(dormant.count, 'dormant partner')} (no motion in {dormant.window_days} d): training "
        f"{number(counts['training'])}, fit {number(counts['fit'])}, momentum {number(counts['momentum'])}. "
        f"{freshness_text(freshness, config.tz)}."
    )


def dormant_blocks(
    scope: Scope,
    dormant: DormantPartners,
    freshness: Freshness,
    config: ProgramConfig,
) -> list[Block]:
    counts = dormant.by_diagnosis()
    blocks: list[Block] = [
        header(f"Dormant partners: {number(dormant.count)}"),
        context(
            f"{esc(scope.describe())} · active partners with no activity, intro, deal registration or stage "
            f"change in {dormant.window_days} days · {count(len(dormant.sunset_candidates), 'sunset candidate')}"
        ),
    ]
    if not dormant.partners:
        blocks.append(section(":tada: No dormant partners: every active partner moved in the window."))
    for diagnosis in DIAGNOSES:
        members = [p for p in dormant.partners if p.diagnosis == diagnosis]
        if not members:
            continue
        lines = [dormant_line(p) for p in members[:PER_DIAGNOSIS]]
        if len(members) > PER_DIAGNOSIS:
            lines.append(more_line(len(members) - PER_DIAGNOSIS))
        blocks += [
            divider(),
            section(f"*{DIAGNOSIS_TITLES[diagnosis]}* ({number(counts[diagnosis])})"),
            *bullet_lines(lines),
        ]
    blocks.append(freshness_block(freshness, config.tz))
    return blocks
