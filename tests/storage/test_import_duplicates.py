"""A mapping's [duplicates]: identical rows, and rows repeating a key, left out and counted instead of rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.importing import ImportFileError, ImportRejected
from storage.models import Activity, Deal
from tests.storage.test_import_support import load, seeded, write

DEALS = (
    "deal_id,attribution,outcome,created_on,amount\n"
    "D-1,direct,open,2026-05-01,100\n"
    "D-2,direct,open,2026-05-01,abc\n"  # bad, but a later row of its key replaces it
    "D-1,direct,open,2026-05-01,100\n"  # identical to line 2
    "D-1,direct,open,2026-05-01,300\n"
    "D-2,direct,open,2026-05-01,250\n"
    "D-3,direct,open,2026-05-01,50\n"
)


def amounts(db: Database) -> dict[str, int | None]:
    with db.session() as session:
        return dict(session.execute(select(Deal.external_id, Deal.amount_minor)).all())


def mapping(tmp_path: Path, body: str) -> str:
    return str(write(tmp_path, "mapping.toml", "[duplicates]\n" + body))


def test_without_the_section_a_repeated_key_is_rejected(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    with pytest.raises(ImportRejected) as rejected:
        load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    assert "line 4: column deal_id: duplicate deal_id 'D-1' (first seen on line 2)" in map(
        str, rejected.value.report.errors
    )


def test_identical_rows_are_dropped_and_counted(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    path = write(tmp_path, "deals.csv", DEALS)
    with pytest.raises(ImportRejected) as rejected:
        load(db, "deals", path, mapping=mapping(tmp_path, 'drop = "exact"\n'))
    report = rejected.value.report
    assert [str(e) for e in report.errors] == [
        "line 3: column amount: 'abc' is not an amount (write it like 1234.50)",
        "line 5: column deal_id: duplicate deal_id 'D-1' (first seen on line 2)",  # not identical: still an error
        "line 6: column deal_id: duplicate deal_id 'D-2' (first seen on line 3)",
    ]
    assert (report.identical_dropped, report.notes) == (1, ["dropped as duplicates: 1 row identical to an earlier one"])
    assert amounts(db) == {}


@pytest.mark.parametrize(("keep", "expected"), [("last", {"D-1": 30_000, "D-2": 25_000}), ("first", {"D-1": 10_000})])
def test_rows_repeating_a_key_keep_the_first_or_the_last(
    db: Database, tmp_path: Path, keep: str, expected: dict[str, int]
) -> None:
    seeded(db, tmp_path)
    path = write(tmp_path, "deals.csv", DEALS)
    options = {"mapping": mapping(tmp_path, f'drop = "key"\nkeep = "{keep}"\n'), "skip_invalid": True}
    report = load(db, "deals", path, **options)
    assert (report.identical_dropped, report.repeated_dropped) == (1, 2)
    assert report.notes == [
        "dropped as duplicates: 1 row identical to an earlier one and 2 rows repeating a deal_id (the "
        f"{keep} of each was kept)"
    ]
    # keeping the first, D-2's first row is the bad one: rejected, and its later row dropped all the same
    assert report.rejected == (1 if keep == "first" else 0)
    assert amounts(db) == {**expected, "D-3": 5_000}


def test_a_composite_key_is_compared_once_resolved(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    path = write(
        tmp_path,
        "activities.csv",
        "partner_id,kind,occurred_at,contact,detail\n"
        "P-1,login,2026-05-01T09:00:00Z,ann@example.com,first\n"
        "P-1,Login,2026-05-01T11:00:00+02:00,ANN@example.com,second\n"  # the same instant, kind and contact
        "P-2,login,2026-05-01T09:00:00Z,ann@example.com,other partner\n",
    )
    report = load(db, "activities", path, mapping=mapping(tmp_path, 'drop = "key"\nkeep = "first"\n'))
    assert (report.inserted, report.repeated_dropped) == (2, 1)
    with db.session() as session:
        assert sorted(str(d) for d in session.execute(select(Activity.detail)).scalars()) == ["first", "other partner"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('drop = "key"\n', 'mapping mapping.toml: [duplicates] drop = "key" needs keep = "first" or keep = "last"'),
        ('drop = "sometimes"\n', 'mapping mapping.toml: [duplicates] takes drop = "exact"'),
        ('keep = "last"\n', 'mapping mapping.toml: [duplicates] takes drop = "exact"'),
        ('drop = "exact"\nkeep = "last"\n', 'mapping mapping.toml: [duplicates] keep goes with drop = "key" only'),
    ],
)
def test_bad_duplicates_sections(db: Database, tmp_path: Path, body: str, message: str) -> None:
    seeded(db, tmp_path)
    with pytest.raises(ImportFileError) as error:
        load(db, "deals", write(tmp_path, "deals.csv", DEALS), mapping=mapping(tmp_path, body))
    assert str(error.value).startswith(message)
