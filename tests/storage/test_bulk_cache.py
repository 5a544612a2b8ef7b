"""SQLite gets a large page cache while an import writes, and the pooled connection gets its usual one back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from storage.db import BULK_CACHE_KIB, CACHE_KIB, Database, analyze, bulk_write_cache
from storage.models import Base
from tests.storage.test_import_support import DEALS, load, seeded, write


def cache_size(connection: Any) -> int:
    return int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())


def test_the_bulk_cache_is_set_for_the_block_and_restored_after_it(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":  # PostgreSQL's buffers are the server's: nothing is sent
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        with db.engine.connect() as connection, bulk_write_cache(connection):
            pass
        assert statements == []
        return
    with db.engine.connect() as connection:
        assert cache_size(connection) == -CACHE_KIB
        with bulk_write_cache(connection):
            assert cache_size(connection) == -BULK_CACHE_KIB
        assert cache_size(connection) == -CACHE_KIB
        with pytest.raises(RuntimeError), bulk_write_cache(connection):
            raise RuntimeError("a rejected import")
        assert cache_size(connection) == -CACHE_KIB


def test_an_import_writes_under_the_bulk_cache(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        report = load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert report.inserted == 4
    pragmas = [s for s in statements if s.startswith("PRAGMA cache_size")]
    if db.engine.dialect.name == "sqlite":
        assert pragmas == [f"PRAGMA cache_size=-{BULK_CACHE_KIB}", f"PRAGMA cache_size=-{CACHE_KIB}"]
        first, last = statements.index(pragmas[0]), statements.index(pragmas[1])
        assert any(s.startswith("INSERT INTO deals") for s in statements[first:last])
    else:
        assert pragmas == []


def test_analyze_refreshes_only_partnerbots_tables(db: Database) -> None:
    """A bare ANALYZE on PostgreSQL takes every table of the database, other schemas' too (and deadlocked with
    their DDL); partnerbot asks for its own tables, and the planner then has statistics for them."""
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.engine.connect() as connection:
        analyze(connection)
    analyzed = [s for s in statements if s.upper().startswith("ANALYZE")]
    assert len(analyzed) == 1
    if db.engine.dialect.name == "sqlite":
        assert analyzed == ["ANALYZE"]  # SQLite's reaches only this file's tables
        return
    names = {name.strip().strip('"') for name in analyzed[0].removeprefix("ANALYZE ").split(",")}
    assert names == {table.name for table in Base.metadata.sorted_tables}
    with db.engine.connect() as connection:
        analysed = connection.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
        ).scalars()
        assert names <= set(analysed)
