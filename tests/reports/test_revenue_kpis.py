"""Revenue KPIs against numbers worked out by hand from a small fixture, on every store.

As-of is 2026-06-15 12:00 UTC in a UTC program, so the trailing 365 days hold the dates 2025-06-16 … 2026-06-15:
2025-06-15 00:00 lies before the window's start (2025-06-15 12:00) and 2026-06-16 lies after as-of.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.kpis.revenue import (
    PartnerRevenue,
    compute_deal_size_vs_direct,
    compute_month_spans,
    compute_pipeline_contribution,
    compute_revenue,
    compute_revenue_concentration,
    compute_time_to_close_vs_direct,
    compute_top_partners,
    compute_win_rate,
)
from reports.model import Scope
from reports.timeframe import trailing
from storage.db import Database
from storage.loaders.revenue import (
    load_revenue_by_partner,
    load_revenue_facts,
    load_top_partner_rows,
    revenue_windows,
)
from tests.factories import Fixture

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)


def _program(db: Database) -> Fixture:
    f = Fixture()
    a = f.partner("A", "Alpha", segment="enterprise", type="reseller", tier="gold")
    b = f.partner("B", "Beta", segment="smb", type="referral", tier="silver")
    f.deal(
        "S1",
        partner=a,
        attribution="sourced",
        created=date(2026, 5, 1),
        outcome="won",
        closed=date(2026, 6, 10),
        amount=1000,
    )
    f.deal(
        "S2",
        partner=a,
        attribution="sourced",
        created=date(2026, 1, 1),
        outcome="won",
        closed=date(2026, 3, 1),
        amount=3000,
    )
    f.deal(
        "S3",
        partner=a,
        attribution="sourced",
        created=date(2026, 2, 1),
        outcome="lost",
        closed=date(2026, 4, 15),
    )
    # the window's edges: 2025-06-15 is out, 2025-06-16 is in
    f.deal(
        "S4",
        partner=a,
        attribution="sourced",
        created=date(2025, 6, 1),
        outcome="won",
        closed=date(2025, 6, 15),
        amount=500,
    )
    f.deal(
        "S5",
        partner=a,
        attribution="sourced",
        created=date(2025, 6, 1),
        outcome="won",
        closed=date(2025, 6, 16),
        amount=700,
    )
    # closed the day after as-of: not revenue, but still open pipeline as of
    f.deal(
        "S6",
        partner=a,
        attribution="sourced",
        created=date(2026, 6, 1),
        outcome="won",
        closed=date(2026, 6, 16),
        amount=10000,
    )
    f.deal("S7", partner=a, attribution="sourced", created=date(2026, 5, 1), amount=2000)
    f.deal("S8", partner=a, attribution="sourced", created=date(2026, 5, 10))  # open, no amount
    f.deal(
        "S9",
        partner=a,
        attribution="sourced",
        created=date(2026, 4, 10),
        outcome="won",
        closed=date(2026, 4, 20),
        amount=1300,
    )
    f.deal(
        "I1",
        partner=b,
        attribution="influenced",
        created=date(2026, 5, 1),
        outcome="won",
        closed=date(2026, 5, 20),
        amount=4000,
    )
    f.deal(
        "I2",
        partner=b,
        attribution="influenced",
        created=date(2026, 1, 1),
        outcome="lost",
        closed=date(2026, 1, 10),
    )
    f.deal("I3", partner=b, attribution="influenced", created=date(2026, 3, 1), amount=1000)
    for n, days in enumerate((10, 20, 30, 40, 50), start=1):
        closed = date(2026, 5, 31)
        f.deal(
            f"D{n}",
            partner=None,
            attribution="direct",
            created=date.fromordinal(closed.toordinal() - days),
            outcome="won",
            closed=closed,
            amount=1000 * n,
        )
    f.deal(
        "D6",
        partner=None,
        attribution="direct",
        created=date(2026, 4, 1),
        outcome="lost",
        closed=date(2026, 5, 5),
    )
    f.deal("D7", partner=None, attribution="direct", created=date(2026, 4, 1), amount=7000)
    f.write(db)
    return f


def test_revenue_by_period_counts_only_won_deals_inside_each_window(db: Database) -> None:
    _program(db)
    with db.session() as session:
        facts = load_revenue_facts(session, scope=Scope(), as_of=AS_OF, config=_config(session))
    sourced = compute_revenue(facts, "sourced")
    influenced = compute_revenue(facts, "influenced")
    # month: S1; quarter (from 2026-04-01): S1 + S9; trailing 365: S1 + S2 + S5 + S9 (S4, S6 outside)
    assert (sourced["month"].amount_minor, sourced["month"].count) == (100_000, 1)
    assert (sourced["quarter"].amount_minor, sourced["quarter"].count) == (230_000, 2)
    assert (sourced["trailing_365"].amount_minor, sourced["trailing_365"].count) == (600_000, 4)
    assert (influenced["month"].amount_minor, influenced["quarter"].amount_minor) == (0, 400_000)
    assert influenced["trailing_365"].count == 1


def test_win_rate_per_attribution_with_small_samples(db: Database) -> None:
    _program(db)
    with db.session() as session:
        rates = compute_win_rate(load_revenue_facts(session, scope=Scope(), as_of=AS_OF, config=_config(session)))
    assert (rates["sourced"].numerator, rates["sourced"].denominator) == (4, 5)  # S1 S2 S5 S9 won, S3 lost
    assert rates["sourced"].value == pytest.approx(0.8)
    assert rates["influenced"].text() == "not enough data (n=2)"  # I1 won, I2 lost
    assert rates["partner"].value == pytest.approx(5 / 7)
    assert rates["direct"].value == pytest.approx(5 / 6)


def test_deal_size_and_time_to_close_against_direct(db: Database) -> None:
    _program(db)
    with db.session() as session:
        facts = load_revenue_facts(session, scope=Scope(), as_of=AS_OF, config=_config(session))
    size = compute_deal_size_vs_direct(facts)
    # partner won: 1000 + 3000 + 700 + 1300 + 4000 = 10000 over 5; direct 15000 over 5
    assert size.partner_mean_minor == pytest.approx(200_000)
    assert size.direct_mean_minor == pytest.approx(300_000)
    assert size.ratio == pytest.approx(2 / 3)
    close = compute_time_to_close_vs_direct(facts)
    # partner days: S1 40, S2 59, S5 15, S9 10, I1 19 → median 19; direct 10..50 → 30
    assert close.partner.value == 19
    assert close.direct.value == 30
    assert close.ratio == pytest.approx(19 / 30)


def test_pipeline_contribution_counts_deals_without_amount(db: Database) -> None:
    _program(db)
    with db.session() as session:
        facts = load_revenue_facts(session, scope=Scope(), as_of=AS_OF, config=_config(session))
    contribution = compute_pipeline_contribution(facts)
    # open as of: S6 10000 + S7 2000 + S8 (no amount) sourced; I3 1000; D7 7000
    assert contribution.total_minor == 2_000_000
    assert contribution.sourced == pytest.approx(0.6)
    assert contribution.influenced == pytest.approx(0.05)
    assert (contribution.open_count, contribution.without_amount) == (5, 1)


def test_partner_scope_keeps_direct_baseline(db: Database) -> None:
    fixture = _program(db)
    beta = fixture.partner_id(db, "B")
    with db.session() as session:
        facts = load_revenue_facts(session, scope=Scope.partner(beta), as_of=AS_OF, config=_config(session))
    assert compute_revenue(facts, "sourced")["trailing_365"].amount_minor == 0
    assert compute_revenue(facts, "influenced")["trailing_365"].amount_minor == 400_000
    assert compute_win_rate(facts)["direct"].value == pytest.approx(5 / 6)


def test_no_deals_gives_zeros_and_not_enough_data(db: Database) -> None:
    Fixture().write(db)
    with db.session() as session:
        facts = load_revenue_facts(session, scope=Scope(), as_of=AS_OF, config=_config(session))
    assert compute_revenue(facts, "sourced")["trailing_365"].amount_minor == 0
    assert compute_win_rate(facts)["partner"].text() == "not enough data (n=0)"
    assert compute_pipeline_contribution(facts).sourced is None
    assert compute_deal_size_vs_direct(facts).ratio is None
    assert compute_time_to_close_vs_direct(facts).partner.text() == "not enough data (n=0)"


def test_all_open_deals_count_in_pipeline_not_in_rates(db: Database) -> None:
    f = Fixture()
    f.partner("A")
    for n in range(6):
        f.deal(f"O{n}", partner="A", attribution="sourced", created=date(2026, 5, 1), amount=100)
    f.write(db)
    with db.session() as session:
        facts = load_revenue_facts(session, scope=Scope(), as_of=AS_OF, config=_config(session))
    assert compute_win_rate(facts)["sourced"].denominator == 0
    assert compute_pipeline_contribution(facts).sourced == pytest.approx(1.0)


def test_revenue_by_partner_and_top_partners(db: Database) -> None:
    _program(db)
    with db.session() as session:
        config = _config(session)
        window = trailing(AS_OF, 365, config.tz)
        both = load_revenue_by_partner(
            session, scope=Scope(), window=window, config=config, attributions=("sourced", "influenced")
        )
        rows = load_top_partner_rows(session, scope=Scope(), window=window, config=config)
    assert sorted(both.values()) == [(400_000, 1), (600_000, 4)]
    top = compute_top_partners(rows)
    assert [r.name for r in top.ranked] == ["Alpha"]  # Beta has no sourced revenue
    assert top.leading_segment == "enterprise"


@pytest.mark.parametrize(
    ("revenues", "inactive_earners", "extra_active", "top10", "top20", "with_revenue"),
    [
        # ten earning partners 10k … 1k (total 55k): top 10 % = 1 partner, top 20 % = 2
        ([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0, 0, 10 / 55, 19 / 55, (10, 10)),
        # two active partners without revenue grow the population to 12: ceil(1.2) = 2, ceil(2.4) = 3
        ([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0, 2, 19 / 55, 27 / 55, (10, 12)),
        # fewer than five earning partners: shares are not shown
        ([10, 5, 1], 0, 0, None, None, (3, 3)),
    ],
)
def test_revenue_concentration(
    revenues: list[int],
    inactive_earners: int,
    extra_active: int,
    top10: float | None,
    top20: float | None,
    with_revenue: tuple[int, int],
) -> None:
    by_partner = {index: amount * 100_000 for index, amount in enumerate(revenues)}
    active = frozenset(range(len(revenues))) | frozenset(range(100, 100 + extra_active))
    result = compute_revenue_concentration(by_partner, active)
    assert result.top10_share == (None if top10 is None else pytest.approx(top10))
    assert result.top20_share == (None if top20 is None else pytest.approx(top20))
    assert (result.partners_with_revenue.numerator, result.partners_with_revenue.denominator) == with_revenue


def test_top_partners_ranks_and_names_leading_segment() -> None:
    rows = [
        PartnerRevenue(1, "Zed", "msp", "gold", "smb", 300, 1),
        PartnerRevenue(2, "Ann", "si", "gold", "enterprise", 500, 2),
        PartnerRevenue(3, "Bob", "si", "silver", "smb", 300, 1),
        PartnerRevenue(4, "Cy", "si", "silver", "smb", 0, 0),
    ]
    top = compute_top_partners(rows, limit=3)
    assert [r.name for r in top.ranked] == ["Ann", "Bob", "Zed"]  # ties by name
    assert (top.leading_segment, top.leading_segment_minor) == ("smb", 600)


def _config(session: Session) -> ProgramConfig:
    from storage.program import load_config

    return load_config(session)


NEW_YORK = ZoneInfo("America/New_York")
SPAN_CASES = {
    # 10:00 on December 2nd: the dates 2025-12-03 … 2026-12-02, December 2025 in part, December 2026 to date
    "December 2nd": (datetime(2026, 12, 2, 10, tzinfo=NEW_YORK), 13, (date(2025, 12, 3), date(2026, 12, 3)), True),
    # the first instant of December: twelve whole months, none in progress
    "December 1st, 00:00": (datetime(2026, 12, 1, tzinfo=NEW_YORK), 12, (date(2025, 12, 1), date(2026, 12, 1)), False),
    # the evening of November 30th: every day of November is in, but November is not over
    "November 30th, 18:00": (
        datetime(2026, 11, 30, 18, tzinfo=NEW_YORK),
        12,
        (date(2025, 12, 1), date(2026, 12, 1)),
        True,
    ),
}


@pytest.mark.parametrize("case", SPAN_CASES)
def test_month_spans_cover_the_trailing_window_exactly(case: str) -> None:
    as_of, months, (first, end), in_progress = SPAN_CASES[case]
    window = revenue_windows(as_of, ProgramConfig(time_zone="America/New_York"))["trailing_365"]
    assert window.day_bounds(NEW_YORK) == (first, end)
    spans = compute_month_spans(first, end, as_of, NEW_YORK)
    assert len(spans) == months
    assert (spans[0].first, spans[-1].end) == (first, end)
    assert all(a.end == b.first and a.end == b.month for a, b in itertools.pairwise(spans))
    assert [s.in_progress for s in spans] == [False] * (months - 1) + [in_progress]
    assert spans[0].whole == (first.day == 1)
    assert all(s.whole for s in spans[1:-1])
