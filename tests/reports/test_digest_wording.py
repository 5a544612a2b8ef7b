"""How the digest says a change since last week: in the figure's own units, money as money."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reports.blocks.digest import change
from reports.formatting import days, hours, money


@pytest.mark.parametrize(
    ("now", "before", "written", "expected"),
    [
        (12, 9, None, "▲ 3 since last week"),
        (1_000, 2_572, None, "▼ 1,572 since last week"),
        (4, 4, None, "no change"),
        (None, 4, None, ""),
        (22.4, 22.0, days, "▲ 0.4 d since last week"),
        (22.41, 22.4, days, "no change"),  # too small to show in the figure's own rounding
        (6.1, 1.9, hours, "▲ 4.2 h since last week"),
        # money is in minor units: $1,479,860 against $1,381,874 is ▲ $97,986, written compactly
        (147_986_000, 138_187_400, lambda minor: money(minor, "USD"), "▲ $98k since last week"),
        (98_000, 0, lambda minor: money(minor, "USD"), "▲ $980 since last week"),
        (0, 98_000, lambda minor: money(minor, "EUR"), "▼ €980 since last week"),
        (5_000, 5_040, lambda minor: money(minor, "USD"), "no change"),  # 40 cents: $0 either way
    ],
)
def test_changes_are_written_like_the_figure(
    now: float | None, before: float, written: Callable[[float], str] | None, expected: str
) -> None:
    assert (change(now, before) if written is None else change(now, before, written)) == expected
