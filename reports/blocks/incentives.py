"""The fast-start incentive as words: the rule, what is owed for a period (Block Kit and CSV for finance), and the
one line the scorecard and the first-win post carry."""

from __future__ import annotations

from datetime import timedelta

from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, bullet_lines, context, header, section
from reports.blocks.tables import csv_file, more_line
from reports.config import ProgramConfig
from reports.formatting import count, decimal_amount, money_exact, number
from reports.freshness import Freshness
from reports.kpis.incentives import EligibleWin, FastStart, IncentiveList
from reports.message import File, esc

LIST_LIMIT = 40  # deals listed in the message; the CSV holds them all
TURN_ON = "partnerbot config set fast_start_wins 3 fast_start_days 90 fast_start_amount 500"


def rule_text(config: ProgramConfig) -> str:
    """'a partner's first 3 sourced wins within 90 days of onboarding earn $500.00 each'."""
    wins = "first sourced win" if config.fast_start_wins == 1 else f"first {config.fast_start_wins} sourced wins"
    earn = owed_rule(config)
    return f"a partner's {wins} within {config.fast_start_days} days of onboarding {earn}"


def owed_rule(config: ProgramConfig) -> str:
    fixed = config.fast_start_owed(None)
    if fixed is not None:
        return f"earn {money_exact(fixed, config.base_currency)} each"
    if config.fast_start_percent:
        return f"earn {config.fast_start_percent} % of their amount"
    return "are eligible (no amount or percentage is set)"


def owed_text(win: EligibleWin, currency: str) -> str:
    if win.held:
        return "held"
    return "no amount set" if win.owed_minor is None else money_exact(win.owed_minor, currency)


def incentive_line(win: EligibleWin, config: ProgramConfig) -> str:
    """'• *Acme* — Initech expansion · won 2026-07-14 · day 12 · win 1 of 3 · *$500.00*'."""
    currency = config.base_currency
    tail = f": {esc(win.held)}" if win.held else ""
    return (
        f"• *{esc(win.partner.name)}* — {esc(win.deal)} · won {win.win.closed_on.isoformat()} · "
        f"day {win.days_from_onboarding} · win {win.place} of {config.fast_start_wins} · "
        f"*{owed_text(win, currency)}*{tail}"
    )


def _period(listing: IncentiveList) -> str:
    if listing.end <= listing.first:
        return f"{listing.label} has not begun"
    through = max(listing.first, listing.end - timedelta(days=1))
    span = f"won {listing.first.isoformat()} to {through.isoformat()}"
    return f"{span} (quarter to date)" if listing.to_date else span


def _summary(listing: IncentiveList, config: ProgramConfig) -> str:
    currency = config.base_currency
    owed, held = listing.owed, listing.held
    if not listing.wins:
        return f"No deal won in {listing.label} earns the fast-start incentive."
    text = (
        f"{money_exact(listing.total_minor, currency)} owed for {count(len(owed), 'deal')} of "
        f"{count(listing.partners, 'partner')}"
        if owed
        else "Nothing owed yet"
    )
    if held:
        text += f"; {count(len(held), 'deal')} held until the partner's onboarding date is confirmed"
    return text + "."


def incentives_text(listing: IncentiveList, freshness: Freshness, config: ProgramConfig) -> str:
    return f"Fast-start incentives {listing.label}: {_summary(listing, config)} {freshness_text(freshness, config.tz)}."


def incentives_blocks(listing: IncentiveList, freshness: Freshness, config: ProgramConfig) -> list[Block]:
    lines = [incentive_line(w, config) for w in listing.wins[:LIST_LIMIT]]
    if len(listing.wins) > LIST_LIMIT:
        lines.append(more_line(len(listing.wins) - LIST_LIMIT))
    summary = _summary(listing, config)
    return [
        header(f"Fast-start incentives — {listing.label}"),
        section(f"*{esc(summary)}*" if listing.wins else esc(summary)),
        context(f"Rule: {esc(rule_text(config))} · {esc(_period(listing))}"),
        *bullet_lines(lines),
        freshness_block(freshness, config.tz),
    ]


def incentives_off_text() -> str:
    return "The fast-start incentive is off: no deal earns it."


def incentives_off_blocks() -> list[Block]:
    return [
        section(esc(incentives_off_text())),
        context(f"An admin turns it on from the command line: `{TURN_ON}` (README, *Configuration*)."),
    ]


def incentives_csv(listing: IncentiveList, config: ProgramConfig) -> File:
    """One row per eligible deal, amounts as exact decimals in the base currency, for finance."""
    currency = config.base_currency
    return csv_file(
        f"fast-start-incentives-{listing.label}.csv",
        f"Fast-start incentives {listing.label}",
        [
            "period",
            "partner_id",
            "partner",
            "owner_email",
            "deal_id",
            "deal",
            "won_on",
            "onboarded_on",
            "days_from_onboarding",
            "win",
            "deal_amount",
            "owed",
            "currency",
            "status",
        ],
        (
            [
                listing.label,
                w.partner.external_id,
                w.partner.name,
                w.partner.owner_email,
                w.win.external_id,
                w.win.name,
                w.win.closed_on.isoformat(),
                w.partner.onboarded_on.isoformat() if w.partner.onboarded_on else None,
                w.days_from_onboarding,
                f"{w.place} of {config.fast_start_wins}",
                None if w.win.amount_minor is None else decimal_amount(w.win.amount_minor),
                None if w.owed_minor is None else decimal_amount(w.owed_minor),
                currency,
                f"held: {w.held}" if w.held else "owed",
            ]
            for w in listing.wins
        ),
    )


def fast_start_line(fast: FastStart, config: ProgramConfig) -> str | None:
    """The scorecard's one line: '*Fast start* 1 of 3 wins eligible ($500.00) · 2 left until 2026-04-01'."""
    if not fast.wins and not fast.open:
        return None
    currency = config.base_currency
    if any(w.held for w in fast.wins):
        got = f"{count(len(fast.wins), 'win')} held until the onboarding date is confirmed (it is derived)"
    else:
        owed = f" ({money_exact(fast.owed_minor, currency)})" if fast.owed_minor is not None else ""
        got = f"{number(len(fast.wins))} of {fast.places} wins eligible{owed}"
    if fast.open and fast.left:
        when = f"{fast.left} left until {fast.last_day.isoformat()}"
    elif fast.open:
        when = "all earned"
    else:
        when = f"window closed {fast.last_day.isoformat()}"
    return f"*Fast start* {got} · {when}"


def first_win_incentive(win: EligibleWin, config: ProgramConfig) -> str:
    """The first-win post's line when the winning deal earns the fast-start incentive."""
    if win.held:
        return f":moneybag: Fast-start incentive: this win qualifies, held: {esc(win.held)}."
    amount = f" — {money_exact(win.owed_minor, config.base_currency)}" if win.owed_minor is not None else ""
    return (
        f":moneybag: Eligible for the fast-start incentive{amount}: win {win.place} of {config.fast_start_wins}, "
        f"day {win.days_from_onboarding} of {config.fast_start_days} after onboarding."
    )
