"""The data version moves on with every committed write to the data, and only then: which tables a write touches
comes from the statement (its construct names the table), checked against the tables of the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Alias, Table, alias, delete, false, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from storage.db import Database
from storage.models import Base, Deal, OutboxMessage, Partner, ProgramSetting, StageChange, WorkClaim
from storage.versioning import (
    BOOKKEEPING_TABLES,
    DATA_TABLES,
    read_version,
    read_versions,
    tables_read,
    writes,
    writes_data,
)
from tests.storage.test_import_support import FIXTURES, LATER, configure, load

TABLES = {table.name: table for table in Base.metadata.sorted_tables}
MODELS = {cast(Table, mapper.local_table).name: mapper.class_ for mapper in Base.registry.mappers}


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (insert(Deal).values(id=1), True),
        (insert(OutboxMessage).values(id=1), False),
        (update(StageChange).values(seq=2), True),
        (delete(TABLES["deals"]), True),
        (TABLES["deals"].insert().from_select(["id"], select(Deal.id)), True),
        (sqlite.insert(Deal).values(id=1).on_conflict_do_nothing(), True),
        (postgresql.insert(Deal).values(id=1).on_conflict_do_update(index_elements=["id"], set_={"name": "x"}), True),
        (sqlite.insert(WorkClaim).values(key="k").on_conflict_do_nothing(), False),
        (update(cast(Alias, alias(TABLES["outbox"], "o"))).values(id=1), True),  # an alias hides its table: any counts
        (select(Deal.id), False),
        (CreateTable(TABLES["deals"]), False),
        (text("SELECT * FROM deals"), False),
        ("PRAGMA cache_size=-1024", False),
        ("BEGIN IMMEDIATE", False),
        ("CREATE TABLE partnerbot_import_staging (row INTEGER)", False),  # schema statements, as DDL constructs
        # raw SQL cannot say which table it writes: any write counts, a bookkeeping one included
        (text('TRUNCATE "outbox", "deals" RESTART IDENTITY'), True),
        ("INSERT INTO outbox (id) VALUES (1)", True),
        ("COPY deals (id) FROM STDIN", True),
    ],
)
def test_writes_to_data_tables_are_recognised_from_the_statement(statement: Any, expected: bool) -> None:
    assert writes_data(statement) is expected


def test_the_tables_a_query_reads_come_from_its_construct_subqueries_included() -> None:
    inner = select(Deal.id).where(Deal.partner_id == 1).scalar_subquery()
    assert tables_read(select(StageChange.stage).where(StageChange.deal_id.in_(inner))) == {"stage_changes", "deals"}
    assert tables_read(select(Partner.name).join(Deal, Deal.partner_id == Partner.id)) == {"partners", "deals"}
    assert tables_read(select(WorkClaim.key)) == frozenset()  # bookkeeping: no figure depends on it
    assert tables_read(text("SELECT count(*) FROM partners")) == DATA_TABLES  # raw SQL could read anything
    assert tables_read(select(Deal.id).where(text("amount_minor > 0"))) == DATA_TABLES


def test_raw_sql_that_says_what_it_writes_is_taken_at_its_word() -> None:
    assert not writes_data(
        "INSERT INTO partnerbot_import_staging (row) VALUES (?)", writes("partnerbot_import_staging")
    )
    assert not writes_data("DROP TABLE IF EXISTS temp.partnerbot_import_staging", writes("partnerbot_import_staging"))
    assert writes_data("INSERT INTO deals (id) VALUES (?)", writes("deals"))


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
    with db.transaction() as session:  # the ORM's bulk insert
        session.execute(insert(ProgramSetting), [{"key": "currency", "value": '"EUR"'}])
    assert version(db) == start + 3


def test_every_table_of_the_models_is_data_or_bookkeeping_and_a_new_table_counts_as_data() -> None:
    from sqlalchemy import Column, Integer, MetaData

    from storage.versioning import data_tables

    assert set(TABLES) >= BOOKKEEPING_TABLES  # a renamed or dropped bookkeeping table fails here
    assert DATA_TABLES.isdisjoint(BOOKKEEPING_TABLES)
    assert set(TABLES) == DATA_TABLES | BOOKKEEPING_TABLES
    assert set(MODELS) == set(TABLES)  # every table has a model to write through (the test below)
    for table in ("partners", "deals", "stage_changes", "intros", "activities", "surveys", "goals", "people"):
        assert table in DATA_TABLES
    extended = MetaData()
    for model_table in Base.metadata.sorted_tables:
        model_table.to_metadata(extended)
    Table("partner_notes", extended, Column("id", Integer, primary_key=True))
    assert "partner_notes" in data_tables(extended)  # forgotten nowhere: a new table is data until said otherwise


@pytest.mark.parametrize("name", sorted(TABLES))
def test_a_write_through_each_model_moves_the_version_exactly_when_its_table_is_data(db: Database, name: str) -> None:
    """An ORM update and delete and a Core insert-from-select, each touching no row: the statement is what counts."""
    model, table = MODELS[name], TABLES[name]
    key = table.primary_key.columns[0]
    columns = [column.name for column in table.columns]
    quiet = {"synchronize_session": False}
    statements = (
        update(model).where(false()).values({key.name: key}).execution_options(**quiet),
        delete(model).where(false()).execution_options(**quiet),
        table.insert().from_select(columns, select(*table.columns).where(false())),
    )
    moves = 1 if name in DATA_TABLES else 0
    for statement in statements:
        before, tables_before = version(db), table_versions(db)
        with db.transaction() as session:
            session.execute(statement)
        assert version(db) == before + moves, f"{statement} on {name}"
        # the table's own version moves to the new data version, and no other table's does
        moved = {table: v for table, v in table_versions(db).items() if tables_before.get(table) != v}
        assert moved == ({name: before + 1} if moves else {}), f"{statement} on {name}"


def table_versions(db: Database) -> dict[str, int]:
    with db.session() as session:
        found = read_versions(session)
    assert found is not None
    return dict(found.tables)


def test_every_data_table_has_a_version_from_the_migration_on(db: Database) -> None:
    assert set(table_versions(db)) >= DATA_TABLES


def test_raw_sql_moves_every_data_table_and_a_declared_write_only_its_tables(db: Database) -> None:
    before = table_versions(db)
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM program_settings"))
    after = table_versions(db)
    assert {t for t in DATA_TABLES if after[t] != before[t]} == DATA_TABLES
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM goals"), execution_options=writes("goals"))
    assert {t for t, v in table_versions(db).items() if after[t] != v} == {"goals"}


def test_a_re_import_that_changes_nothing_leaves_the_version(db: Database) -> None:
    configure(db, currency_rates="EUR=1.10")
    load(db, "partners", FIXTURES / "partners.csv")
    load(db, "deals", FIXTURES / "deals.csv")
    before = version(db)
    assert load(db, "partners", FIXTURES / "partners.csv", now=LATER).unchanged > 0
    assert load(db, "deals", FIXTURES / "deals.csv", now=LATER).unchanged > 0
    assert version(db) == before
