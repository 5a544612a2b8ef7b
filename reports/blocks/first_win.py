"""The first-win post for the wins channel."""

from __future__ import annotations

from reports.blocks.disputes import why_button
from reports.blocks.incentives import first_win_incentive
from reports.blocks.kit import actions, context, section
from reports.config import ProgramConfig
from reports.formatting import days, local_date, money
from reports.kpis.incentives import EligibleWin
from reports.message import Message, esc
from reports.model import PersonProfile
from reports.views.wins import FirstWin


def first_win_message(
    win: FirstWin, owner: PersonProfile | None, config: ProgramConfig, incentive: EligibleWin | None = None
) -> Message:
    """The post; `incentive` when the winning deal earns the fast-start incentive."""
    partner = win.partner
    amount = money(win.amount_minor, config.base_currency) if win.amount_minor is not None else "an undisclosed amount"
    who = (
        f"<@{owner.slack_user_id}>"
        if owner and owner.slack_user_id
        else esc((owner.name if owner else None) or partner.owner_email or "the partner team")
    )
    speed = ""
    if win.days_to_win is not None:
        median = win.cohort_median
        versus = ""
        if median is not None and median.value is not None:
            faster = win.days_to_win < median.value
            versus = f", {'faster' if faster else 'slower'} than its {win.cohort} cohort's median of {median.text()}"
        elif median is not None:
            versus = f" ({win.cohort} cohort: {median.text()})"
        speed = f"{days(win.days_to_win)} from onboarding to first win{versus}."
    text = (
        f"First win for {partner.name}: {win.deal}, {amount} ({win.attribution or 'partner'}), "
        f"closed {local_date(win.won_at, config.tz)}."
    )
    blocks = [
        section(
            f":trophy: *First win for {esc(partner.name)}!* {esc(win.deal)} — *{amount}*, "
            f"{esc(win.attribution or 'partner')}, closed {local_date(win.won_at, config.tz)}."
        ),
    ]
    if speed:
        blocks.append(section(esc(speed)))
    if incentive is not None:
        blocks.append(section(first_win_incentive(incentive, config)))
        text += " Eligible for the fast-start incentive."
    if win.deal_id is not None and win.attribution:
        blocks.append(actions(why_button(win.deal_id, win.attribution)))
    blocks.append(context(f"Partner manager: {who} · {esc(config.program_name)}"))
    return Message(text=text, blocks=blocks, response_type="in_channel")
