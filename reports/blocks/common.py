"""Pieces every card shares: who someone is, how a rate or comparison reads."""

from __future__ import annotations

from collections.abc import Mapping

from reports.formatting import count, money, number, period_label
from reports.kpis.pipeline import StalledDeals
from reports.kpis.revenue import DealSize, WonTotal
from reports.message import esc
from reports.model import PersonProfile
from reports.stats import Rate, not_enough


def person(profile: PersonProfile | None, email: str | None = None) -> str:
    """A Slack mention when the person is in Slack, else their name or email."""
    if profile is not None and profile.slack_user_id:
        return f"<@{profile.slack_user_id}>"
    if profile is not None and profile.name:
        return esc(profile.name)
    return esc(email) if email else "unassigned"


def rate_text(rate: Rate | None) -> str:
    return "–" if rate is None else rate.text()


def revenue_text(totals: Mapping[str, WonTotal], currency: str) -> str:
    """'$378k this quarter' and '$2.5M trailing 365 d': the periods named as the revenue chart names them."""
    return "\n".join(
        f"{money(totals[period].amount_minor, currency)} {period_label(period)}"
        for period in ("quarter", "trailing_365")
    )


def _mean(mean_minor: float | None, n: int, side: str, currency: str) -> str:
    if mean_minor is not None:
        return f"{money(mean_minor, currency)} {side} mean"
    return f"{side}: no won deals" if n == 0 else f"{side}: {not_enough(n)}"


def deal_size_text(size: DealSize, currency: str) -> str:
    """Both means whenever they exist (KPIS.md): '$48k partner mean · direct: no won deals'."""
    text = (
        f"{_mean(size.partner_mean_minor, size.partner_n, 'partner', currency)} · "
        f"{_mean(size.direct_mean_minor, size.direct_n, 'direct', currency)}"
    )
    return text if size.ratio is None else f"{text} ({size.ratio:.2f}×)"


def stalled_text(stalled: StalledDeals, currency: str) -> str:
    """'12 deals, $1.3M'; without amounts 'amounts unknown' rather than $0; in part '$1.3M over 9 of 12 deals with
    an amount'."""
    if not stalled.count:
        return "none"
    if stalled.with_amount == stalled.count:
        return f"{count(stalled.count, 'deal')}, {money(stalled.amount_minor, currency)}"
    if not stalled.with_amount:
        return f"{count(stalled.count, 'deal')}, amounts unknown"
    return (
        f"{money(stalled.amount_minor, currency)} over {number(stalled.with_amount)} of "
        f"{count(stalled.count, 'deal')} with an amount"
    )
