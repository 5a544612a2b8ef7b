"""The first-wins view as Block Kit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports.blocks.freshness import freshness_block, freshness_text
from reports.blocks.kit import Block, bullet_lines, context, header
from reports.config import ProgramConfig
from reports.formatting import days, local_date, money, number
from reports.freshness import Freshness
from reports.message import esc
from reports.model import Scope
from reports.views.wins import FirstWin

LIST_LIMIT = 20


def win_line(win: FirstWin, currency: str, config: ProgramConfig, note: str | None = None) -> str:
    amount = money(win.amount_minor, currency) if win.amount_minor is not None else "no amount"
    speed = ""
    if win.days_to_win is not None:
        baseline = win.cohort_median.text(label="median") if win.cohort_median else "median –"
        speed = f" · {days(win.days_to_win)} from onboarding (cohort {win.cohort} {baseline})"
    return (
        f"• {local_date(win.won_at, config.tz)} *{esc(win.partner.name)}* — {esc(win.deal)}, {amount}, "
        f"{win.attribution or 'partner'}{speed}"
    )


def wins_text(wins: Sequence[FirstWin], freshness: Freshness, config: ProgramConfig, scope: Scope) -> str:
    names = ", ".join(w.partner.name for w in wins[:5]) or "none yet"
    where = f" ({scope.describe()})" if scope.filtered else ""
    return f"First wins{where}, newest first: {names}. {freshness_text(freshness, config.tz)}."


def wins_blocks(
    wins: Sequence[FirstWin],
    notes: Mapping[int, str | None],
    freshness: Freshness,
    config: ProgramConfig,
    scope: Scope,
) -> list[Block]:
    currency = config.base_currency
    lines = [win_line(w, currency, config, notes.get(w.partner.id)) for w in wins[:LIST_LIMIT]]
    if len(wins) > LIST_LIMIT:
        lines.append(f"…and {number(len(wins) - LIST_LIMIT)} more")
    about = "The first-win log: each partner's first won sourced or influenced deal, announced once, newest first"
    none = "No partner has won its first deal yet."
    if scope.filtered:
        about += f" · {esc(scope.describe())}"
        none = f"No partner with {esc(scope.describe())} has won its first deal yet."
    return [
        header(":trophy: First wins"),
        context(about),
        *bullet_lines(lines or [none]),
        freshness_block(freshness, config.tz),
    ]
