"""How numbers read on a card: money, durations, shares and changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}


def money(minor: int | float | None, currency: str, *, compact: bool = True) -> str:
    """`minor` is in hundredths of a unit; compact form reads like $1.2M."""
    if minor is None:
        return "–"
    units = minor / 100
    symbol = CURRENCY_SYMBOLS.get(currency)
    sign = "-" if units < 0 else ""
    units = abs(units)
    if compact and units >= 1_000_000:
        body = f"{units / 1_000_000:.1f}M"
    elif compact and units >= 10_000:
        body = f"{units / 1_000:.0f}k"
    elif compact and units >= 1_000:
        body = f"{units / 1_000:.1f}k"
    else:
        body = f"{units:,.0f}"
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"


def days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} d"


def hours(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 72:
        return f"{value / 24:.1f} d"
    return f"{value:.1f} h"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def local_date(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d")


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def day(value: date | None) -> str:
    return "–" if value is None else value.isoformat()


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 deal', '3 deals', '1 activity', '2 activities'."""
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {plural or (noun[:-1] + 'ies' if noun.endswith('y') else noun + 's')}"


def elapsed(delta: timedelta) -> str:
    """A span as it reads in 'N ago': '40 min', '30 h' (under two days), '8 d' (whole days)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"
