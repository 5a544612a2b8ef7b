"""How numbers read on a card: money, durations, shares and changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
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


HOURS_AS_DAYS = 72  # from three days on, an hour duration reads in days ("waiting 4.5 d", not "108.0 h")
PERIOD_LABELS = {"month": "this month", "quarter": "this quarter", "trailing_365": "trailing 365 d"}


def number(n: int) -> str:
    """A count with thousands separators: 4,238."""
    return f"{n:,}"


def one_decimal(value: float) -> str:
    """The one rounding rule for durations: one decimal, halves rounded up, with thousands separators.

    The value is first written to four decimals, so that float noise (a median of 38.1 and 38.2 computed as
    38.149999…) rounds as the 38.15 it stands for: 38.2, never 38.1 on one card and 38.2 on another.
    """
    rounded = Decimal(f"{value:.4f}").quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:,}"


def days(value: float | None) -> str:
    return "–" if value is None else f"{one_decimal(value)} d"


def hours(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= HOURS_AS_DAYS:
        return days(value / 24)
    return f"{one_decimal(value)} h"


def duration(value: float | None, unit: str) -> str:
    """A duration in days (`unit` "d") or hours ("h"): every duration on every surface is written here."""
    if unit == "h":
        return hours(value)
    if unit == "d":
        return days(value)
    raise ValueError(f"unknown duration unit {unit!r}")


def period_label(period: str) -> str:
    """How a revenue period is named on every surface, charts included: 'trailing 365 d'."""
    return PERIOD_LABELS[period]


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


def decimal_amount(minor: int) -> str:
    """Minor units as the exact amount a spreadsheet reads: 123456 → '1234.56'."""
    return f"{Decimal(minor) / 100:.2f}"


def money_exact(minor: int, currency: str) -> str:
    """An amount to the cent, for what is owed: '$1,234.56', '1,234.56 CHF'."""
    body = f"{Decimal(abs(minor)) / 100:,.2f}"
    sign = "-" if minor < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"
