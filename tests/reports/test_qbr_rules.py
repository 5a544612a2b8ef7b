"""The QBR's own rules, by hand: next quarter's suggested goal at its edges, the trend quarters, and when the
owners' packs are due."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.jobs.qbr import qbr_slot
from reports.kpis.qbr import (
    CAPPED,
    FALLING,
    FLAT,
    NO_HISTORY,
    NOTHING_YET,
    RISING,
    compute_trend_quarters,
    next_quarter,
    round_target,
    suggest_goal,
)

UTC_ZONE = ZoneInfo("UTC")
K = 100_000  # $1,000 in minor units


def test_no_history_suggests_nothing() -> None:
    s = suggest_goal("sourced_revenue", [None, None, None, None])
    assert (s.target, s.latest, s.basis, s.quarters) == (None, None, NO_HISTORY, 0)


def test_nothing_but_zeros_suggests_nothing() -> None:
    s = suggest_goal("registered_deals", [0, 0, 0, 0])
    assert (s.target, s.basis) == (None, NOTHING_YET)


def test_flat_holds_the_latest_actual() -> None:
    s = suggest_goal("registered_deals", [5, 5, 5, 5])
    assert (s.target, s.projection, s.basis) == (5, 5, FLAT)


def test_one_quarter_of_history_is_flat() -> None:
    # a partner onboarded in the last quarter: no trend yet, its one actual is the suggestion
    s = suggest_goal("registered_deals", [None, None, None, 7])
    assert (s.target, s.quarters, s.basis) == (7, 1, FLAT)


def test_falling_holds_the_latest_actual() -> None:
    # 40k, 30k, 20k, 10k: the line falls 10k a quarter and reads 0 next quarter; the latest 10k is held
    s = suggest_goal("sourced_revenue", [40 * K, 30 * K, 20 * K, 10 * K])
    assert s.projection == pytest.approx(0)
    assert (s.target, s.basis) == (10 * K, FALLING)


def test_falling_to_nothing_suggests_nothing() -> None:
    s = suggest_goal("registered_deals", [3, 2, 1, 0])
    assert (s.target, s.basis) == (None, FALLING)


def test_rising_takes_the_trend() -> None:
    # 10k, 20k, 30k: +10k a quarter, so 40k next; 40k is under the cap (30k × 1.5 = 45k)
    s = suggest_goal("sourced_revenue", [None, 10 * K, 20 * K, 30 * K])
    assert s.projection == pytest.approx(40 * K)
    assert (s.target, s.basis) == (40 * K, RISING)


def test_rising_beyond_the_cap_is_capped() -> None:
    # 10, 20, 30, 10: mean 17.5, slope (−1.5·−7.5 − 0.5·2.5 + 0.5·12.5 + 1.5·−7.5) ÷ 5 = 1, so 17.5 + 2.5 = 20
    # next quarter; the cap is 10 × 1.5 = 15
    s = suggest_goal("registered_deals", [10, 20, 30, 10])
    assert s.projection == pytest.approx(20)
    assert (s.target, s.basis) == (15, CAPPED)


def test_rounding_goes_up_to_whole_deals_and_two_significant_figures() -> None:
    assert round_target(4.2, "registered_deals") == 5
    assert round_target(4.0, "registered_deals") == 4
    assert round_target(1_234_567, "sourced_revenue") == 1_300_000  # $12,345.67 → $13,000
    assert round_target(4_000_000, "sourced_revenue") == 4_000_000  # $40,000 stays
    assert round_target(98_765_400, "sourced_pipeline") == 99_000_000  # $987,654 → $990,000


def test_trend_quarters_of_a_past_and_of_the_current_quarter() -> None:
    end_of_q2 = datetime(2026, 7, 1, tzinfo=UTC)
    past = compute_trend_quarters(date(2026, 4, 1), end_of_q2, UTC_ZONE)
    assert [q.label for q in past] == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert [q.as_of for q in past][-2:] == [datetime(2026, 4, 1, tzinfo=UTC), end_of_q2]
    assert not any(q.to_date for q in past)
    mid_june = datetime(2026, 6, 15, 12, tzinfo=UTC)
    current = compute_trend_quarters(date(2026, 4, 1), mid_june, UTC_ZONE)
    assert (current[-1].as_of, current[-1].to_date, current[-2].to_date) == (mid_june, True, False)
    assert next_quarter(current[-1])[:2] == ("2026-Q3", date(2026, 7, 1))
    assert next_quarter(compute_trend_quarters(date(2026, 10, 1), mid_june, UTC_ZONE)[-1])[0] == "2027-Q1"


@pytest.mark.parametrize(
    ("now", "days", "due", "quarter"),
    [
        # Q3 2026 ends Wednesday 30 September; ten days before is Sunday 20 September: the Friday before
        (datetime(2026, 9, 1, tzinfo=UTC), 10, datetime(2026, 9, 18, 9, tzinfo=UTC), "2026-Q3"),
        # Q4 2026 ends Thursday 31 December; ten days before is Monday 21 December
        (datetime(2026, 12, 31, 23, tzinfo=UTC), 10, datetime(2026, 12, 21, 9, tzinfo=UTC), "2026-Q4"),
        (datetime(2026, 12, 1, tzinfo=UTC), 1, datetime(2026, 12, 30, 9, tzinfo=UTC), "2026-Q4"),
    ],
)
def test_the_packs_are_due_days_before_the_quarter_ends(now: datetime, days: int, due: datetime, quarter: str) -> None:
    slot = qbr_slot(now=now, tz=UTC_ZONE, days_before_end=days)
    assert (slot.due_at, slot.week) == (due, quarter)


def test_the_due_time_is_in_the_program_time_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # 21 December 09:00 CET is 08:00 UTC
    slot = qbr_slot(now=datetime(2026, 12, 1, tzinfo=UTC), tz=berlin, days_before_end=10)
    assert slot.due_at == datetime(2026, 12, 21, 8, tzinfo=UTC)
