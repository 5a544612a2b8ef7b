"""Dormancy, goal progress and PSAT against numbers worked out by hand, on every store.

As-of 2026-06-15 12:00 UTC; dormancy window 60 days (from 2026-04-16 12:00); required course C1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.config import ProgramConfig
from reports.kpis.dormancy import compute_dormant_partners
from reports.kpis.goals import (
    BEHIND,
    MET,
    MISSED,
    ON_TRACK,
    compute_goal_progress,
    compute_goals_on_track,
    compute_share_on_track,
)
from reports.kpis.satisfaction import compute_psat
from reports.model import Scope
from reports.stats import Distribution
from storage.db import Database
from storage.loaders import dormancy
from storage.loaders.dormancy import load_last_motion, load_quiet_partners
from storage.loaders.goals import load_goals
from storage.loaders.partners import load_partner_profiles
from storage.loaders.satisfaction import load_scores
from tests.factories import Fixture, at

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


def _dormancy_fixture(db: Database) -> ProgramConfig:
    f = Fixture(settings={"required_courses": "C1"})
    f.partner("T", "Trainee", onboarded_on=date(2026, 1, 1))
    f.activity("T", "login", at(date(2026, 3, 1)))
    f.partner("F", "Fitless", onboarded_on=date(2025, 6, 1))
    f.activity("F", "training_completed", at(date(2025, 7, 1)), detail="C1")
    f.partner("M", "Momentum", onboarded_on=date(2025, 1, 1))
    f.activity("M", "training_completed", at(date(2025, 2, 1)), detail="C1")
    f.deal(
        "MD",
        partner="M",
        attribution="sourced",
        created=date(2025, 11, 1),
        outcome="won",
        closed=date(2025, 12, 1),
        amount=100,
        name="Initech renewal",
        stages=(("Prospecting", at(date(2025, 11, 1))),),
    )
    f.partner("B", "Busy", onboarded_on=date(2025, 1, 1))
    f.activity("B", "login", at(date(2026, 6, 10)))
    f.partner("N", "Newbie", onboarded_on=date(2026, 5, 1))  # too new to be dormant
    f.partner("R", "Registrar", onboarded_on=date(2025, 1, 1))
    f.deal("RD", partner="R", attribution="sourced", created=date(2026, 5, 10), registered_on=date(2026, 5, 1))
    f.partner("G", "Gone", onboarded_on=date(2025, 1, 1), status="sunset", sunset_on=date(2026, 1, 1))
    f.partner("S", "Sleeper", onboarded_on=date(2024, 1, 1))
    return f.write(db)


def test_dormant_partners_with_diagnosis_step_and_sunset(db: Database) -> None:
    config = _dormancy_fixture(db)
    with db.session() as session:
        partners = load_partner_profiles(session, scope=Scope())
        sleeper = next(p.id for p in partners if p.name == "Sleeper")
        quiet = load_quiet_partners(
            session,
            partners=partners,
            as_of=AS_OF,
            config=config,
            alerted_at={sleeper: datetime(2025, 11, 1, tzinfo=UTC)},
        )
    dormant = compute_dormant_partners(quiet, config, AS_OF)
    rows = {d.partner.name: d for d in dormant.partners}
    assert sorted(rows) == ["Fitless", "Momentum", "Sleeper", "Trainee"]
    assert rows["Trainee"].diagnosis == "training"
    assert rows["Trainee"].days_quiet == pytest.approx(106.5)  # since the 03-01 login
    assert "1 required course left (C1)" in rows["Trainee"].step
    assert rows["Fitless"].diagnosis == "fit"
    assert rows["Momentum"].diagnosis == "momentum"
    assert rows["Momentum"].days_quiet == pytest.approx(226.5)  # since the 2025-11-01 stage change
    assert "Initech renewal, won 2025-12-01" in rows["Momentum"].step
    assert rows["Sleeper"].sunset_candidate
    assert not rows["Trainee"].sunset_candidate
    assert dormant.by_diagnosis() == {"training": 2, "fit": 1, "momentum": 1}
    assert next(d.partner.name for d in dormant.partners) == "Sleeper"  # longest quiet first


def test_goal_progress_statuses_and_share_on_track(db: Database) -> None:
    f = Fixture()
    for key in ("A", "B", "C"):
        f.partner(key)
    for n, day in enumerate((date(2026, 4, 2), date(2026, 5, 1), date(2026, 6, 1)), start=1):
        f.deal(f"RG{n}", partner="A", attribution="sourced", created=day, registered_on=day)
    f.deal(
        "RV",
        partner="A",
        attribution="sourced",
        created=date(2026, 4, 1),
        outcome="won",
        closed=date(2026, 5, 1),
        amount=1200,
    )
    f.deal("PL", partner="A", attribution="sourced", created=date(2026, 2, 1), amount=2000)
    f.deal(
        "CW",
        partner="C",
        attribution="sourced",
        created=date(2026, 4, 1),
        outcome="won",
        closed=date(2026, 5, 20),
        amount=10,
    )
    q2 = (date(2026, 4, 1), date(2026, 7, 1))
    f.goal("A", "registered_deals", *q2, target=10, period="2026-Q2")
    f.goal("A", "sourced_revenue", *q2, target=100_000, period="2026-Q2")  # 1000 in minor units
    f.goal("A", "sourced_pipeline", date(2026, 1, 1), date(2026, 4, 1), target=500_000, period="2026-Q1")
    f.goal("B", "first_win_by", date(2026, 5, 1), date(2026, 8, 1), target_date=date(2026, 7, 31))
    f.goal("C", "first_win_by", date(2026, 3, 1), date(2026, 6, 2), target_date=date(2026, 6, 1))
    f.goal("B", "sourced_revenue", date(2026, 7, 1), date(2026, 10, 1), target=100, period="2026-Q3")
    config = f.write(db)
    with db.session() as session:
        goals = load_goals(session, scope=Scope(), as_of=AS_OF, config=config)
    progress = compute_goal_progress(goals, AS_OF, UTC_ZONE)
    by_key = {(p.goal.partner_name, p.goal.metric): p for p in progress}
    registered = by_key[("A", "registered_deals")]
    assert registered.goal.actual == 3
    assert registered.pace == pytest.approx(75.5 / 91)  # 04-01 → 06-15 12:00 of a 91-day quarter
    assert registered.expected == 7  # 10 × (75.5 − 14) / (91 − 14) = 7.99, whole deals: 7
    assert registered.status == BEHIND  # 3 < 7
    assert (by_key[("A", "sourced_revenue")].goal.actual, by_key[("A", "sourced_revenue")].status) == (
        120_000,
        MET,
    )
    assert (by_key[("A", "sourced_pipeline")].goal.actual, by_key[("A", "sourced_pipeline")].status) == (
        200_000,
        MISSED,
    )
    assert by_key[("B", "first_win_by")].status == ON_TRACK
    assert by_key[("C", "first_win_by")].status == MET
    assert ("B", "sourced_revenue") not in by_key  # its quarter has not started: not shown yet
    # current goals: A (behind + met → not on track), B (on track); C's goal period has ended
    share = compute_share_on_track(progress, AS_OF, UTC_ZONE)
    assert (share.numerator, share.denominator) == (1, 2)
    # the program view's summary works out the current goals only: the same share, and 5 goals started (not Q3)
    summary = compute_goals_on_track(goals, AS_OF, UTC_ZONE)
    assert (summary.started, summary.on_track) == (5, share)


def test_psat_mean_and_nps(db: Database) -> None:
    f = Fixture()
    f.partner("A")
    for n, score in enumerate((10, 9, 9, 8, 7, 6, 3)):
        f.survey("A", date(2026, 5, 1), score, respondent=f"r{n}@example.com")
    f.survey("A", date(2025, 6, 15), 0, respondent="old@example.com")  # just outside the trailing 365 days
    config = f.write(db)
    with db.session() as session:
        scores = load_scores(session, scope=Scope(), as_of=AS_OF, config=config)
    psat = compute_psat(scores)
    assert psat.responses == 7
    assert psat.mean == pytest.approx(52 / 7)
    assert psat.nps == pytest.approx(100 * (3 - 2) / 7)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], (0, None, None)),
        ([10, 10, 10], (3, None, None)),
        ([10, 10, 10, 10, 0], (5, 8.0, 60.0)),
        ([7, 8, 7, 8, 7], (5, 7.4, 0.0)),
    ],
)
def test_psat_small_samples_and_passives(scores: list[int], expected: tuple[int, float | None, float | None]) -> None:
    psat = compute_psat(Distribution.of(scores))
    assert (psat.responses, psat.mean, psat.nps) == (
        expected[0],
        pytest.approx(expected[1]) if expected[1] else None,
        pytest.approx(expected[2]) if expected[2] is not None else None,
    )


def test_last_motion_counts_the_as_of_day_so_far_whether_or_not_the_days_before_are_cached(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Motion before the as-of's day is cached; motion earlier on that day counts, motion after as-of does not."""
    monkeypatch.setattr(dormancy, "FEW_PARTNERS", 0)  # these five partners take the path of a whole program's
    f = Fixture()
    f.partner("A", "Acme", onboarded_on=date(2025, 1, 1))
    f.activity("A", "login", at(date(2026, 6, 14), 10))
    f.activity("A", "login", at(date(2026, 6, 15), 8))  # the as-of day, before noon
    f.partner("L", "Later", onboarded_on=date(2025, 1, 1))
    f.activity("L", "login", at(date(2026, 6, 1), 9))
    f.activity("L", "login", at(date(2026, 6, 15), 13))  # the as-of day, after noon: not yet
    f.partner("I", "Introducer", onboarded_on=date(2025, 1, 1))
    f.intro("I-1", partner="I", introduced=at(date(2026, 6, 15), 11, 30))
    f.partner("S", "Stager", onboarded_on=date(2025, 1, 1))
    f.deal(
        "SD",
        partner="S",
        attribution="sourced",
        created=date(2026, 6, 1),
        registered_on=date(2026, 6, 15),  # a registration on the as-of day counts from that day's start
        stages=(("Prospecting", at(date(2026, 6, 2))), ("Proposal", at(date(2026, 6, 15), 9, 45))),
    )
    f.partner("Q", "Quiet", onboarded_on=date(2025, 1, 1))
    config = f.write(db)
    expected = {
        "Acme": at(date(2026, 6, 15), 8),
        "Later": at(date(2026, 6, 1), 9),
        "Introducer": at(date(2026, 6, 15), 11, 30),
        "Stager": at(date(2026, 6, 15), 9, 45),
        "Quiet": None,
    }
    with db.session() as session:
        partners = {p.id: p.name for p in load_partner_profiles(session, scope=Scope())}
    for database in (db.without_cache(), db, db):  # uncached, then computing the cache, then served from it
        with database.session() as session:
            motion = load_last_motion(session, partner_ids=sorted(partners), as_of=AS_OF, config=config)
        assert {partners[pid]: last for pid, last in motion.items()} == expected
    with db.session() as session:  # the next day: yesterday's motion is now before the cut
        later = load_last_motion(
            session, partner_ids=sorted(partners), as_of=datetime(2026, 6, 16, 7, tzinfo=UTC), config=config
        )
        assert {partners[pid]: last for pid, last in later.items()} == expected | {"Later": at(date(2026, 6, 15), 13)}


def test_psat_reads_one_way_on_the_card_its_headline_and_the_program(db: Database) -> None:
    """Scores 10, 10, 9, 8, 6: mean 8.6; promoters 3 and detractors 1 of 5: NPS +40."""
    from commands.context import CommandContext
    from commands.table import dispatch

    assert compute_psat(Distribution.of([10, 10, 9, 8, 6])).text() == "8.6 / 10 · NPS +40 (n=5)"
    assert compute_psat(Distribution.of([10, 9])).text() == "not enough data (n=2)"
    f = Fixture(settings={"headline_metrics": "psat,win_rate,sourced_revenue"})
    f.partner("P1", "Acme", onboarded_on=date(2025, 1, 1))
    for n, score in enumerate((10, 10, 9, 8, 6)):
        f.survey("P1", date(2026, 5, 1 + n), score, respondent=f"r{n}")
    f.write(db)
    context = CommandContext(database=db, as_of=datetime(2026, 6, 15, 12, tzinfo=UTC), charts=False)
    for command in ("P1", "program"):
        assert "8.6 / 10 · NPS +40 (n=5)" in str(dispatch(command, context).blocks), command
