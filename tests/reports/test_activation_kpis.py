"""Activation and throughput KPIs against numbers worked out by hand, on every store.

As-of 2026-06-15 12:00 in a UTC program with required courses C1 and C2. The partners:

| partner | onboarded  | story                                                                    |
|---------|------------|--------------------------------------------------------------------------|
| P1      | 2026-01-01 | C1 01-05, C2 01-10; intro 01-15; Proposal 01-25; won 02-10 (40 d)        |
| P2      | 2025-12-01 | registers a deal 03-01 (selling action; enabled is implied); no win       |
| P3      | 2026-06-01 | nothing yet: in runway at "enabled"                                      |
| P4      | unknown    | won 2026-06-01: out of activation KPIs, listed as onboarding unknown     |
| P5      | 2026-03-01 | co-sell call 03-02; won 03-20 (19 d)                                     |
| P6      | 2025-01-01 | won 2025-06-01 (151 d)                                                   |
| P7      | 2025-10-01 | sunset 2026-02-01, never moved                                           |
| P8      | 2026-05-01 | C1 and C2 05-03; in runway at "first selling action"                      |
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.config import STEP_ONBOARDED, ProgramConfig
from reports.kpis.activation import (
    Milestones,
    PartnerActivation,
    compute_activation_rate,
    compute_activation_runway,
    compute_active_revenue_partners,
    compute_dropoff_by_step,
    compute_first_win_cycle,
    compute_partner_activation,
    compute_partners_in_runway,
    compute_step_times,
    compute_time_to_first_revenue,
    compute_wip_per_manager,
)
from reports.kpis.enablement import compute_active_partner_rate, compute_enablement_completion
from reports.model import PartnerProfile, Scope
from reports.stats import Rate
from reports.timeframe import trailing
from storage.db import Database
from storage.loaders.activation import load_milestones, load_recent_winner_ids
from storage.loaders.enablement import load_enabled_ids, load_engaged_ids
from storage.loaders.revenue import load_registration_days
from tests.factories import Fixture, at

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)
OLGA = "olga@example.com"
ZONE = ZoneInfo("UTC")


def _fixture(db: Database) -> ProgramConfig:
    f = Fixture(settings={"required_courses": "C1,C2", "wip_limit": 1})
    f.partner("P1", onboarded_on=date(2026, 1, 1), owner_email="ann@example.com")
    f.activity("P1", "training_completed", at(date(2026, 1, 5)), detail="C1")
    f.activity("P1", "certification", at(date(2026, 1, 10)), detail="c2")
    f.activity("P1", "login", at(date(2026, 6, 10)))
    f.intro("I1", partner="P1", introduced=at(date(2026, 1, 15)))
    f.deal(
        "F1",
        partner="P1",
        attribution="sourced",
        created=date(2026, 1, 20),
        outcome="won",
        closed=date(2026, 2, 10),
        amount=500,
        stages=(("Prospecting", at(date(2026, 1, 20))), ("Proposal", at(date(2026, 1, 25)))),
    )
    f.partner("P2", onboarded_on=date(2025, 12, 1))
    f.deal(
        "R2",
        partner="P2",
        attribution="sourced",
        created=date(2026, 3, 5),
        registered_on=date(2026, 3, 1),
        stages=(("Prospecting", at(date(2026, 3, 5))),),
    )
    f.partner("P3", onboarded_on=date(2026, 6, 1), owner_email=OLGA)
    f.partner("P4")
    f.deal(
        "W4",
        partner="P4",
        attribution="influenced",
        created=date(2026, 5, 1),
        outcome="won",
        closed=date(2026, 6, 1),
        amount=100,
    )
    f.partner("P5", onboarded_on=date(2026, 3, 1))
    f.activity("P5", "co_sell_call", at(date(2026, 3, 2)))
    f.deal(
        "W5",
        partner="P5",
        attribution="sourced",
        created=date(2026, 3, 5),
        outcome="won",
        closed=date(2026, 3, 20),
        amount=100,
    )
    f.partner("P6", onboarded_on=date(2025, 1, 1))
    f.deal(
        "W6",
        partner="P6",
        attribution="sourced",
        created=date(2025, 5, 1),
        outcome="won",
        closed=date(2025, 6, 1),
        amount=100,
    )
    f.partner("P7", onboarded_on=date(2025, 10, 1), status="sunset", sunset_on=date(2026, 2, 1))
    f.partner("P8", onboarded_on=date(2026, 5, 1), owner_email=OLGA)
    f.activity("P8", "training_completed", at(date(2026, 5, 3)), detail="C1")
    f.activity("P8", "training_completed", at(date(2026, 5, 3), 1), detail="C2")
    return f.write(db)


def _activations(db: Database, config: ProgramConfig) -> tuple[list[Milestones], dict[str, PartnerActivation]]:
    with db.session() as session:
        milestones = load_milestones(session, scope=Scope())
    return milestones, {m.partner.external_id: compute_partner_activation(m, config, AS_OF) for m in milestones}


def _rate(rate: Rate) -> tuple[int, int]:
    return rate.numerator, rate.denominator


def test_partner_activation_status_and_implied_steps(db: Database) -> None:
    config = _fixture(db)
    _, by_key = _activations(db, config)
    p1 = by_key["P1"]
    assert p1.activated
    assert p1.time_to_first_revenue == 40
    assert p1.steps["enabled"] == at(date(2026, 1, 10))
    assert p1.steps["first_qualified_opportunity"] == at(date(2026, 1, 25))
    p2 = by_key["P2"]
    assert (p2.current_step, p2.next_step) == ("first_selling_action", "first_qualified_opportunity")
    assert p2.steps["enabled"] == at(date(2026, 3, 1))  # implied by the later step
    assert (by_key["P3"].next_step, by_key["P3"].days_onboarded) == ("enabled", 14.5)
    assert by_key["P5"].steps["first_qualified_opportunity"] == at(date(2026, 3, 20))  # the win qualifies
    assert by_key["P4"].next_step is None
    assert by_key["P4"].time_to_first_revenue is None


def test_time_to_first_revenue_survival_and_cohorts(db: Database) -> None:
    config = _fixture(db)
    _, by_key = _activations(db, config)
    ttfr = compute_time_to_first_revenue(list(by_key.values()), AS_OF, config.tz)
    # started: P1 P2 P3 P5 P6 P7 P8; day 30 excludes P3 (14.5 d old); days 60/90 exclude P8 (45.5 d) too
    assert ttfr.overall.started == 7
    assert [(day, _rate(rate)) for day, rate in ttfr.overall.by_day] == [
        (30, (1, 6)),
        (60, (2, 5)),
        (90, (2, 5)),
    ]
    assert ttfr.overall.median.n == 3
    assert ttfr.overall.median.value is None
    assert ttfr.overall.median.raw == 40
    cohorts = dict(ttfr.by_cohort)
    assert sorted(cohorts) == ["2025-Q1", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert (cohorts["2026-Q1"].started, cohorts["2026-Q1"].reached) == (2, 2)  # P1 and P5
    assert ttfr.unknown_onboarding == ("P4",)
    assert _rate(compute_activation_rate(list(by_key.values()), AS_OF, config.tz)) == (2, 5)


def test_runway_and_first_win_cycle(db: Database) -> None:
    config = _fixture(db)
    _, by_key = _activations(db, config)
    runway = compute_activation_runway(list(by_key.values()), AS_OF, config.tz)
    # onboarded → selling action: P1 14 d, P2 90 d, P5 1 d, P6 151 d (implied by its win)
    assert [(day, _rate(rate)) for day, rate in runway.by_day] == [(30, (2, 6)), (60, (2, 5)), (90, (3, 5))]
    assert runway.median.raw == pytest.approx((14 + 90) / 2)
    cycle = compute_first_win_cycle(list(by_key.values()), AS_OF, config.tz)
    # selling action → win: P1 26 d, P5 18 d, P6 0 d; P2 still waiting
    assert (cycle.started, cycle.reached) == (4, 3)
    assert _rate(dict(cycle.by_day)[30]) == (3, 4)
    assert dict(cycle.by_day)[30].text() == "not enough data (n=4)"


def test_partners_in_runway_dropoff_and_wip(db: Database) -> None:
    config = _fixture(db)
    milestones, _ = _activations(db, config)
    runway = compute_partners_in_runway(milestones, config, AS_OF)
    assert (runway.count, runway.count_week_ago, runway.change) == (2, 2, 0)  # P3, P8
    assert runway.by_next_step == (("enabled", 1), ("first_selling_action", 1))
    assert _rate(runway.completion) == (0, 2)  # P2 and P7 aged out without a win
    dropoff = compute_dropoff_by_step(milestones, config, AS_OF)
    # onboarded in the trailing 365 d: P1 P2 P3 P5 P7 P8 (P6 is older, P4 unknown)
    assert [(s.step, s.reached) for s in dropoff.overall.steps] == [
        ("onboarded", 6),
        ("enabled", 4),
        ("first_selling_action", 3),
        ("first_qualified_opportunity", 2),
        ("first_win", 2),
    ]
    assert dropoff.worst_step is not None
    assert dropoff.worst_step.step == "enabled"
    by_cohort = dict(dropoff.by_cohort)
    assert [s.reached for s in by_cohort["2026-Q2"].steps] == [2, 1, 0, 0, 0]  # P3, P8
    wip = compute_wip_per_manager(milestones, config, AS_OF)
    assert [(o.owner_email, o.in_runway, o.over_limit) for o in wip.owners] == [(OLGA, 2, True)]


def test_active_revenue_partners_enablement_and_engagement(db: Database) -> None:
    config = _fixture(db)
    milestones, _ = _activations(db, config)
    active = frozenset(m.partner.id for m in milestones if m.partner.is_active(AS_OF, config.tz))
    assert len(active) == 7  # everyone but the sunset P7
    with db.session() as session:
        winners = load_recent_winner_ids(session, scope=Scope(), window=trailing(AS_OF, 90, config.tz), config=config)
        enabled = load_enabled_ids(session, partner_ids=active, as_of=AS_OF)
        engaged = load_engaged_ids(session, partner_ids=active, window=trailing(AS_OF, 30, config.tz))
        registration = load_registration_days(session, scope=Scope(), as_of=AS_OF, config=config)
    assert _rate(compute_active_revenue_partners(active, winners)) == (2, 7)  # P4 06-01, P5 03-20
    completion = compute_enablement_completion(active, enabled, courses_configured=True)
    assert completion is not None
    assert _rate(completion) == (2, 7)
    assert _rate(compute_active_partner_rate(active, engaged)) == (1, 7)  # P1's login
    assert registration.pairs == ((4.0, 1),)


def test_engagement_mix_counts_by_kind_over_30_and_90_days(db: Database) -> None:
    f = Fixture()
    f.partner("P1", onboarded_on=date(2026, 1, 1))
    for day in (date(2026, 6, 14), date(2026, 6, 1), date(2026, 5, 20)):  # 30-day window starts 05-16 12:00
        f.activity("P1", "login", at(day))
    f.activity("P1", "login", at(date(2026, 5, 1)))  # the 30 days before those (60-day window from 04-16 12:00)
    f.activity("P1", "login", at(date(2026, 4, 1)))  # only in the 90-day window (from 03-17 12:00)
    f.activity("P1", "asset_download", at(date(2026, 3, 1)), detail="deck.pdf")  # in neither window
    f.activity("P1", "login", at(date(2026, 6, 16)))  # after as-of: never counts
    f.write(db)
    from reports.kpis.enablement import compute_engagement_mix
    from reports.timeframe import shift_days
    from storage.loaders.enablement import load_engagement_usage

    with db.session() as session:
        usage = load_engagement_usage(
            session,
            partner_id=f.partner_id(db, "P1"),
            as_of=AS_OF,
            last_30=shift_days(AS_OF, -30, ZONE),
            last_60=shift_days(AS_OF, -60, ZONE),
            last_90=shift_days(AS_OF, -90, ZONE),
        )
    mix = compute_engagement_mix(usage)
    assert [(k.kind, k.last_30, k.last_90, k.last_at) for k in mix.kinds] == [
        ("login", 3, 5, at(date(2026, 6, 14))),
        ("asset_download", 0, 0, at(date(2026, 3, 1))),
    ]
    assert (mix.total_30, mix.total_90, mix.last_any) == (3, 5, at(date(2026, 6, 14)))
    assert mix.total_previous_30 == 1  # 05-01 only: 04-01 is before the 60-day window


def _step_times_by_definition(milestones: Milestones, steps: tuple[str, ...], as_of: datetime) -> dict:
    """The definition, read straight: a step's time is the earliest of its own and every later step's first
    times that fall before as-of, once the partner is onboarded (its onboarding day before as-of); before that, or
    with no onboarding date, no step at all."""
    onboarded = milestones.partner.onboarded_at(ZONE)
    if onboarded is None or onboarded >= as_of:
        return dict.fromkeys(steps)
    out: dict[str, datetime | None] = {}
    for index, step in enumerate(steps):
        if step == STEP_ONBOARDED:
            out[step] = onboarded if onboarded < as_of else None
            continue
        seen = [
            t
            for later in steps[index:]
            if later != STEP_ONBOARDED and (t := milestones.reached.get(later)) is not None and t < as_of
        ]
        out[step] = min(seen, default=None)
    return out


def test_step_times_worked_out_once_per_partner_match_the_definition_at_every_as_of() -> None:
    """Step times are worked out once per partner with no as-of cut, then cut at each as-of; this must equal
    the definition at every as-of, including one exactly at a reach time and one before onboarding."""
    steps = ProgramConfig().activation_steps
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(300):
        onboarded = None if index % 17 == 0 else date(2026, 1, 1) + timedelta(days=rng.randrange(0, 60))
        reached = {
            step: base + timedelta(hours=rng.randrange(0, 24 * 200))
            for step in steps
            if step != STEP_ONBOARDED and rng.random() < 0.6
        }
        milestones = Milestones(PartnerProfile(index, f"P{index}", f"P{index}", onboarded_on=onboarded), reached)
        moments = [base + timedelta(hours=rng.randrange(-24 * 30, 24 * 220)) for _ in range(6)]
        moments += list(reached.values())[:2]  # exactly at a reach time: not yet reached (before as-of is strict)
        for as_of in moments:
            expected = _step_times_by_definition(milestones, steps, as_of)
            assert compute_step_times(milestones, steps, as_of, ZONE) == expected, (index, as_of)
            activation = compute_partner_activation(milestones, ProgramConfig(), as_of)
            assert dict(activation.steps) == expected
