"""Milestones after a deals import: partners that only gained deals take the earlier of their stored milestones and
the new deals' (without a recompute), and the result is exactly what recomputing every partner gives."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

import storage.importing.run as import_run
from demodata import DemoSize, build_demo
from demodata.catalogue import STAGES, WON_STAGE
from storage.db import Database
from storage.models import Deal, Partner, PartnerMilestone
from storage.program import load_config
from storage.rollups import compute_milestones, refresh_milestones
from tests.storage.test_import_support import NOW, load

TINY = DemoSize(
    partners=40,
    owners=3,
    years=1.0,
    deals_per_partner=8,
    direct_deals=100,
    activities_per_partner=15,
    intros_per_partner=2,
    surveys_per_partner=1,
)
HEADER = ["deal_id", "partner_id", "attribution", "amount", "currency", "stage", "created_on", "closed_on"]
HEADER += ["outcome", "registered_on"]


@pytest.fixture
def program(db: Database) -> Database:
    build_demo(db, anchor=NOW, seed=11, size=TINY)
    return db


@pytest.fixture
def recomputes(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The partner ids of every milestone recompute an import asks for (the recompute still runs)."""
    calls: list[list[int]] = []
    full = refresh_milestones

    def recording(session: Any, *, partner_ids: Any, config: Any) -> Any:
        calls.append(list(partner_ids or []))
        return full(session, partner_ids=partner_ids, config=config)

    monkeypatch.setattr(import_run, "refresh_milestones", recording)
    return calls


def stored(db: Database) -> dict[tuple[int, str], tuple[Any, Any]]:
    with db.session() as session:
        rows = session.execute(
            select(
                PartnerMilestone.partner_id,
                PartnerMilestone.step,
                PartnerMilestone.reached_at,
                PartnerMilestone.deal_id,
            )
        ).all()
    return {(pid, step): (reached, deal) for pid, step, reached, deal in rows}


def near_days(db: Database) -> dict[str, list[date]]:
    """Per partner, the days its stored milestones fall on (and the days around them): where ties happen."""
    with db.session() as session:
        partners = dict(session.execute(select(Partner.id, Partner.external_id)).all())
        config = load_config(session)
        days: dict[str, list[date]] = {external: [] for external in partners.values()}
        for pid, reached in session.execute(select(PartnerMilestone.partner_id, PartnerMilestone.reached_at)):
            day = reached.astimezone(config.tz).date()
            days[partners[pid]] += [day - timedelta(days=1), day, day + timedelta(days=1)]
    return days


def new_deals_csv(db: Database, path: Path, seed: int) -> Path:
    """New deals around each partner's milestone days: earlier, tied and later wins, registrations and stage
    entries, external ids that sort before and after the stored first wins', direct deals, no-stage deals."""
    rng = np.random.default_rng(seed)
    with db.session() as session:
        wins = session.execute(select(Deal.external_id).where(Deal.outcome == "won").limit(1)).scalar_one()
    rows: list[list[str]] = []
    for partner, days in sorted(near_days(db).items()):
        pool = days or [NOW.date() - timedelta(days=30)]
        for number in range(int(rng.integers(0, 4))):
            created = pool[int(rng.integers(0, len(pool)))] - timedelta(days=int(rng.integers(0, 3)))
            outcome = str(rng.choice(["open", "won", "won", "lost"]))
            closed = pool[int(rng.integers(0, len(pool)))] if outcome != "open" else None
            if closed is not None and closed < created:
                created, closed = closed, created
            stage = str(rng.choice([*STAGES, WON_STAGE, ""])) if outcome != "lost" else ""
            registered = str(created - timedelta(days=int(rng.integers(0, 2)))) if rng.random() < 0.4 else ""
            prefix = str(rng.choice(["0", wins[:1], "~"]))  # before, among and after the stored ids
            attribution = str(rng.choice(["sourced", "influenced", "direct"], p=[0.45, 0.45, 0.1]))
            rows.append(
                [
                    f"{prefix}NEW-{partner}-{number}",
                    "" if attribution == "direct" else partner,
                    attribution,
                    "1000",
                    "USD",
                    stage,
                    str(created),
                    "" if closed is None else str(closed),
                    outcome,
                    registered,
                ]
            )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def recomputed(db: Database) -> dict[tuple[int, str], tuple[Any, Any]]:
    with db.session() as session:
        config = load_config(session)
        ids = list(session.execute(select(Partner.id)).scalars())
        fresh = compute_milestones(session, partner_ids=ids, config=config)
    return {(pid, step): value for pid, steps in fresh.items() for step, value in steps.items()}


def expected_changes(before: dict[Any, Any], after: dict[Any, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            pid,
            step,
            before.get((pid, step), (None,))[0],
            after.get((pid, step), (None, None))[0],
            after.get((pid, step), (None, None))[1],
        )
        for pid, step in set(before) | set(after)
        if before.get((pid, step)) != after.get((pid, step))
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_new_deals_merge_into_milestones_exactly_as_a_recompute(
    program: Database, tmp_path: Path, recomputes: list[list[int]], seed: int
) -> None:
    before = stored(program)
    report = load(program, "deals", new_deals_csv(program, tmp_path / "new.csv", seed))
    assert report.rejected == 0 and report.inserted > 40
    assert recomputes == []  # only insertions: no partner was recomputed from its history
    after = stored(program)
    assert after == recomputed(program)
    changes = [(c.partner_id, c.step, c.before, c.after, c.deal_id) for c in report.milestone_changes]
    assert changes == expected_changes(before, after)
    assert len(changes) > 10  # the file moved many milestones: first wins, ties and earlier registrations
    with program.transaction() as session:
        assert refresh_milestones(session, partner_ids=None, config=load_config(session)) == []


def test_partners_with_changed_deals_are_recomputed_and_the_rest_merged(
    program: Database, tmp_path: Path, recomputes: list[list[int]]
) -> None:
    path = new_deals_csv(program, tmp_path / "new.csv", 4)
    with program.session() as session:
        first_win = session.execute(
            select(Deal.external_id, Partner.external_id, Deal.partner_id)
            .join(Partner, Partner.id == Deal.partner_id)
            .join(PartnerMilestone, PartnerMilestone.deal_id == Deal.id)
            .where(PartnerMilestone.step == "first_win")
            .limit(1)
        ).one()
    lost = [first_win[0], first_win[1], "sourced", "1000", "USD", "", "2025-01-02", "2025-03-04", "lost", ""]
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(lost)  # a known first win turns out lost: it can only move later
    report = load(program, "deals", path)
    assert report.updated == 1
    assert recomputes == [[first_win[2]]]
    assert stored(program) == recomputed(program)
