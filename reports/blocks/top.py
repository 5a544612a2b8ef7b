"""The top-partners view as Block Kit."""

from __future__ import annotations

from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, bullet_lines, context, fields_section, header
from reports.config import ProgramConfig
from reports.formatting import count, money, share
from reports.freshness import Freshness
from reports.kpis.revenue import Concentration, TopPartners
from reports.message import esc
from reports.model import Scope


def top_text(
    top: TopPartners,
    label: str,
    currency: str,
    freshness: Freshness,
    config: ProgramConfig,
) -> str:
    leaders = ", ".join(f"{r.name} {money(r.amount_minor, currency)}" for r in top.ranked[:3]) or "no sourced revenue"
    return f"Top partners by sourced revenue ({label}): {leaders}. {freshness_text(freshness, config.tz)}."


def top_blocks(
    scope: Scope,
    top: TopPartners,
    concentration: Concentration,
    label: str,
    currency: str,
    freshness: Freshness,
    config: ProgramConfig,
) -> list[Block]:
    lines = [
        f"{rank}. *{esc(row.name)}* — {money(row.amount_minor, currency)} from {count(row.deals, 'deal')} · "
        f"{esc(' · '.join(v for v in (row.type, row.tier, row.segment) if v) or 'no profile')}"
        for rank, row in enumerate(top.ranked, start=1)
    ] or ["No partner has sourced revenue in this window yet."]
    leader = (
        f"{esc(top.leading_segment)} ({money(top.leading_segment_minor, currency)})" if top.leading_segment else "–"
    )
    return [
        header(f"Top partners by sourced revenue — {label}"),
        context(esc(scope.describe())),
        *bullet_lines(lines),
        *fields_section(
            [
                ("Leading segment", leader),
                (
                    "Revenue concentration (365 d)",
                    f"top 10 %: {share(concentration.top10_share)} · top 20 %: {share(concentration.top20_share)}",
                ),
                ("Active partners with revenue", concentration.partners_with_revenue.text()),
            ]
        ),
        freshness_block(freshness, config.tz),
    ]
