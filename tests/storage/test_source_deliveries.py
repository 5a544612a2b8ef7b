"""Every import records when its kind was last delivered, at the caller's clock; a rolled-back one records nothing.
The newest record time and the deliveries are loaded together as one Freshness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reports.freshness import LastDelivery
from storage.db import Database
from storage.importing import ImportRejected
from storage.loaders.freshness import load_freshness
from storage.program import load_config
from storage.sources import load_last_deliveries, record_delivery
from tests.storage.test_import_support import DEALS, LATER, NOW, configure, load, seeded, write
from tests.storage.test_import_validation import BAD_DEALS


def deliveries(db: Database, as_of: datetime = LATER + timedelta(days=365)) -> tuple[LastDelivery, ...]:
    with db.session() as session:
        return load_last_deliveries(session, as_of=as_of)


def test_an_import_records_its_kind_at_the_callers_clock(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)  # partners at NOW
    load(db, "deals", write(tmp_path, "deals.csv", DEALS), now=NOW + timedelta(hours=1))
    assert deliveries(db) == (
        LastDelivery("import", "deals", NOW + timedelta(hours=1), 4),
        LastDelivery("import", "partners", NOW, 3),
    )
    load(db, "deals", write(tmp_path, "deals.csv", DEALS), now=LATER)  # the same file again: still a delivery
    assert deliveries(db)[0] == LastDelivery("import", "deals", LATER, 4)


def test_a_rejected_import_records_nothing(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    with pytest.raises(ImportRejected):
        load(db, "deals", write(tmp_path, "bad.csv", BAD_DEALS), now=LATER)
    assert [d.kind for d in deliveries(db)] == ["partners"]


def test_skip_invalid_records_the_valid_rows_and_nothing_when_none_is_valid(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "bad.csv", BAD_DEALS), now=LATER, skip_invalid=True)
    assert deliveries(db)[0] == LastDelivery("import", "deals", LATER, 2)
    every_row_bad = "deal_id,partner_id,attribution,created_on,outcome\nD-9,P-9,sourced,2026-01-01,open\n"
    load(db, "deals", write(tmp_path, "worse.csv", every_row_bad), now=LATER + timedelta(days=1), skip_invalid=True)
    assert deliveries(db)[0] == LastDelivery("import", "deals", LATER, 2)


def test_a_late_commit_of_an_older_delivery_never_replaces_a_newer_one(db: Database) -> None:
    for at, records in ((LATER, 5), (NOW, 9), (LATER + timedelta(minutes=1), 7)):
        with db.transaction() as session:
            record_delivery(session, source="api:crm", kind="deals", records=records, at=at)
    assert deliveries(db) == (LastDelivery("api:crm", "deals", LATER + timedelta(minutes=1), 7),)


def test_freshness_at_an_as_of_leaves_out_later_deliveries(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    configure(db, freshness_limit_hours=48)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS), now=NOW)
    load(db, "partners", write(tmp_path, "again.csv", "partner_id,name\nP-1,Acme\n"), now=LATER)
    with db.session() as session:
        config = load_config(session)
        early = load_freshness(session, as_of=NOW - timedelta(hours=1), config=config)
        later = load_freshness(session, as_of=LATER, config=config)
    assert early.deliveries == ()
    assert later.newest_record_at == datetime(2026, 5, 2, tzinfo=UTC)  # D-4's created_on, a UTC day
    assert later.last_delivery_at == NOW  # partners do not make the data fresh: deals, intros, activities do
    assert (later.limit_hours, later.stale) == (48, True)
