"""The migrations build the models' schema exactly, from an empty database, on every store."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import Database, schema_is_current
from storage.models import Base


def test_head_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = compare_metadata(context, Base.metadata)
    assert drift == []


def test_every_model_table_exists(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert schema_is_current(db.engine)


def test_open_database_upgrades_an_empty_sqlite_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage.db import open_database

    database = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert "deals" in inspect(database.engine).get_table_names()
        assert schema_is_current(database.engine)
    finally:
        database.dispose()
