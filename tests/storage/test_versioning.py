"""The data version moves on with every committed write to the data, and only then."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text

from storage.db import Database
from storage.models import Partner, ProgramSetting
from storage.versioning import read_version, writes_data


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("INSERT INTO deals (id) VALUES (1)", True),
        ('INSERT OR IGNORE INTO "activities" (partner_id) VALUES (1)', True),
        ("UPDATE stage_changes SET seq = 2", True),
        ("  delete from partner_milestones where 1", True),
        ("COPY deals (id) FROM STDIN", True),
        ('TRUNCATE "outbox", "deals" RESTART IDENTITY', True),
        ("INSERT INTO outbox (id) VALUES (1)", False),
        ("UPDATE data_versions SET version = version + 1", False),
        ("TRUNCATE outbox", False),
        ("SELECT * FROM deals", False),
    ],
)
def test_writes_to_data_tables_are_recognised(statement: str, expected: bool) -> None:
    assert writes_data(statement) is expected


def version(db: Database) -> int:
    with db.session() as session:
        found = read_version(session)
    assert found is not None
    return found[1]


def test_a_commit_that_wrote_data_moves_the_version_on_and_nothing_else_does(db: Database) -> None:
    start = version(db)
    with db.transaction() as session:
        session.add(ProgramSetting(key="time_zone", value='"UTC"'))
    assert version(db) == start + 1
    with db.transaction() as session:  # a read-only transaction
        session.execute(text("SELECT 1"))
    assert version(db) == start + 1
    with db.transaction() as session:
        session.execute(insert(Partner).values(external_id="P-X", name="Rolled back", updated_at=datetime.now(UTC)))
        session.rollback()
    assert version(db) == start + 1
    with db.engine.begin() as connection:  # a write outside any session counts the same
        connection.execute(text("DELETE FROM program_settings"))
    assert version(db) == start + 2


def test_the_data_tables_come_from_the_models_and_a_new_table_counts_as_data() -> None:
    from sqlalchemy import Column, Integer, MetaData, Table

    from storage.models import Base
    from storage.versioning import BOOKKEEPING_TABLES, DATA_TABLES, data_tables, writes_data

    names = {table.name for table in Base.metadata.sorted_tables}
    assert names >= BOOKKEEPING_TABLES  # a renamed or dropped bookkeeping table fails here
    assert names - BOOKKEEPING_TABLES == DATA_TABLES
    for table in ("partners", "deals", "stage_changes", "intros", "activities", "surveys", "goals", "people"):
        assert table in DATA_TABLES
    extended = MetaData()
    for model_table in Base.metadata.sorted_tables:
        model_table.to_metadata(extended)
    Table("partner_notes", extended, Column("id", Integer, primary_key=True))
    assert "partner_notes" in data_tables(extended)  # forgotten nowhere: a new table is data until said otherwise
    assert writes_data('INSERT INTO "deals" (id) VALUES (1)') and not writes_data("INSERT INTO outbox (id) VALUES (1)")
