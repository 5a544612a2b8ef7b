"""The program view says what it knows and what it does not: both means, unknown amounts, no activity data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from commands.context import CommandContext
from commands.export import export_kpis
from commands.table import dispatch
from storage.db import Database
from tests.commands.test_chart_agreement import field
from tests.factories import Fixture, at

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)


def program_field(db: Database, label: str) -> str:
    return field(dispatch("program", CommandContext(database=db, as_of=AS_OF)), label)


def test_deal_size_shows_the_partner_mean_when_direct_has_no_won_deals(db: Database) -> None:
    f = Fixture()
    f.partner("P-1", onboarded_on=date(2025, 1, 1))
    for n, amount in enumerate((40_000, 44_000, 48_000, 52_000, 56_000)):
        f.deal(
            f"W-{n}",
            partner="P-1",
            attribution="sourced",
            created=date(2026, 1, 1),
            outcome="won",
            closed=date(2026, 3, 1),
            amount=amount,
        )
    f.write(db)
    assert program_field(db, "Deal size vs direct") == "$48k partner mean · direct: no won deals"


def stalled_program(db: Database, amounts: tuple[float | None, ...]) -> None:
    f = Fixture()
    f.partner("P-1", onboarded_on=date(2025, 1, 1))
    for n, amount in enumerate(amounts):  # 75 days in Proposal: past the 30-day stall threshold
        f.deal(
            f"O-{n}",
            partner="P-1",
            attribution="sourced",
            created=date(2026, 3, 1),
            amount=amount,
            stages=(("Proposal", at(date(2026, 4, 1))),),
        )
    f.write(db)


def test_stalled_deals_without_amounts_say_so_rather_than_zero(db: Database) -> None:
    stalled_program(db, (None, None))
    assert program_field(db, "Stalled deals") == "2 deals, amounts unknown"


def test_stalled_deals_with_some_amounts_say_how_many_the_sum_covers(db: Database) -> None:
    stalled_program(db, (None, 50_000, None))
    assert program_field(db, "Stalled deals") == "$50k over 1 of 3 deals with an amount"
    stalled = export_kpis(db, as_of=AS_OF)["program"]["stalled_deals"]
    assert (stalled["count"], stalled["deals_with_amount"], stalled["amount_minor"]) == (3, 1, 50_000_00)


def test_active_partner_rate_without_any_activity_data_says_so_rather_than_zero(db: Database) -> None:
    f = Fixture()
    for n in range(6):
        f.partner(f"P-{n}", onboarded_on=date(2025, 1, 1))
    f.write(db)
    assert program_field(db, "Active partner rate (30 d)") == "no activity data yet: none imported or received"
    rate = export_kpis(db, as_of=AS_OF)["program"]["active_partner_rate"]
    assert (rate["value"], rate["denominator"], rate["activity_data"]) == (None, 6, False)


def test_active_partner_rate_with_activity_data_is_a_rate_even_at_zero(db: Database) -> None:
    f = Fixture()
    for n in range(6):
        f.partner(f"P-{n}", onboarded_on=date(2025, 1, 1))
    f.activity("P-0", "login", at(date(2026, 1, 5)))  # long before the 30 days: recorded, but nobody engaged
    f.write(db)
    assert program_field(db, "Active partner rate (30 d)") == "0% (0 of 6)"
    assert export_kpis(db, as_of=AS_OF)["program"]["active_partner_rate"]["activity_data"] is True
