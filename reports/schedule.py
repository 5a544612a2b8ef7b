"""When scheduled things are due: weekly digests in each channel's time zone, and owners' quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reports.timeframe import quarter_first_day, quarter_label

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local wall time as UTC. A time skipped by daylight saving moves forward by the gap; a repeated one
    takes its first occurrence."""
    naive = datetime.combine(day, at)
    candidate = naive.replace(tzinfo=tz, fold=0)
    roundtrip = candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if roundtrip != naive:  # nonexistent: the clock jumped over it
        gap = candidate.utcoffset() - naive.replace(tzinfo=tz, fold=1).utcoffset()  # type: ignore[operator]
        candidate = (naive + abs(gap)).replace(tzinfo=tz)
    return candidate.astimezone(UTC)


@dataclass(frozen=True)
class Slot:
    """One scheduled occurrence: when it was due, and the week it belongs to (its claim key part)."""

    due_at: datetime
    week: str


def latest_slot(*, weekday: int, at: time, tz: ZoneInfo, now: datetime) -> Slot:
    """The most recent weekly occurrence at or before now."""
    today = now.astimezone(tz).date()
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    due = local_instant(day, at, tz)
    if due > now:
        day -= timedelta(days=7)
        due = local_instant(day, at, tz)
    year, week, _ = day.isocalendar()
    return Slot(due, f"{year}-W{week:02d}")


def next_slot(*, weekday: int, at: time, tz: ZoneInfo, now: datetime) -> datetime:
    latest = latest_slot(weekday=weekday, at=at, tz=tz, now=now)
    day = latest.due_at.astimezone(tz).date() + timedelta(days=7)
    return local_instant(day, at, tz)


def in_quiet_hours(now: datetime, tz: ZoneInfo, quiet: str) -> bool:
    """Is it quiet time on the person's clock? `quiet` is 'HH:MM-HH:MM' and may wrap past midnight."""
    start_text, end_text = quiet.split("-")
    start, end = parse_clock(start_text), parse_clock(end_text)
    local = now.astimezone(tz).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


QUARTERLY_REVIEW_AT = time(9, 0)


def quarterly_slot(*, now: datetime, tz: ZoneInfo, at: time = QUARTERLY_REVIEW_AT) -> Slot:
    """This quarter's occurrence of a quarterly message: the quarter's first weekday (Monday to Friday) at `at`
    in `tz`, with the quarter's label ('2026-Q3') in place of the week. It may lie after now."""
    first = quarter_first_day(now.astimezone(tz).date())
    label = quarter_label(first)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    return Slot(local_instant(first, at, tz), label)
