"""Windows are half-open, cut in the program's time zone, and daylight-saving aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.timeframe import Window, day_start, quarter_label, quarter_to_date, shift_days, trailing

NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def test_trailing_window_keeps_local_wall_time_across_dst() -> None:
    as_of = datetime(2026, 3, 10, 12, tzinfo=NEW_YORK)  # EDT since 03-08
    window = trailing(as_of, 7, NEW_YORK)
    assert window.start == datetime(2026, 3, 3, 12, tzinfo=NEW_YORK)  # EST: 17:00 UTC, not 16:00
    assert window.start.astimezone(UTC).hour == 17
    assert window.end.astimezone(UTC).hour == 16


@pytest.mark.parametrize(
    ("as_of", "inside", "outside"),
    [
        # mid-day as-of: the date 365 days back is out (its midnight precedes the start), today is in
        (
            datetime(2026, 6, 15, 12, tzinfo=NEW_YORK),
            [date(2025, 6, 16), date(2026, 6, 15)],
            [date(2025, 6, 15)],
        ),
        # midnight as-of: today has not begun to count; the first day is in exactly
        (
            datetime(2026, 6, 15, 0, tzinfo=NEW_YORK),
            [date(2025, 6, 15), date(2026, 6, 14)],
            [date(2026, 6, 15)],
        ),
    ],
)
def test_dates_count_from_their_local_midnight(as_of: datetime, inside: list[date], outside: list[date]) -> None:
    window = trailing(as_of, 365, NEW_YORK)
    first, end = window.day_bounds(NEW_YORK)
    for day in inside:
        assert window.contains_day(day, NEW_YORK)
        assert first <= day < end
    for day in outside:
        assert not window.contains_day(day, NEW_YORK)
        assert not first <= day < end


def test_half_open_window() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime(2026, 1, 2, tzinfo=UTC)
    window = Window(start, end)
    assert window.contains(start)
    assert not window.contains(end)
    with pytest.raises(ValueError, match="naive"):
        Window(datetime(2026, 1, 1), end)  # noqa: DTZ001 - the point of the test


def test_half_hour_zone_and_quarters() -> None:
    as_of = datetime(2026, 3, 31, 20, tzinfo=UTC)  # 2026-04-01 01:30 in Kolkata: already Q2 there
    assert quarter_to_date(as_of, KOLKATA).start == day_start(date(2026, 4, 1), KOLKATA)
    assert day_start(date(2026, 4, 1), KOLKATA) == datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
    assert quarter_label(date(2026, 11, 22)) == "2026-Q4"
    assert shift_days(as_of, -1, KOLKATA) == datetime(2026, 3, 30, 20, tzinfo=UTC)
