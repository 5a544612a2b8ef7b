"""The fast-start incentive's rule, worked by hand: which wins are eligible, their place, what each earns."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reports.blocks.incentives import fast_start_line, first_win_incentive, incentives_off_text, rule_text
from reports.config import ConfigError, ProgramConfig, parse_setting
from reports.kpis.incentives import (
    HELD_DERIVED,
    SourcedWin,
    compute_eligible_wins,
    compute_fast_start,
    compute_incentive_list,
)
from reports.model import PartnerProfile

ACME = PartnerProfile(1, "P-1", "Acme", onboarded_on=date(2026, 4, 1))
BOLT = PartnerProfile(2, "P-2", "Bolt", onboarded_on=date(2026, 5, 1))
DERIVED = PartnerProfile(3, "P-3", "Cobalt", onboarded_on=date(2026, 6, 15), onboarding_source="first_deal")
UNKNOWN = PartnerProfile(4, "P-4", "Dyno")
LATE = datetime(2026, 12, 1, tzinfo=UTC)


def config(**values: str) -> ProgramConfig:
    return ProgramConfig.from_mapping({"fast_start_wins": "3", "fast_start_amount": "500", **values})


def win(partner: PartnerProfile, key: str, closed: date, amount: float | None = 1000.0) -> SourcedWin:
    minor = None if amount is None else round(amount * 100)
    return SourcedWin(partner.id, key, None, date(2026, 1, 2), closed, minor)


def places(eligible: object) -> list[tuple[str, int, int, int | None]]:
    return [(e.win.external_id, e.place, e.days_from_onboarding, e.owed_minor) for e in eligible]  # type: ignore[attr-defined]


def test_the_first_three_sourced_wins_in_the_window_earn_it_and_the_fourth_does_not() -> None:
    wins = [
        win(ACME, "A-4", date(2026, 6, 10)),  # given out of order: the ranking decides
        win(ACME, "A-1", date(2026, 4, 1)),  # on the onboarding day: day 0
        win(ACME, "A-3", date(2026, 6, 1)),
        win(ACME, "A-2", date(2026, 5, 1)),
    ]
    assert places(compute_eligible_wins([ACME], wins, config(), LATE)) == [
        ("A-1", 1, 0, 50_000),
        ("A-2", 2, 30, 50_000),
        ("A-3", 3, 61, 50_000),
    ]


def test_day_d_counts_and_day_d_plus_one_does_not_and_a_win_before_onboarding_takes_no_place() -> None:
    wins = [
        win(BOLT, "B-0", date(2026, 4, 20)),  # before onboarding
        win(BOLT, "B-91", date(2026, 7, 31)),  # 2026-05-01 + 91 days
        win(BOLT, "B-90", date(2026, 7, 30)),  # 2026-05-01 + 90 days
    ]
    assert places(compute_eligible_wins([BOLT], wins, config(), LATE)) == [("B-90", 1, 90, 50_000)]
    shorter = compute_eligible_wins([BOLT], wins, config(fast_start_days="89"), LATE)
    assert shorter == ()


def test_same_day_wins_are_ranked_by_deal_id_as_the_first_win_is() -> None:
    wins = [win(ACME, "A-b", date(2026, 4, 2)), win(ACME, "A-a", date(2026, 4, 2))]
    assert [e.win.external_id for e in compute_eligible_wins([ACME], wins, config(fast_start_wins="1"), LATE)] == [
        "A-a"
    ]


def test_a_percentage_is_of_each_deal_rounded_half_up_to_the_cent() -> None:
    percent = config(fast_start_amount="", fast_start_percent="2.5")
    wins = [
        win(ACME, "A-1", date(2026, 4, 1), 10_000.00),  # 250.00
        win(ACME, "A-2", date(2026, 5, 1), 3_333.33),  # 83.33325 → 83.33
        win(ACME, "A-3", date(2026, 6, 1), 1.00),  # 0.025 → 0.03
    ]
    eligible = compute_eligible_wins([ACME], wins, percent, LATE)
    assert [e.owed_minor for e in eligible] == [25_000, 8_333, 3]
    listing = compute_incentive_list(
        eligible, label="2026-Q2", first=date(2026, 4, 1), end=date(2026, 7, 1), as_of=LATE, config=percent
    )
    assert listing.total_minor == 33_336  # $333.36, by hand
    assert "earn 2.5 % of their amount" in rule_text(percent)


def test_without_an_amount_deals_are_eligible_and_owe_nothing_named() -> None:
    plain = config(fast_start_amount="")
    (only,) = compute_eligible_wins([ACME], [win(ACME, "A-1", date(2026, 4, 1))], plain, LATE)
    assert only.owed_minor is None
    assert "no amount or percentage is set" in rule_text(plain)


def test_a_derived_onboarding_date_holds_the_deal_and_an_unknown_one_has_no_window() -> None:
    wins = [win(DERIVED, "C-1", date(2026, 7, 1)), win(UNKNOWN, "D-1", date(2026, 7, 1))]
    (held,) = compute_eligible_wins([DERIVED, UNKNOWN], wins, config(), LATE)
    assert (held.win.external_id, held.held, held.owed_minor) == ("C-1", HELD_DERIVED, None)
    listing = compute_incentive_list(
        [held], label="2026-Q3", first=date(2026, 7, 1), end=date(2026, 10, 1), as_of=LATE, config=config()
    )
    assert (listing.total_minor, len(listing.owed), len(listing.held)) == (0, 0, 1)


def test_only_wins_dated_before_as_of_in_the_program_time_zone_count() -> None:
    la = config(time_zone="America/Los_Angeles")
    wins = [win(BOLT, "B-90", date(2026, 7, 30))]
    # 06:30 UTC on 30 July is still 29 July in Los Angeles: the win has not happened yet there
    assert compute_eligible_wins([BOLT], wins, la, datetime(2026, 7, 30, 6, 30, tzinfo=UTC)) == ()
    assert len(compute_eligible_wins([BOLT], wins, la, datetime(2026, 7, 30, 7, 30, tzinfo=UTC))) == 1
    assert len(compute_eligible_wins([BOLT], wins, config(), datetime(2026, 7, 30, 6, 30, tzinfo=UTC))) == 1


def test_the_rule_is_off_by_default() -> None:
    assert not ProgramConfig().fast_start_on
    assert compute_eligible_wins([ACME], [win(ACME, "A-1", date(2026, 4, 1))], ProgramConfig(), LATE) == ()
    assert compute_fast_start(ACME, (), ProgramConfig(), LATE) is None
    assert incentives_off_text().startswith("The fast-start incentive is off")


def test_the_partners_fast_start_says_what_it_earned_and_what_is_left() -> None:
    rule = config()
    at = datetime(2026, 5, 15, tzinfo=UTC)  # day 44 of Acme's 90
    eligible = compute_eligible_wins([ACME], [win(ACME, "A-1", date(2026, 4, 1))], rule, at)
    fast = compute_fast_start(ACME, eligible, rule, at)
    assert fast is not None
    assert fast_start_line(fast, rule) == "*Fast start* 1 of 3 wins eligible ($500.00) · 2 left until 2026-06-30"
    closed = compute_fast_start(ACME, eligible, rule, LATE)
    assert closed is not None and fast_start_line(closed, rule) == (
        "*Fast start* 1 of 3 wins eligible ($500.00) · window closed 2026-06-30"
    )
    assert fast_start_line(compute_fast_start(ACME, (), rule, LATE), rule) is None  # type: ignore[arg-type]
    assert first_win_incentive(eligible[0], rule) == (
        ":moneybag: Eligible for the fast-start incentive — $500.00: win 1 of 3, day 0 of 90 after onboarding."
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("fast_start_wins", "4", "use 1 to 3 wins, or 0 to turn it off"),
        ("fast_start_wins", "two", "is not a whole number"),
        ("fast_start_days", "0", "must be a whole number above 0"),
        ("fast_start_days", "400", "more than 365 days"),
        ("fast_start_amount", "12.345", "more than two decimals"),
        ("fast_start_amount", "-5", "must be above 0"),
        ("fast_start_amount", "five hundred", "is not an amount in the base currency"),
        ("fast_start_percent", "120", "more than 100 %"),
    ],
)
def test_bad_values_are_refused_with_what_would_do(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        parse_setting(key, value)
    assert str(raised.value).startswith(f"{key}: ")


def test_values_are_stored_in_one_spelling_and_read_back_the_same() -> None:
    assert parse_setting("fast_start_amount", "1,250.5") == "1250.50"
    assert parse_setting("fast_start_percent", "2.50%") == "2.5"
    assert parse_setting("fast_start_amount", "") == ""
    stored = config(fast_start_amount="1,250.5").as_mapping()
    assert ProgramConfig.from_mapping(stored).fast_start_owed(None) == 125_050


def test_an_amount_and_a_percentage_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="one or the other, not both"):
        config(fast_start_percent="5")
