"""Pipeline-health KPIs against numbers worked out by hand, on every store.

As-of 2026-06-15 12:00 in a UTC program; stages Prospecting → Qualification → Proposal → Negotiation; the
trailing 365 days start 2025-06-15 12:00; stall threshold 30 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from reports.kpis.pipeline import (
    StageVelocity,
    compute_pipeline_movement,
    compute_stage_conversion,
    compute_stage_velocity,
    compute_stall_thresholds,
    compute_stalled_deals,
)
from reports.model import Scope
from storage.db import Database
from storage.loaders.pipeline import (
    load_open_stages,
    load_pipeline_movement,
    load_stage_entries,
    load_stage_stays,
    load_stalled,
)
from storage.program import load_config
from tests.factories import Fixture, at

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)


def _fixture(db: Database) -> None:
    f = Fixture()
    f.partner("A")
    f.partner("B")
    # direct D1: 10 d Prospecting, 20 d Qualification, Proposal until the close on 02-10 (10 d: "Closed Won" was
    # recorded at 09:00 that day, after the close date's midnight, and a stay never runs past the close)
    f.deal(
        "D1",
        partner=None,
        attribution="direct",
        created=date(2026, 1, 1),
        outcome="won",
        closed=date(2026, 2, 10),
        amount=100,
        stages=(
            ("Prospecting", at(date(2026, 1, 1))),
            ("Qualification", at(date(2026, 1, 11))),
            ("Proposal", at(date(2026, 1, 31))),
            ("Closed Won", at(date(2026, 2, 10), 9)),
        ),
    )
    # direct D2–D6: Negotiation stays of 40, 50, 60, 100 and 120 days, each ended by a loss
    for n, days in enumerate((40, 50, 60, 100, 120), start=2):
        f.deal(
            f"D{n}",
            partner=None,
            attribution="direct",
            created=date(2026, 1, 1),
            outcome="lost",
            closed=date(2026, 1, 1) + timedelta(days=days),
            stages=(("Negotiation", at(date(2026, 1, 1))),),
        )
    f.deal(
        "D7",
        partner=None,
        attribution="direct",
        created=date(2026, 1, 1),
        amount=900,
        stages=(("Prospecting", at(date(2026, 1, 1))),),
    )  # direct: never a stalled partner deal
    # S1 skips Proposal and sits in Negotiation for 91.5 days: under that stage's p75 of 100 days
    f.deal(
        "S1",
        partner="A",
        attribution="sourced",
        created=date(2026, 3, 1),
        amount=5000,
        stages=(
            ("Prospecting", at(date(2026, 3, 1))),
            ("Qualification", at(date(2026, 3, 6))),
            ("Negotiation", at(date(2026, 3, 16))),
        ),
    )
    f.deal(
        "S2",
        partner="A",
        attribution="sourced",
        created=date(2026, 6, 1),
        amount=1000,
        stages=(("Prospecting", at(date(2026, 6, 1))),),
    )
    f.deal(
        "I1",
        partner="B",
        attribution="influenced",
        created=date(2026, 5, 1),
        amount=3000,
        stages=(("Qualification", at(date(2026, 5, 1))), ("Proposal", at(date(2026, 6, 5)))),
    )
    f.deal(
        "S3",
        partner="A",
        attribution="sourced",
        created=date(2025, 5, 1),
        outcome="lost",
        closed=date(2025, 5, 21),
        stages=(("Prospecting", at(date(2025, 5, 1))),),
    )  # ended before the window
    f.deal(
        "S4",
        partner="A",
        attribution="sourced",
        created=date(2026, 4, 1),
        amount=8000,
        stages=(("Proposal", at(date(2026, 4, 1))),),
    )  # 75.5 d in Proposal: stalled
    f.deal(
        "S5",
        partner="B",
        attribution="influenced",
        created=date(2026, 5, 1),
        stages=(("Prospecting", at(date(2026, 5, 1))),),
    )  # 45.5 d, no amount: stalled
    f.write(db)


@pytest.fixture
def pipeline_db(db: Database) -> Database:
    _fixture(db)
    return db


def _raw(velocity: Sequence[StageVelocity], stage: str) -> tuple[tuple[int, float | None], tuple[int, float | None]]:
    row = next(v for v in velocity if v.stage == stage)
    return (row.partner.n, row.partner.raw), (row.direct.n, row.direct.raw)


def test_stage_velocity_from_stays_ended_in_the_window(pipeline_db: Database) -> None:
    with pipeline_db.session() as session:
        config = load_config(session)
        stays = load_stage_stays(session, scope=Scope(), as_of=AS_OF, config=config)
    velocity = compute_stage_velocity(stays, config.pipeline_stages)
    assert [v.stage for v in velocity] == ["Prospecting", "Qualification", "Proposal", "Negotiation"]
    assert _raw(velocity, "Prospecting") == ((1, 5.0), (1, 10.0))  # S1; D1 (S3 ended before the window)
    assert _raw(velocity, "Qualification") == ((2, 22.5), (1, 20.0))  # S1 10 d, I1 35 d; D1
    assert _raw(velocity, "Proposal") == ((0, None), (1, 10.0))  # D1 to the close, 02-10 00:00
    negotiation = next(v for v in velocity if v.stage == "Negotiation")
    assert negotiation.direct.value == 60.0  # 40 50 60 100 120
    assert negotiation.partner.text() == "not enough data (n=0)"


def test_stalled_deals_use_the_larger_of_threshold_and_p75(pipeline_db: Database) -> None:
    with pipeline_db.session() as session:
        config = load_config(session)
        stays = load_stage_stays(session, scope=Scope(), as_of=AS_OF, config=config)
        stages = load_open_stages(session, scope=Scope(), as_of=AS_OF, config=config)
        thresholds = compute_stall_thresholds(stays, stages, config.stall_threshold_days)
        counts, largest = load_stalled(session, scope=Scope(), as_of=AS_OF, config=config, thresholds=thresholds)
    assert stages == {"Prospecting", "Proposal", "Negotiation"}
    assert thresholds == {"Prospecting": 30.0, "Proposal": 30.0, "Negotiation": 100.0}
    stalled = compute_stalled_deals(counts, largest, thresholds, AS_OF)
    assert (stalled.count, stalled.amount_minor) == (2, 800_000)  # S4 and S5; S1 under 100 d; D7 is direct
    assert [(s.deal.external_id, s.days_in_stage) for s in stalled.largest] == [("S4", 75.5), ("S5", 45.5)]


def test_stage_conversion_counts_later_stages_and_wins(pipeline_db: Database) -> None:
    with pipeline_db.session() as session:
        config = load_config(session)
        entries = load_stage_entries(session, scope=Scope(), as_of=AS_OF, config=config)
    assert entries[("Prospecting", "direct")] == (2, 1)  # D1 moved on, D7 did not
    assert entries[("Prospecting", "sourced")] == (2, 1)  # S1 yes, S2 no
    assert entries[("Qualification", "sourced")] == (1, 1)  # S1 skipped to Negotiation: still progress
    assert entries[("Proposal", "direct")] == (1, 1)  # D1 was won
    assert entries[("Negotiation", "direct")] == (5, 0)
    assert ("Closed Won", "direct") not in entries
    conversion = {c.stage: dict(c.by_attribution) for c in compute_stage_conversion(entries, config.pipeline_stages)}
    assert conversion["Negotiation"]["direct"].value == 0.0
    assert conversion["Prospecting"]["influenced"].text() == "not enough data (n=1)"  # S5


def test_pipeline_movement_share_of_open_partner_amount(pipeline_db: Database) -> None:
    with pipeline_db.session() as session:
        config = load_config(session)
        open_minor, open_deals, moved_minor, moved_deals = load_pipeline_movement(
            session, scope=Scope(), as_of=AS_OF, config=config
        )
    # open partner deals: S1 5000, S2 1000, I1 3000, S4 8000, S5 (no amount); I1 moved on 06-05
    movement = compute_pipeline_movement(open_minor, open_deals, moved_minor, moved_deals)
    assert (movement.open_minor, movement.open_deals, movement.moved_minor, movement.moved_deals) == (
        1_700_000,
        5,
        300_000,
        1,
    )
    assert movement.share == pytest.approx(3 / 17)


def test_as_of_in_the_past_sees_the_pipeline_as_it_was(pipeline_db: Database) -> None:
    """On 2026-03-10 S1 was in Qualification (entered 03-06) and D2 (lost 02-10) was already closed."""
    earlier = datetime(2026, 3, 10, tzinfo=UTC)
    with pipeline_db.session() as session:
        config = load_config(session)
        stages = load_open_stages(session, scope=Scope(), as_of=earlier, config=config)
        open_minor, open_deals, _, _ = load_pipeline_movement(session, scope=Scope(), as_of=earlier, config=config)
    assert stages == {"Qualification"}
    assert (open_minor, open_deals) == (500_000, 1)


def test_open_means_the_deals_own_rule_with_or_without_stage_history(db: Database) -> None:
    """A partner deal open at as-of with no stage history is open pipeline (as pipeline contribution counts it),
    not moved; a deal lost before as-of whose stage history runs on past the close is neither open nor stalled."""
    f = Fixture()
    f.partner("A")
    f.deal("N1", partner="A", attribution="sourced", created=date(2026, 5, 1), amount=2000)  # no stage history
    f.deal(
        "M1",
        partner="A",
        attribution="sourced",
        created=date(2026, 5, 1),
        amount=1000,
        stages=(("Prospecting", at(date(2026, 5, 1))), ("Proposal", at(date(2026, 6, 10)))),
    )  # moved 5 days before as-of
    f.deal(
        "L1",
        partner="A",
        attribution="sourced",
        created=date(2026, 1, 1),
        outcome="lost",
        closed=date(2026, 3, 1),
        amount=7000,
        stages=(("Prospecting", at(date(2026, 1, 1))), ("Negotiation", at(date(2026, 3, 20)))),
    )  # lost on 03-01, yet a stage change came after: its last stay never ends
    f.write(db)
    with db.session() as session:
        config = load_config(session)
        movement = load_pipeline_movement(session, scope=Scope(), as_of=AS_OF, config=config)
        stages = load_open_stages(session, scope=Scope(), as_of=AS_OF, config=config)
        counts, largest = load_stalled(
            session, scope=Scope(), as_of=AS_OF, config=config, thresholds={"Negotiation": 30.0, "Prospecting": 30.0}
        )
    assert movement == (300_000, 2, 100_000, 1)  # N1 + M1 open; M1 moved; L1 closed
    assert stages == {"Proposal"}
    assert (counts, largest) == ({}, [])
    # between L1's loss and its late stage change, its Prospecting stay still "runs": the deal is closed all the same
    between = datetime(2026, 3, 10, tzinfo=UTC)
    with db.session() as session:
        assert load_pipeline_movement(session, scope=Scope(), as_of=between, config=config) == (0, 0, 0, 0)
        assert load_open_stages(session, scope=Scope(), as_of=between, config=config) == set()
        assert load_stalled(session, scope=Scope(), as_of=between, config=config, thresholds={"Prospecting": 30.0}) == (
            {},
            [],
        )


def test_a_stage_change_recorded_after_the_close_changes_nothing_before_it(db: Database) -> None:
    """A deal lost on 03-01 whose history gains a stage change on 06-20: its Prospecting stay still ends at the
    close, so velocity at as-of (06-15) is what it was without that row."""

    def velocity_with(late: bool) -> tuple:
        f = Fixture()
        f.partner("A")
        stages = [("Prospecting", at(date(2026, 1, 1))), ("Proposal", at(date(2026, 2, 1)))]
        if late:
            stages.append(("Negotiation", at(date(2026, 6, 20))))  # dated after as-of
        f.deal(
            "L",
            partner="A",
            attribution="sourced",
            created=date(2026, 1, 1),
            outcome="lost",
            closed=date(2026, 3, 1),
            stages=tuple(stages),
        )
        f.write(db)
        with db.session() as session:
            config = load_config(session)
            stays = load_stage_stays(session, scope=Scope(), as_of=AS_OF, config=config)
            entries = load_stage_entries(session, scope=Scope(), as_of=AS_OF, config=config)
        return _raw(compute_stage_velocity(stays, config.pipeline_stages), "Proposal"), entries

    before = velocity_with(late=False)
    with db.transaction() as session:
        for table in ("stage_changes", "partner_milestones", "deals", "partners"):
            session.execute(text(f"DELETE FROM {table}"))
    assert velocity_with(late=True) == before == (((1, 28.0), (0, None)), before[1])


def test_a_stay_that_left_today_is_not_counted_twice_when_the_older_days_are_cached(db: Database) -> None:
    """Moves are cached by the whole days they were entered in, as the stays still open at the start of the as-of's
    day; a stay that has left since (M1's Proposal, at 05:00 today) is taken off, and the stay that replaced it
    (Negotiation, entered today) is read fresh: M1 moved once. M2's Proposal, entered 06-10, is still open."""
    f = Fixture()
    f.partner("A")
    f.deal(
        "M1",
        partner="A",
        attribution="sourced",
        created=date(2026, 5, 1),
        amount=2_000,
        stages=(
            ("Qualification", at(date(2026, 6, 1))),
            ("Proposal", at(date(2026, 6, 12))),
            ("Negotiation", at(date(2026, 6, 15), 5)),
        ),
    )
    f.deal(
        "M2",
        partner="A",
        attribution="sourced",
        created=date(2026, 5, 1),
        amount=500,
        stages=(("Qualification", at(date(2026, 6, 1))), ("Proposal", at(date(2026, 6, 10)))),
    )
    config = f.write(db)
    for database in (db, db, db.without_cache()):  # cold, warm, and in one piece
        with database.session() as session:
            assert load_pipeline_movement(session, scope=Scope(), as_of=AS_OF, config=config) == (
                250_000,
                2,
                250_000,
                2,
            )
    earlier = datetime(2026, 6, 15, 4, tzinfo=UTC)  # before M1 moved on: its Proposal stay is the move
    with db.session() as session:
        assert load_pipeline_movement(session, scope=Scope(), as_of=earlier, config=config)[2:] == (250_000, 2)
