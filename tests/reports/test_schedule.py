"""Digest slots across daylight saving and odd offsets, and quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from reports.schedule import in_quiet_hours, latest_slot, local_instant, next_slot

BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")


def test_monday_nine_in_berlin_before_and_after_dst() -> None:
    winter = latest_slot(weekday=0, at=time(9), tz=BERLIN, now=datetime(2026, 3, 24, tzinfo=UTC))
    summer = latest_slot(weekday=0, at=time(9), tz=BERLIN, now=datetime(2026, 3, 31, tzinfo=UTC))
    assert winter.due_at == datetime(2026, 3, 23, 8, tzinfo=UTC)  # CET, UTC+1
    assert summer.due_at == datetime(2026, 3, 30, 7, tzinfo=UTC)  # CEST, UTC+2 after 03-29
    assert (winter.week, summer.week) == ("2026-W13", "2026-W14")


def test_a_half_hour_zone() -> None:
    slot = latest_slot(weekday=4, at=time(9, 30), tz=KOLKATA, now=datetime(2026, 6, 12, 4, tzinfo=UTC))
    assert slot.due_at == datetime(2026, 6, 12, 4, 0, tzinfo=UTC)  # 09:30 IST = 04:00 UTC, due exactly now
    assert next_slot(weekday=4, at=time(9, 30), tz=KOLKATA, now=slot.due_at) == datetime(2026, 6, 19, 4, tzinfo=UTC)


def test_before_this_weeks_slot_the_latest_is_last_week() -> None:
    slot = latest_slot(weekday=0, at=time(9), tz=NEW_YORK, now=datetime(2026, 6, 15, 12, tzinfo=UTC))
    assert slot.due_at == datetime(2026, 6, 8, 13, tzinfo=UTC)


def test_times_that_daylight_saving_skips_or_repeats() -> None:
    skipped = local_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)  # 02:30 does not exist
    assert skipped == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # read as 03:30 EDT
    repeated = local_instant(date(2026, 11, 1), time(1, 30), NEW_YORK)  # happens twice
    assert repeated == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the first, EDT


@pytest.mark.parametrize(
    ("local", "quiet", "expected"),
    [
        ("21:00", "20:00-08:00", True),
        ("07:59", "20:00-08:00", True),
        ("08:00", "20:00-08:00", False),
        ("12:00", "20:00-08:00", False),
        ("13:00", "12:00-14:00", True),
        ("15:00", "12:00-14:00", False),
    ],
)
def test_quiet_hours(local: str, quiet: str, expected: bool) -> None:
    hour, minute = map(int, local.split(":"))
    now = datetime(2026, 6, 15, hour, minute, tzinfo=KOLKATA)
    assert in_quiet_hours(now, KOLKATA, quiet) is expected
