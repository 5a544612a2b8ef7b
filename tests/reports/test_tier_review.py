"""The tier review against figures worked out by hand, on every store, and its window's edges.

Criteria: gold needs sourced revenue ≥ 100k, win rate ≥ 50 %, 2 required courses and PSAT ≥ 8; silver needs 20k
and 1 course; registered is the entry tier. Required courses C1, C2. Time zone UTC. As-of the end of 2026-06-30,
so the window is the four whole quarters 2025-Q3 to 2026-Q2: [2025-07-01, 2026-07-01).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.config import ProgramConfig
from reports.kpis.tiers import ASSIGN, DEMOTE, KEEP, NOT_REVIEWED, PROMOTE, TierReview, compute_tier_review
from reports.model import Scope
from reports.schedule import quarterly_slot
from reports.timeframe import Window, last_whole_quarters, parse_as_of
from storage.db import Database
from storage.loaders.tiers import load_tier_inputs
from storage.program import load_config
from tests.factories import Fixture, at

CRITERIA = (
    "gold: sourced_revenue>=100k, win_rate>=50%, certifications>=2, psat>=8; "
    "silver: sourced_revenue>=20k, certifications>=1; registered"
)
UTC_ZONE = ZoneInfo("UTC")
END_OF_Q2 = parse_as_of("2026-06-30", UTC_ZONE)  # 2026-07-01 00:00 UTC
ONBOARDED = date(2025, 1, 1)


def _won(f: Fixture, key: str, partner: str, closed: date, amount: float, attribution: str = "sourced") -> None:
    f.deal(
        key,
        partner=partner,
        attribution=attribution,
        created=date(2025, 1, 2),
        outcome="won",
        closed=closed,
        amount=amount,
    )


def _lost(f: Fixture, key: str, partner: str, closed: date, attribution: str = "sourced") -> None:
    f.deal(key, partner=partner, attribution=attribution, created=date(2025, 1, 2), outcome="lost", closed=closed)


def _fixture(db: Database) -> ProgramConfig:
    f = Fixture(settings={"required_courses": "C1,C2", "tier_criteria": CRITERIA})
    # Upwind (silver): 60k + 30k + 50k = 140k in the window; the 500k the day before it and the 900k on the day
    # after it do not count; won 3 of 6 closed partner deals (the influenced loss counts) = 50 %, on the line;
    # both courses; PSAT (9+9+8+8+7)/5 = 8.2 → promote to gold, nearest the line: win rate, 0 %.
    f.partner("UP", "Upwind", tier="silver", onboarded_on=ONBOARDED)
    _won(f, "UP0", "UP", date(2025, 6, 30), 500_000)
    _won(f, "UP1", "UP", date(2025, 9, 15), 60_000)
    _won(f, "UP2", "UP", date(2026, 1, 10), 30_000)
    _won(f, "UP3", "UP", date(2026, 6, 30), 50_000)
    _won(f, "UP4", "UP", date(2026, 7, 1), 900_000)
    _lost(f, "UP5", "UP", date(2025, 8, 1))
    _lost(f, "UP6", "UP", date(2026, 2, 1))
    _lost(f, "UP7", "UP", date(2026, 3, 1), attribution="influenced")
    f.deal(
        "UPX",
        partner=None,
        attribution="direct",
        created=date(2025, 1, 2),
        outcome="won",
        closed=date(2026, 1, 1),
        amount=1_000_000,
    )
    f.activity("UP", "training_completed", at(date(2025, 3, 1)), detail="C1")
    f.activity("UP", "certification", at(date(2026, 6, 30), 23), detail="c2")  # ids are case-insensitive
    for day, score in (
        (date(2025, 7, 1), 9),
        (date(2025, 10, 1), 9),
        (date(2026, 1, 5), 8),
        (date(2026, 4, 1), 8),
        (date(2026, 6, 30), 7),
    ):
        f.survey("UP", day, score)
    f.survey("UP", date(2025, 6, 30), 0)  # before the window
    # Keeper (gold): 120k in one win; one closed deal is too few for a win rate, no surveys: too little data never
    # demotes → keep gold, nearest the line: revenue 20 % above.
    f.partner("KE", "Keeper", tier="Gold", onboarded_on=ONBOARDED)
    _won(f, "KE1", "KE", date(2026, 3, 1), 120_000)
    f.activity("KE", "training_completed", at(date(2025, 3, 1)), detail="C1")
    f.activity("KE", "training_completed", at(date(2025, 3, 2)), detail="C2")
    # Downhill (gold): 90k (10 % below 100k); won 1 of 5 = 20 % (60 % below 50 %), one course (50 % below 2) →
    # demote to silver (20k and 1 course hold), worst miss: win rate.
    f.partner("DO", "Downhill", tier="gold", onboarded_on=ONBOARDED)
    _won(f, "DO1", "DO", date(2025, 12, 1), 90_000)
    for n in range(4):
        _lost(f, f"DO{n + 2}", "DO", date(2026, 1, 1 + n))
    f.activity("DO", "training_completed", at(date(2025, 3, 1)), detail="C1")
    # No tier recorded, 25k and one course: assign silver.
    f.partner("NT", "Newtier", onboarded_on=ONBOARDED)
    _won(f, "NT1", "NT", date(2026, 5, 1), 25_000)
    f.activity("NT", "training_completed", at(date(2025, 3, 1)), detail="C1")
    # Freshman (gold) joined part-way through the window with 10k: it misses gold and silver, but a partner that has
    # not had the four quarters is kept, not demoted; Firstday joined on the window's first day: judged in full.
    f.partner("FR", "Freshman", tier="gold", onboarded_on=date(2026, 4, 1))
    _won(f, "FR1", "FR", date(2026, 5, 1), 10_000)
    f.partner("FD", "Firstday", tier="silver", onboarded_on=date(2025, 7, 1))
    _won(f, "FD1", "FD", date(2026, 5, 1), 10_000)
    # Onboarded on the window's end (not in the program yet at its end; not reviewed a day later), and sunset before
    # as-of: not reviewed.
    f.partner("LA", "Latecomer", tier="silver", onboarded_on=date(2026, 7, 1))
    f.partner("SU", "Sunny", tier="gold", onboarded_on=ONBOARDED, status="sunset", sunset_on=date(2026, 5, 1))
    return f.write(db)


def _review(db: Database, as_of: datetime) -> tuple[TierReview, ProgramConfig]:
    with db.session() as session:
        config = load_config(session)
        inputs = load_tier_inputs(session, scope=Scope(), as_of=as_of, config=config)
    return compute_tier_review(inputs, config.tier_rules, config.tz, as_of), config


def test_tier_review_by_hand(db: Database) -> None:
    _fixture(db)
    review, config = _review(db, END_OF_Q2)
    assert review.window == Window(datetime(2025, 7, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
    assert review.quarters(config.tz) == "2025-Q3 to 2026-Q2"
    by_name = {s.partner.name: s for s in review.suggestions}
    verdicts = {name: (s.verdict, s.current, s.suggested) for name, s in by_name.items()}
    assert verdicts == {
        "Upwind": (PROMOTE, "silver", "gold"),
        "Keeper": (KEEP, "gold", "gold"),
        "Downhill": (DEMOTE, "gold", "silver"),
        "Newtier": (ASSIGN, None, "silver"),
        "Sunny": (NOT_REVIEWED, "gold", None),
        "Freshman": (KEEP, "gold", "gold"),
        "Firstday": (DEMOTE, "silver", "registered"),
    }  # Latecomer starts at as-of: not in the program yet, so not listed (a partner added later changes nothing)
    up = by_name["Upwind"]
    assert up.figures.sourced_revenue_minor == 140_000_00 and up.figures.sourced_wins == 3
    assert (up.figures.win_rate.numerator, up.figures.win_rate.denominator) == (3, 6)
    assert up.figures.certifications == 2
    assert up.figures.psat.responses == 5 and up.figures.psat.mean == pytest.approx(8.2)
    assert up.nearest is not None and up.nearest.minimum.metric == "win_rate" and up.margin == 0
    keeper = by_name["Keeper"]
    assert keeper.figures.win_rate.value is None and keeper.figures.psat.mean is None
    assert keeper.nearest is not None and keeper.nearest.minimum.metric == "sourced_revenue"
    assert keeper.margin == pytest.approx(0.2)
    assert keeper.next_tier is None  # gold is the top tier here
    down = by_name["Downhill"]
    assert down.figures.win_rate.value == pytest.approx(0.2) and down.figures.certifications == 1
    assert down.nearest is not None and down.nearest.minimum.metric == "win_rate"
    assert down.margin == pytest.approx(-0.6)
    later, _ = _review(db, END_OF_Q2 + timedelta(days=1))
    (latecomer,) = [s for s in later.suggestions if s.partner.name == "Latecomer"]
    assert (latecomer.verdict, latecomer.note) == (NOT_REVIEWED, "onboarded 2026-07-01, after the reviewed quarters")
    assert by_name["Sunny"].note == "sunset"
    freshman = by_name["Freshman"]
    assert (
        freshman.note == "onboarded 2026-04-01, part-way through the reviewed quarters: not demoted before a whole year"
    )
    assert freshman.margin == pytest.approx(-1.0)  # no course of gold's two: the line it is kept below, shown
    assert by_name["Keeper"].note == ""
    # listed promote, demote, assign, keep, not reviewed
    assert [s.verdict for s in review.suggestions] == [PROMOTE, DEMOTE, DEMOTE, ASSIGN, KEEP, KEEP, NOT_REVIEWED]


def test_the_quarters_reviewed_at_the_edges(db: Database) -> None:
    _fixture(db)
    # the first day of the next quarter, typed (its end): the same four quarters, the 900k of that day still out
    first_day, _ = _review(db, parse_as_of("2026-07-01", UTC_ZONE))
    upwind = next(s for s in first_day.suggestions if s.partner.name == "Upwind")
    assert first_day.window.end == datetime(2026, 7, 1, tzinfo=UTC)
    assert upwind.figures.sourced_revenue_minor == 140_000_00
    # noon on the quarter's last day: that quarter is not whole yet, so the window is 2025-Q2 to 2026-Q1 and
    # holds the 500k of 2025-06-30, not the 50k of 2026-06-30
    last_day, config = _review(db, datetime(2026, 6, 30, 12, tzinfo=UTC))
    upwind = next(s for s in last_day.suggestions if s.partner.name == "Upwind")
    assert last_day.quarters(config.tz) == "2025-Q2 to 2026-Q1"
    assert upwind.figures.sourced_revenue_minor == (500_000 + 60_000 + 30_000) * 100


@pytest.mark.parametrize(
    ("as_of", "first", "end"),
    [
        ("2026-06-30", date(2025, 7, 1), date(2026, 7, 1)),  # the end of a quarter's last day: that quarter is in
        ("2026-07-01", date(2025, 7, 1), date(2026, 7, 1)),  # the first day of the next: still the same four
        ("2026-06-30T23:59:59", date(2025, 4, 1), date(2026, 4, 1)),  # a second before its end: not whole yet
        ("2026-01-01T00:00:00", date(2025, 1, 1), date(2026, 1, 1)),  # the new year's first instant
    ],
)
def test_last_whole_quarters_in_the_program_time_zone(as_of: str, first: date, end: date) -> None:
    tz = ZoneInfo("America/New_York")
    window = last_whole_quarters(parse_as_of(as_of, tz), tz)
    assert window.day_bounds(tz) == (first, end)
    assert window.end.astimezone(tz).hour == 0  # local midnights, not UTC ones


@pytest.mark.parametrize(
    ("now", "due", "quarter"),
    [
        (datetime(2026, 7, 1, 5, tzinfo=UTC), datetime(2026, 7, 1, 7, tzinfo=UTC), "2026-Q3"),  # 09:00 Berlin (CEST)
        (datetime(2026, 9, 30, 21, 59, tzinfo=UTC), datetime(2026, 7, 1, 7, tzinfo=UTC), "2026-Q3"),
        (datetime(2026, 9, 30, 22, 0, tzinfo=UTC), datetime(2026, 10, 1, 7, tzinfo=UTC), "2026-Q4"),  # Berlin's Q4
        (datetime(2028, 10, 2, 12, tzinfo=UTC), datetime(2028, 10, 2, 7, tzinfo=UTC), "2028-Q4"),  # Sun 1 → Mon 2
        (datetime(2028, 1, 2, 12, tzinfo=UTC), datetime(2028, 1, 3, 8, tzinfo=UTC), "2028-Q1"),  # Sat 1 → Mon 3, CET
    ],
)
def test_the_quarterly_review_is_due_on_the_quarters_first_weekday(now: datetime, due: datetime, quarter: str) -> None:
    slot = quarterly_slot(now=now, tz=ZoneInfo("Europe/Berlin"))
    assert (slot.due_at, slot.week) == (due, quarter)
