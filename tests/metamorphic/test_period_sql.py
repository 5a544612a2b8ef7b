""" "This month" and "this quarter" at the end of a period's last day equal a plain SQL sum over the deals table.

The program runs in America/New_York, so local midnight is 04:00 UTC: deals are imported with close *times* (the
import keeps the program-local date a time with an offset falls on) at 23:59 local on a period's last day, at
00:00 local on the next day, and a couple of hours either side of UTC midnight. At `--as-of <last day>` the export's
sourced and influenced revenue and won-deal counts for the month and the quarter, for the program and for each
partner, equal `SELECT SUM(amount), COUNT(*) FROM deals` over the period's dates, bounds worked out here with
zoneinfo; and both equal the sum worked out in Python from the close times themselves.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from storage.db import Database
from tests.factories import Fixture
from tests.metamorphic.program import export, import_rows

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 8, 1, 12, tzinfo=UTC)


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


# every close instant a month or quarter boundary makes interesting, around 2026-03-31, 05-31 and 06-30
CLOSES = [
    ny(date(2026, 3, 31), 23, 59),  # the last minute of Q1
    ny(date(2026, 4, 1), 0, 0),  # Q2's first instant
    ny(date(2026, 5, 31), 23, 59),
    datetime(2026, 6, 1, 2, tzinfo=UTC),  # UTC's June 1, New York's May 31 (22:00)
    ny(date(2026, 6, 1), 0, 0),
    ny(date(2026, 6, 15), 12, 0),
    ny(date(2026, 6, 30), 23, 59),  # the last minute of June and of Q2
    datetime(2026, 7, 1, 3, 30, tzinfo=UTC),  # UTC's July 1, New York's June 30 (23:30)
    ny(date(2026, 7, 1), 0, 0),  # July's first instant: never at the end of June 30
    datetime(2026, 7, 1, 4, 30, tzinfo=UTC),  # New York's July 1 00:30
]
PARTNERS = ("P-1", "P-2")


def program(db: Database, tmp_path: Path) -> list[tuple[str, str | None, str, str, int, datetime]]:
    """Deals of every attribution and outcome closed at every instant above; returns (id, partner, attribution,
    outcome, amount in minor units, close instant) for each."""
    Fixture(settings={"time_zone": "America/New_York"}).write(db)
    import_rows(
        db,
        tmp_path,
        "partners",
        [{"partner_id": p, "name": f"Partner {p}", "onboarded_on": "2025-01-01"} for p in PARTNERS],
        NOW,
    )
    deals = []
    combos = [
        (partner, attribution, outcome)
        for partner, attribution in (
            ("P-1", "sourced"),
            ("P-2", "sourced"),
            ("P-1", "influenced"),
            ("P-2", "influenced"),
            (None, "direct"),
        )
        for outcome in ("won", "lost")
    ]
    for n, closed in enumerate(CLOSES):
        for m, (partner, attribution, outcome) in enumerate(combos):
            amount = 100 * (n + 1) + m  # distinct, so a wrong deal in or out shows
            deals.append((f"D-{n}-{m}", partner, attribution, outcome, amount * 100, closed))
    rows = [
        {
            "deal_id": key,
            "partner_id": partner or "",
            "attribution": attribution,
            "amount": str(minor // 100),
            "created_on": "2026-01-15",
            "closed_on": closed.isoformat(),
            "outcome": outcome,
            "stage": "Closed Won" if outcome == "won" else "Closed Lost",
        }
        for key, partner, attribution, outcome, minor, closed in deals
    ]
    rows.append({"deal_id": "OPEN", "partner_id": "P-1", "attribution": "sourced", "amount": "999",
                 "created_on": "2026-06-30", "outcome": "open"})  # fmt: skip
    import_rows(db, tmp_path, "deals", rows, NOW)
    return deals


def period_bounds(last_day: date) -> dict[str, tuple[date, date]]:
    """[first, end) dates of the month and the quarter to date holding the last instant before `--as-of last_day`:
    from the period's first day up to the as-of (the whole month, and the quarter so far)."""
    as_of = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=NY)
    day = (as_of - timedelta(microseconds=1)).astimezone(NY).date()
    assert day == last_day
    month = date(day.year, day.month, 1)
    quarter = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)

    def months_later(first: date, n: int) -> date:
        index = first.year * 12 + first.month - 1 + n
        return date(index // 12, index % 12 + 1, 1)

    to_date = day + timedelta(days=1)  # the first date that does not count at the as-of
    return {
        "month": (month, min(months_later(month, 1), to_date)),
        "quarter": (quarter, min(months_later(quarter, 3), to_date)),
    }


def sql_won(db: Database, attribution: str, partner: str | None, first: date, end: date) -> dict[str, int]:
    """The plain SQL sum: won deals of this attribution (and partner) closed on a date in [first, end)."""
    query = """
        SELECT COALESCE(SUM(d.amount_base_minor), 0), COUNT(*)
        FROM deals d LEFT JOIN partners p ON p.id = d.partner_id
        WHERE d.outcome = 'won' AND d.attribution = :attribution
          AND d.closed_on >= :first AND d.closed_on < :end
    """
    values: dict[str, object] = {"attribution": attribution, "first": first, "end": end}
    if partner is not None:
        query += " AND p.external_id = :partner"
        values["partner"] = partner
    with db.engine.connect() as connection:
        amount, deals = connection.execute(text(query), values).one()
    return {"amount_minor": int(amount), "deals": int(deals)}


@pytest.mark.parametrize("last_day", [date(2026, 6, 30), date(2026, 5, 31), date(2026, 3, 31)], ids=str)
def test_this_month_and_quarter_at_a_periods_last_day_equal_plain_sql(
    db: Database, tmp_path: Path, last_day: date
) -> None:
    deals = program(db, tmp_path)
    data = export(db, datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=NY))
    scopes: list[tuple[str | None, dict[str, Any]]] = [(None, data["program"])]
    scopes += [(p, data["partners"][p]["kpis"]) for p in PARTNERS]
    for period, (first, end) in period_bounds(last_day).items():
        for partner, kpis in scopes:
            for attribution in ("sourced", "influenced"):
                by_hand = [
                    minor
                    for _, p, a, outcome, minor, closed in deals
                    if a == attribution and outcome == "won" and (partner is None or p == partner)
                    and first <= closed.astimezone(NY).date() < end
                ]  # fmt: skip
                expected = {"amount_minor": sum(by_hand), "deals": len(by_hand)}
                where = (period, partner or "program", attribution, first, end)
                assert sql_won(db, attribution, partner, first, end) == expected, where
                shown = kpis[f"{attribution}_revenue"][period]
                assert shown == expected, where
