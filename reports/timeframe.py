"""What "as of" means, in one place: the as-of instant, the day, month and quarter it belongs to, and the
half-open windows every loader and view cuts in the program's time zone.

- **The as-of is an instant** (aware, compared as UTC). A date typed by a user means the *end* of that day in the
  program's time zone (`end_of_day`): `--as-of 2026-06-30` is 2026-07-01 00:00 local.
- **A calendar date D** (closed_on, onboarded_on, registered_on, …) stands for the instant D 00:00 local, so it
  counts as of any moment after that midnight: D counts at as-of exactly when D <= `as_of_day(as_of)`, which is
  the same as D < `dates_before(as_of)`.
- **A record counts at as-of only if every date or time that makes it exist is before as-of** (created,
  registered, introduced, occurred, responded, onboarded); a later fact about it (a close, a response, a next
  step, a sunset) applies only once its own date is before as-of. `exists_at` says it for one record.
- **The as-of's day, month and quarter** are the ones holding the last instant before as-of (`as_of_day`), so the
  end of June 30 reports June and Q2, never July and Q3; one second into July 1 reports July and Q3.
- **Windows are half-open [start, end)** of instants. "Trailing N days" ends at as-of and starts at the same local
  wall time N calendar days before (daylight-saving aware); "month / quarter to date" start at the period's first
  local midnight and end at as-of, so at the end of a period's last day they hold the whole period.
- **A period** (a goal's quarter or date range, [first day, end day)) is *upcoming* while as-of is at or before
  its start, *current* while start < as-of <= end (it holds the last instant before as-of), and *past* after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

UPCOMING = "upcoming"
CURRENT = "current"
PAST = "past"


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


def as_of_day(as_of: datetime, tz: ZoneInfo) -> date:
    """The program-local day holding the last instant before as-of: the as-of's own day, whose month and quarter
    are "this month" and "this quarter". At exactly midnight it is the day that just ended."""
    return first_day_at_or_after(as_of, tz) - timedelta(days=1)


def dates_before(as_of: datetime, tz: ZoneInfo) -> date:
    """The first date that does not count yet at as-of: a date D counts exactly when D < this."""
    return first_day_at_or_after(as_of, tz)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The as-of a typed date means: the instant its program-local day ends (the next day's midnight)."""
    return day_start(day + timedelta(days=1), tz)


def parse_as_of(text: str, tz: ZoneInfo) -> datetime:
    """A typed as-of: a date (`2026-06-30`, the end of that day) or an ISO time (`2026-06-30T17:00+02:00`; without
    an offset, program-local). Raises ValueError for anything else."""
    raw = text.strip()
    if len(raw) == 10:
        return end_of_day(date.fromisoformat(raw), tz)
    moment = datetime.fromisoformat(raw)
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)


def exists_at(as_of: datetime, *moments: datetime | None) -> bool:
    """Whether a record counts at as-of: every time that makes it exist (None: not given) is before as-of."""
    return all(moment is None or moment < as_of for moment in moments)


def period_state(start: datetime, end: datetime, as_of: datetime) -> str:
    """ "upcoming" while as-of <= start, "current" while start < as-of <= end, "past" after."""
    if as_of <= start:
        return UPCOMING
    return CURRENT if as_of <= end else PAST


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


def month_to_date(as_of: datetime, tz: ZoneInfo) -> Window:
    """From the first midnight of the as-of's month up to as-of (the whole month at the end of its last day)."""
    return Window(day_start(as_of_day(as_of, tz).replace(day=1), tz), require_aware(as_of, "as-of"))


def quarter_to_date(as_of: datetime, tz: ZoneInfo) -> Window:
    """From the first midnight of the as-of's quarter up to as-of (the whole quarter at the end of its last day)."""
    return Window(day_start(quarter_first_day(as_of_day(as_of, tz)), tz), require_aware(as_of, "as-of"))


def previous_quarter_to_date(as_of: datetime, tz: ZoneInfo) -> Window:
    """Last quarter from its first midnight up to the same wall-clock point as as-of in this quarter (its whole
    length when this quarter has run longer)."""
    this_first = quarter_first_day(as_of_day(as_of, tz))
    first = add_months(this_first, -3)
    end = min(shift_days(as_of, -(this_first - first).days, tz), day_start(this_first, tz))
    return Window(day_start(first, tz), end)


def last_whole_quarters(as_of: datetime, tz: ZoneInfo, count: int = 4) -> Window:
    """The `count` whole quarters that ended at or before as-of: from the first midnight of the oldest to the first
    midnight of the quarter that holds the as-of instant. At the end of a quarter's last day (a typed 2026-06-30)
    that quarter is whole and is the newest one; any moment before that midnight leaves it out."""
    end = quarter_first_day(local_day(as_of, tz))
    return Window(day_start(add_months(end, -3 * count), tz), day_start(end, tz))


def elapsed_days(start: datetime, end: datetime, tz: ZoneInfo) -> float:
    """Calendar days between two instants, read on the program's wall clock (a DST day still counts as 1)."""
    return (_wall_clock(end, tz) - _wall_clock(start, tz)).total_seconds() / 86400


@lru_cache(maxsize=1 << 16)
def _wall_clock(moment: datetime, tz: ZoneInfo) -> datetime:
    """An instant as the program's naive wall-clock time (cached: the same onboarding days and as-ofs come back
    for every partner and every as-of of a view; six times faster than converting each time)."""
    return moment.astimezone(tz).replace(tzinfo=None)


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600
