"""Rates, medians and quantiles, with the small-sample rule."""

from __future__ import annotations

import pytest

from reports.formatting import count, duration, number
from reports.stats import Distribution, Median, Rate


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 0.5, None),
        ([3], 0.5, 3),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([10, 20, 30, 40, 50], 0.75, 40),
        ([40, 50, 60, 100, 120], 0.75, 100),
        ([2, 4, 24, 24, 30, 60, 132], 0.9, 88.8),
    ],
)
def test_quantiles_interpolate_between_ranks(values: list[float], q: float, expected: float | None) -> None:
    result = Distribution.of(values).quantile(q)
    assert result == (None if expected is None else pytest.approx(expected))


def test_value_count_pairs_equal_raw_values() -> None:
    raw = Distribution.of([5, 1, 5, 3, 5, 1])
    paired = Distribution.from_pairs([(5.0, 3), (1.0, 2), (3.0, 1), (9.0, 0)])
    assert raw == paired
    assert raw.n == 6
    assert raw.maximum == 5


@pytest.mark.parametrize(
    ("numerator", "denominator", "value", "text"),
    [
        (0, 0, None, "not enough data (n=0)"),
        (3, 4, None, "not enough data (n=4)"),
        (4, 5, 0.8, "80% (4 of 5)"),
        (0, 7, 0.0, "0% (0 of 7)"),
    ],
)
def test_rate_small_sample_rule(numerator: int, denominator: int, value: float | None, text: str) -> None:
    rate = Rate(numerator, denominator)
    assert rate.value == value
    assert rate.text() == text


def test_median_hides_small_samples_but_keeps_count() -> None:
    few = Median.of(Distribution.of([1, 2, 3]))
    assert (few.n, few.value, few.raw) == (3, None, 2)
    assert few.text() == "not enough data (n=3)"
    enough = Median.of(Distribution.of([1, 2, 3, 4, 5]))
    assert enough.text() == "3.0 d"


def test_rates_and_small_samples_write_thousands_separators() -> None:
    assert Rate(4238, 6711).text() == "63% (4,238 of 6,711)"
    assert Median(1572, None).text() == "not enough data (n=1,572)"


def test_a_label_is_followed_by_a_colon_only_before_the_small_sample_phrase() -> None:
    assert Median.of(Distribution.of([1, 2, 3, 4, 5])).text(label="median") == "median 3.0 d"
    assert Median.of(Distribution.of([3.0])).text("h", label="median") == "median: not enough data (n=1)"
    assert Rate(4, 5).text(label="sourced") == "sourced 80% (4 of 5)"
    assert Rate(1, 2).text(label="sourced") == "sourced: not enough data (n=2)"


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (38.15, "d", "38.2 d"),  # halves round up …
        ((38.1 + 38.2) / 2, "d", "38.2 d"),  # … also when float arithmetic lands just below the half
        (2.25, "h", "2.3 h"),  # Python's own formatting would give 2.2 here
        (0.04, "h", "0.0 h"),
        (1234.56, "d", "1,234.6 d"),
        (71.9, "h", "71.9 h"),
        (72.0, "h", "3.0 d"),  # from three days on, hours read in days
        (100.0, "h", "4.2 d"),
    ],
)
def test_every_duration_is_rounded_by_one_rule(value: float, unit: str, expected: str) -> None:
    assert duration(value, unit) == expected
    assert Median(5, value).text(unit) == expected  # a median reads exactly as any other duration


def test_counts_have_thousands_separators() -> None:
    assert number(1572) == "1,572"
    assert count(1572, "deal") == "1,572 deals"
