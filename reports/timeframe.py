"""Half-open time windows cut in the program's time zone, and the day/instant conversions they rest on.

A calendar date D (closed_on, onboarded_on, …) stands for the instant D 00:00 in the program's time zone, so a
date counts "as of" any moment on that day after midnight, and a window [start, end) holds D exactly when it holds
that instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


def require_aware(moment: datetime, what: str = "time") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone, got naive {moment.isoformat()}")
    return moment


@lru_cache(maxsize=1 << 16)
def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The instant a program-local calendar day begins, in UTC (cached: program views ask for the same few
    thousand days hundreds of thousands of times, and the answer is a pure function of its arguments)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return require_aware(moment).astimezone(tz).date()


def first_day_at_or_after(moment: datetime, tz: ZoneInfo) -> date:
    """The earliest program-local date whose start is at or after `moment`."""
    day = local_day(moment, tz)
    return day if day_start(day, tz) >= moment else day + timedelta(days=1)


def shift_days(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same program-local wall time `days` calendar days away (daylight-saving aware), in UTC."""
    local = require_aware(moment).astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """A half-open interval [start, end) of aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "window start")
        require_aware(self.end, "window end")
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def contains_day(self, day: date, tz: ZoneInfo) -> bool:
        return self.contains(day_start(day, tz))

    def day_bounds(self, tz: ZoneInfo) -> tuple[date, date]:
        """[first, end) dates such that a date D lies in the window exactly when first <= D < end."""
        return first_day_at_or_after(self.start, tz), first_day_at_or_after(self.end, tz)

    def shifted(self, days: int, tz: ZoneInfo) -> Window:
        return Window(shift_days(self.start, days, tz), shift_days(self.end, days, tz))


def trailing(as_of: datetime, days: int, tz: ZoneInfo) -> Window:
    """The trailing `days` calendar days ending at as-of."""
    return Window(shift_days(as_of, -days, tz), require_aware(as_of, "as-of"))


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(day: date) -> str:
    year, quarter = quarter_of(day)
    return f"{year}-Q{quarter}"


def quarter_first_day(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarter_to_date(as_of: datetime, tz: ZoneInfo) -> Window:
    """From the start of as-of's program-local quarter up to as-of."""
    return Window(day_start(quarter_first_day(local_day(as_of, tz)), tz), as_of)


def month_starts(as_of: datetime, months: int, tz: ZoneInfo) -> list[date]:
    """The first days of the last `months` program-local months, oldest first, ending with as-of's month."""
    this_month = local_day(as_of, tz).replace(day=1)
    return [add_months(this_month, -offset) for offset in range(months - 1, -1, -1)]


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600
