"""Milestone ties: an import's new deals, merged into the stored milestones without a recompute, break ties exactly
as recomputing from every row does: a stage entry beats a win on the same moment, and wins on one close day rank by
external id as Python orders text (uppercase before lowercase, whatever the database's collation)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import storage.importing.run as import_run
from reports.config import STEP_FIRST_QUALIFIED, STEP_FIRST_SELLING_ACTION, STEP_FIRST_WIN
from reports.timeframe import day_start
from storage.db import Database
from storage.models import Deal, Partner, PartnerMilestone
from storage.program import load_config
from tests.storage.test_import_milestones import recomputed, stored
from tests.storage.test_import_support import configure, load, seeded, write

HEADER = "deal_id,partner_id,attribution,amount,currency,stage,stage_entered_at,created_on,closed_on,outcome,"
HEADER += "registered_on\n"
STORED = HEADER + (
    "M-5,P-1,sourced,100,USD,Closed Won,,2026-01-20,2026-02-10,won,2026-01-20\n"
    "N-1,P-2,sourced,100,USD,Proposal,2026-03-01T00:00:00-06:00,2026-02-01,,open,\n"
    "N-2,P-2,influenced,100,USD,Closed Won,,2026-02-01,2026-03-01,won,\n"
)
NEW = HEADER + (
    "b-1,P-1,sourced,100,USD,Closed Won,,2026-01-25,2026-02-10,won,2026-01-20\n"  # same day: 'b' after 'M'
    "C-7,P-1,influenced,100,USD,Closed Won,,2026-01-25,2026-02-10,won,\n"  # same day: 'C' before 'M'
    "A-1,P-2,sourced,100,USD,Closed Won,,2026-02-15,2026-03-01,won,\n"  # ties the stored stage entry
    "Y-1,P-3,sourced,100,USD,Closed Won,,2026-03-20,2026-04-01,won,2026-03-20\n"
    "Z-1,P-3,sourced,100,USD,Proposal,2026-04-01T00:00:00-05:00,2026-03-20,,open,2026-03-20\n"
)


def milestones(db: Database) -> dict[tuple[str, str], tuple[Any, str | None]]:
    """The stored milestones by partner and step, with the deal's external id."""
    with db.session() as session:
        rows = session.execute(
            select(Partner.external_id, PartnerMilestone.step, PartnerMilestone.reached_at, Deal.external_id)
            .join(Partner, Partner.id == PartnerMilestone.partner_id)
            .outerjoin(Deal, Deal.id == PartnerMilestone.deal_id)
        ).all()
    return {(partner, step): (reached, deal) for partner, step, reached, deal in rows}


def test_new_deals_break_milestone_ties_as_a_recompute_does(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(db, tmp_path)
    configure(db, time_zone="America/Chicago")
    assert load(db, "deals", write(tmp_path, "stored.csv", STORED)).inserted == 3
    recomputes: list[Any] = []
    monkeypatch.setattr(import_run, "refresh_milestones", lambda *args, **kwargs: recomputes.append(kwargs))
    assert load(db, "deals", write(tmp_path, "new.csv", NEW)).inserted == 5
    assert recomputes == []  # only new deals: every partner took the incremental path
    with db.session() as session:
        tz = load_config(session).tz
    found = milestones(db)
    assert found[("P-1", STEP_FIRST_WIN)] == (day_start(date(2026, 2, 10), tz), "C-7")
    assert found[("P-1", STEP_FIRST_QUALIFIED)] == (day_start(date(2026, 2, 10), tz), "C-7")
    assert found[("P-2", STEP_FIRST_WIN)] == (day_start(date(2026, 3, 1), tz), "A-1")
    assert found[("P-2", STEP_FIRST_QUALIFIED)] == (day_start(date(2026, 3, 1), tz), None)  # the entry stands
    assert found[("P-3", STEP_FIRST_WIN)] == (day_start(date(2026, 4, 1), tz), "Y-1")
    assert found[("P-3", STEP_FIRST_QUALIFIED)] == (day_start(date(2026, 4, 1), tz), None)
    assert found[("P-3", STEP_FIRST_SELLING_ACTION)] == (day_start(date(2026, 3, 20), tz), None)
    assert stored(db) == recomputed(db)
