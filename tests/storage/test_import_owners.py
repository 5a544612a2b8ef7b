"""A deal's owner given by name is found in the people table; an unknown or shared name is a rejected row."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from reports.config import ProgramConfig
from storage.db import Database
from storage.importing import ImportRejected
from storage.importing.mapping import load_mapping
from storage.models import Deal
from tests.storage.test_import_support import load, seeded, write

PEOPLE = """email,name
alex.kim@example.com,Alex Kim
alex.kim2@example.com,alex   kim
sam@example.com,Sam Seller
nameless@example.com,
"""


def deals(tmp_path: Path, *owners: str) -> Path:
    lines = [f"D-{i},direct,open,2026-05-01,{owner}" for i, owner in enumerate(owners, start=1)]
    return write(tmp_path, "deals.csv", "deal_id,attribution,outcome,created_on,owner_email\n" + "\n".join(lines))


def owners(db: Database) -> dict[str, str | None]:
    with db.session() as session:
        return dict(session.execute(select(Deal.external_id, Deal.owner_email)).all())


def test_owner_names_ignore_case_and_spacing(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "people", write(tmp_path, "people.csv", PEOPLE))
    report = load(db, "deals", deals(tmp_path, "Sam Seller", "  sam   SELLER ", "Sam@Example.com", ""))
    assert report.inserted == 4
    assert owners(db) == {"D-1": "sam@example.com", "D-2": "sam@example.com", "D-3": "sam@example.com", "D-4": None}


def test_unknown_and_shared_names_are_rejected_with_the_fix(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "people", write(tmp_path, "people.csv", PEOPLE))
    with pytest.raises(ImportRejected) as rejected:
        load(db, "deals", deals(tmp_path, "Dana Whitfield", "Alex Kim", "Sam Seller", "sam@"))
    assert [str(e) for e in rejected.value.report.errors] == [
        "line 2: column owner_email: no person is named 'Dana Whitfield' — import people first (partnerbot import "
        "people FILE, with their names and emails), or put the email in this column",
        "line 3: column owner_email: 2 people are named 'Alex Kim' (alex.kim2@example.com, alex.kim@example.com) — "
        "put the email of the one you mean in this column",
        "line 5: column owner_email: 'sam@' is not an email address",
    ]
    assert owners(db) == {}
    report = load(db, "deals", deals(tmp_path, "Dana Whitfield", "Alex Kim", "Sam Seller"), skip_invalid=True)
    assert (report.inserted, report.rejected) == (1, 2)
    assert owners(db) == {"D-3": "sam@example.com"}


def test_names_before_any_people_are_imported(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    with pytest.raises(ImportRejected) as rejected:
        load(db, "deals", deals(tmp_path, "Sam Seller"))
    assert "no person is named 'Sam Seller' — import people first" in str(rejected.value.report.errors[0])


def test_hubspot_stages_land_on_the_default_pipeline() -> None:
    """Every stage the preset knows is one of the default pipeline's stages, or a closed one (the outcome)."""
    config = ProgramConfig()
    mapping = load_mapping("hubspot")
    stages = set(mapping.values["stage"].values())
    assert stages - {"Closed Won", "Closed Lost"} == set(config.pipeline_stages)
    qualified = {k for k, v in mapping.values["stage"].items() if v == config.qualified_stage}
    assert qualified == {
        "presentation scheduled",
        "presentationscheduled",
        "decision maker bought-in",
        "decisionmakerboughtin",
    }
