"""A batch of events may carry the same record more than once (a deal sent open, then won): the API applies them
in order, and one batch ends where the same events sent one batch each would. Files keep their rule: the first
record of a key is kept and the repeats are rejected (an export is a snapshot, where a repeat is a mistake).

The figure: a batch of 6 events touching 2 deals (3 updates each: open, later stage, won or lost), with an
activity logged twice. Before: a 422 for the batch ("duplicate deal_id"), nothing written. Now: 200, 6 changes, and
deals, stage histories and milestones equal to sending the 6 events in 6 batches, on both stores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.ingest import ingest
from storage.db import Database
from storage.importing import ImportRejected, import_records
from storage.models import Activity, Deal, PartnerMilestone, StageChange
from tests.storage.test_import_support import NOW, PARTNERS, load, write


def _deal(deal_id: str, outcome: str, stage: str, **more: str) -> dict[str, Any]:
    return {
        "deal_id": deal_id,
        "partner_id": "P-2",
        "attribution": "sourced",
        "outcome": outcome,
        "stage": stage,
        "created_on": "2026-05-01",
        "amount": "5000",
        **more,
    }


def _events(prefix: str) -> list[dict[str, Any]]:
    steps = [
        ("deal.upsert", _deal(f"{prefix}1", "open", "Qualification")),
        ("deal.upsert", _deal(f"{prefix}2", "open", "Qualification")),
        ("deal.upsert", _deal(f"{prefix}1", "open", "Proposal", stage_entered_at="2026-05-20T09:00:00Z")),
        ("deal.upsert", _deal(f"{prefix}2", "lost", "Closed Lost", closed_on="2026-05-25")),
        ("deal.upsert", _deal(f"{prefix}1", "won", "Closed Won", closed_on="2026-06-01", amount="7500")),
        ("activity", {"partner_id": "P-2", "kind": f"{prefix}call", "occurred_at": "2026-06-02T10:00:00Z"}),
        ("activity", {"partner_id": "P-2", "kind": f"{prefix}call", "occurred_at": "2026-06-02T10:00:00Z"}),
    ]
    return [{"id": f"{prefix}{i}", "type": kind, "data": data} for i, (kind, data) in enumerate(steps)]


def _state(db: Database, prefix: str) -> dict[str, Any]:
    """What the events left, with the prefix taken off (row ids differ between the two runs)."""
    with db.session() as session:
        deals = session.execute(
            select(Deal.external_id, Deal.outcome, Deal.stage, Deal.amount_minor, Deal.closed_on, Deal.updated_at)
            .where(Deal.external_id.startswith(prefix))
            .order_by(Deal.external_id)
        ).all()
        stays = session.execute(
            select(
                Deal.external_id,
                StageChange.stage,
                StageChange.entered_at,
                StageChange.seq,
                StageChange.left_at,
                StageChange.stay_tenths,
                StageChange.terminal,
                StageChange.advanced_at,
            )
            .join(Deal, Deal.id == StageChange.deal_id)
            .where(Deal.external_id.startswith(prefix))
            .order_by(Deal.external_id, StageChange.entered_at, StageChange.stage)
        ).all()
        activities = session.execute(select(Activity.kind).where(Activity.kind.startswith(prefix))).scalars().all()
    return {
        "deals": [(d[0].removeprefix(prefix), *d[1:]) for d in deals],
        "stays": [(s[0].removeprefix(prefix), *s[1:]) for s in stays],
        "activities": [a.removeprefix(prefix) for a in activities],
    }


def _milestones(db: Database) -> list[tuple[Any, ...]]:
    with db.session() as session:
        rows = session.execute(select(PartnerMilestone.step, PartnerMilestone.reached_at)).all()
    return sorted(tuple(r) for r in rows)


def _send(db: Database, events: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    answer = ingest(db, source="crm", raw=json.dumps({"events": events}).encode(), now=NOW)
    return answer.status, answer.body


def test_one_batch_applies_repeated_records_in_order_like_one_batch_each(db: Database, tmp_path: Path) -> None:
    load(db, "partners", write(tmp_path, "partners.csv", PARTNERS))
    status, body = _send(db, _events("A-"))
    assert status == 200, body
    assert (body["accepted"], body["changed"]) == (7, 6)  # 2 inserts, 3 updates, 1 activity; its repeat changes nothing
    together, milestones = _state(db, "A-"), _milestones(db)
    for event in _events("B-"):
        assert _send(db, [event])[0] == 200
    assert _state(db, "B-") == together
    assert _milestones(db) == milestones  # the B deals and activity repeat what the A ones did: no earlier step
    deals = {d[0]: d[1:4] for d in together["deals"]}
    assert deals == {"1": ("won", "Closed Won", 750_000), "2": ("lost", "Closed Lost", 500_000)}
    assert [s[1] for s in together["stays"] if s[0] == "1"] == ["Qualification", "Proposal", "Closed Won"]


def test_import_records_counts_each_application(db: Database, tmp_path: Path) -> None:
    load(db, "partners", write(tmp_path, "partners.csv", PARTNERS))
    records = [_deal("D-9", "open", "Qualification"), _deal("D-9", "won", "Closed Won", closed_on="2026-06-01")]
    with db.transaction() as session:
        result = import_records(session, kind="deals", records=records, now=NOW)
    assert (result.errors, result.written) == ([], 2)


def test_a_file_still_rejects_a_repeated_key(db: Database, tmp_path: Path) -> None:
    load(db, "partners", write(tmp_path, "partners.csv", PARTNERS))
    content = (
        "deal_id,partner_id,attribution,outcome,created_on,closed_on,amount\n"
        "D-9,P-2,sourced,open,2026-05-01,,\nD-9,P-2,sourced,won,2026-05-01,2026-06-01,10\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        load(db, "deals", write(tmp_path, "deals.csv", content))
    assert [str(e) for e in rejected.value.report.errors] == [
        "line 3: column deal_id: duplicate deal_id 'D-9' (first seen on line 2)"
    ]
