"""The partner-friendly scorecard for a partner-facing (Slack Connect) channel.

It is built from a whitelist: the partner's own revenue, pipeline, activation, enablement and goals. It never
carries internal notes (the next step, dormancy diagnoses, stalled-deal or account names, sellers, owners'
manager), program or direct baselines, or anything about another partner.
"""

from __future__ import annotations

from reports.blocks.common import revenue_text
from reports.blocks.freshness import freshness_block
from reports.blocks.kit import Block, context, divider, fields_section, header, section
from reports.blocks.scorecard import goal_line
from reports.config import ProgramConfig, step_title
from reports.formatting import count, days, money, number
from reports.kpis.lifecycle import NOT_YET_ONBOARDED
from reports.message import esc
from reports.views.scorecard import Scorecard


def partner_card_text(card: Scorecard) -> str:
    c = card.currency
    return (
        f"{card.partner.name}: {money(card.sourced['quarter'].amount_minor, c)} sourced revenue this quarter, "
        f"{money(card.open_minor, c)} open pipeline in {count(card.open_deals, 'deal')}."
    )


def journey(card: Scorecard) -> str:
    activation = card.activation
    if activation.time_to_first_revenue is not None:
        return f"First win after {days(activation.time_to_first_revenue)} in the program"
    if card.status == NOT_YET_ONBOARDED:
        return f"Welcome aboard: the program starts {card.partner.onboarded_on}"
    if activation.days_onboarded is None:
        return "Getting started"
    next_step = step_title(activation.next_step or "first_win").lower()
    return f"Day {activation.day} in the program · next milestone: {next_step}"


def partner_card_blocks(card: Scorecard, config: ProgramConfig) -> list[Block]:
    c = card.currency
    sourced, influenced = card.sourced, card.influenced
    done = len(card.required_courses) - len(card.missing_courses)
    blocks: list[Block] = [
        header(f"{card.partner.name} × {config.program_name}"),
        context(esc(journey(card))),
        *fields_section(
            [
                ("Sourced revenue", revenue_text(sourced, c)),
                ("Influenced revenue", revenue_text(influenced, c)),
                ("Open pipeline", f"{money(card.open_minor, c)} in {count(card.open_deals, 'deal')}"),
                (
                    "Enablement",
                    f"{number(done)} of {number(len(card.required_courses))} required courses complete"
                    if card.required_courses
                    else f"{count(card.engagement.total_30, 'activity')} in the last 30 days",
                ),
            ]
        ),
    ]
    if card.goals:
        blocks += [divider(), section("*Our shared goals*\n" + "\n".join(goal_line(g, c) for g in card.goals[:8]))]
    blocks.append(freshness_block(card.freshness, config.tz))
    return blocks
