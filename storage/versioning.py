"""The data version: a counter that every committed change to the program's data moves forward.

Caches of derived figures (`storage.memo`) key on it, so a cached figure is never served once the data under it
has changed, whichever process or code path changed it. The counter lives in `data_versions` (one row, with a
token that is new for every store, so that two stores never share a version) and is bumped inside the writing
transaction itself: by the commit of any transaction that wrote to a data table. Every statement the engine sends
is looked at, so no write path can forget it:

- an INSERT, UPDATE or DELETE construct (an ORM flush, `session.execute(insert(Model))`, a bulk or
  `from_select` insert, an upsert) names its table: it writes data when that table is one of `DATA_TABLES`, the
  tables of the models (`Base.metadata`) less the bot's own bookkeeping;
- raw SQL (`text()`, `exec_driver_sql`) cannot say which table it writes, so anything but a statement that changes
  no rows (SELECT, PRAGMA, BEGIN, CREATE, …: see `NO_ROWS`) counts as a write to the data: a refresh of the cache,
  never a stale figure. Raw SQL that writes only the bot's own or temporary tables says so with
  `execution_options=writes(table, …)`;
- queries and schema statements (DDL) change no rows a figure is computed from.

Writes past the engine altogether (a COPY or executemany on the driver's own connection) call `mark_changed`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, event, select
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlalchemy.sql.selectable import TableClause, TextualSelect
from sqlalchemy.sql.visitors import iterate

from storage.models import Base, DataVersion, TableVersion

# The bot's own bookkeeping: claims, messages, schedules, what it told whom, what arrived when. No cached figure
# is read from these, so writing them does not move the data version. Every other table is data, a table added
# later included: a table forgotten here costs a cache refresh, never a stale figure.
BOOKKEEPING_TABLES = frozenset(
    {
        "data_versions",
        "table_versions",
        "slack_events",
        "interaction_claims",
        "slack_workspaces",
        "digest_subscriptions",
        "work_claims",
        "outbox",
        "outbox_files",
        "alert_notices",
        "snoozes",
        "first_wins",
        "ingested_events",
        "import_runs",
        "source_deliveries",
        "attribution_changes",
        "attribution_disputes",
    }
)


def data_tables(metadata: MetaData) -> frozenset[str]:
    """Every table of the models that is not bookkeeping."""
    return frozenset(table.name for table in metadata.sorted_tables) - BOOKKEEPING_TABLES


DATA_TABLES = data_tables(Base.metadata)
CHANGED = "partnerbot_data_changed"
WRITES = "partnerbot_writes"  # execution option: the tables a raw SQL statement writes (see `writes`)
READERS = "partnerbot_figure_reads"  # connection info: the tables each figure under way has read
BUMP = "UPDATE data_versions SET version = version + 1 WHERE id = 1"
STAMP = (  # {names}: one `('table')` row per table written; both stores name a VALUES list's column column1
    "INSERT INTO table_versions (name, version) SELECT written.column1, data_versions.version "
    "FROM (VALUES {names}) AS written, data_versions WHERE data_versions.id = 1 "
    "ON CONFLICT (name) DO UPDATE SET version = excluded.version"
)
HAS_TABLE_VERSIONS = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'table_versions'",
    "postgresql": "SELECT to_regclass('table_versions') IS NOT NULL",
}
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# the first word of raw SQL that changes no rows: a read, the connection's or transaction's setup, or a schema
# statement (as the DDL constructs: a migration's data changes are statements of their own)
NO_ROWS = frozenset(
    {"SELECT", "PRAGMA", "ANALYZE", "VACUUM", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "SHOW", "SET"}
    | {"CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE"}
)


def writes(*tables: str) -> dict[str, Any]:
    """Execution options for raw SQL that writes only these tables (`exec_driver_sql(sql, rows,
    execution_options=writes("staging"))`): it moves the data version only when one of them is data."""
    return {WRITES: frozenset(tables)}


def written_tables(statement: Any, options: Mapping[str, Any] | None = None) -> frozenset[str]:
    """The data tables executing `statement` (a construct, or raw SQL as a string) may change: all of them when the
    statement cannot say (an alias, a join, raw SQL that writes), none for a query or a schema statement."""
    if isinstance(statement, UpdateBase):  # INSERT, UPDATE, DELETE: ORM flushes, bulk writes, upserts
        table = statement.table
        if not isinstance(table, TableClause):  # an alias or a join: any table
            return DATA_TABLES
        return DATA_TABLES & {table.name}
    if isinstance(statement, TextualSelect):  # text(...).columns(...): the text decides
        statement = statement.element
    declared = (options or {}).get(WRITES)
    if declared is not None:
        return DATA_TABLES & frozenset(declared)
    sql = getattr(statement, "text", statement)  # a text() clause, or the driver's string
    if isinstance(sql, str):
        words = sql.split(None, 1)
        return DATA_TABLES if words and words[0].upper() not in NO_ROWS else frozenset()
    return frozenset()  # a query or a schema statement: no rows a figure is computed from


def writes_data(statement: Any, options: Mapping[str, Any] | None = None) -> bool:
    """Whether executing `statement` (a construct, or raw SQL as a string) may change the data of the models."""
    return bool(written_tables(statement, options))


def tables_read(statement: Any) -> frozenset[str]:
    """The data tables a statement reads, from its construct: all of them for raw SQL, which cannot say."""
    if isinstance(statement, UpdateBase):
        return frozenset()  # a write inside a figure's computation does not happen: memo reads around the cache then
    if not isinstance(statement, ClauseElement) or isinstance(statement, (TextClause, TextualSelect)):
        return DATA_TABLES
    names: set[str] = set()
    for element in iterate(statement):  # every element, subqueries and CTEs included
        if isinstance(element, TableClause):
            names.add(element.name)
        elif isinstance(element, TextClause):
            return DATA_TABLES  # a fragment of raw SQL could read any table
    return DATA_TABLES & names


def mark_changed(connection: Connection, *tables: str) -> None:
    """For writes past the engine, which the watch cannot see (a COPY or executemany on the driver's own
    connection): these tables (every data table when none is named) changed in this transaction."""
    _note(connection, DATA_TABLES & set(tables) if tables else DATA_TABLES)


def _note(connection: Connection, tables: frozenset[str]) -> None:
    if tables:
        connection.info[CHANGED] = connection.info.get(CHANGED, frozenset()) | tables


def _watch(
    conn: Connection, _cursor: Any, sql: str, _parameters: Any, context: ExecutionContext | None, _many: bool
) -> None:
    """Every statement on its way to the driver: the construct it was compiled from, or the raw SQL."""
    if conn.info.get(CHANGED) == DATA_TABLES:
        return
    compiled = None if context is None else context.compiled
    statement = sql if compiled is None else compiled.statement
    _note(conn, written_tables(statement, None if context is None else context.execution_options))
    readers = conn.info.get(READERS)
    if readers:  # a figure is being computed on this connection: it depends on what it reads
        read = tables_read(statement)
        for tables in readers:
            tables.update(read)


def _bump_on_commit(conn: Connection) -> None:
    tables = conn.info.pop(CHANGED, None)
    if not tables:
        return
    # the driver's own cursor, in the transaction about to commit: the bump lands with the data or not at all
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(BUMP)
        cursor.execute(HAS_TABLE_VERSIONS[conn.dialect.name])
        row = cursor.fetchone()
        if row and row[0]:  # not on a store downgraded below the migration that added them
            if bad := [name for name in tables if not _NAME.fullmatch(name)]:
                raise ValueError(f"not a table name: {bad[0]!r}")
            cursor.execute(STAMP.format(names=", ".join(f"('{name}')" for name in sorted(tables))))
    finally:
        cursor.close()


def _forget_on_rollback(conn: Connection) -> None:
    conn.info.pop(CHANGED, None)


def watch_engine(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _watch)
    event.listen(engine, "commit", _bump_on_commit)
    event.listen(engine, "rollback", _forget_on_rollback)


@contextmanager
def recording_reads(connection: Connection) -> Iterator[set[str]]:
    """Collect the data tables the statements run on `connection` read, until the block ends (nestable: an outer
    figure depends on what an inner one reads too)."""
    tables: set[str] = set()
    stack: list[set[str]] = connection.info.setdefault(READERS, [])
    stack.append(tables)
    try:
        yield tables
    finally:
        del stack[next(i for i, held in enumerate(stack) if held is tables)]  # by identity: sets compare by value


def note_read(connection: Connection, tables: frozenset[str]) -> None:
    """A figure served from the cache inside another's computation: the outer one depends on its tables too."""
    for outer in connection.info.get(READERS, ()):
        outer.update(tables)


@dataclass(frozen=True)
class Versions:
    """The store's token, its data version and each data table's version (a table with none: the data version)."""

    token: str
    version: int
    tables: Mapping[str, int]

    def of(self, name: str) -> int:
        """The table's version: the data version for a table with none (changed at every version)."""
        return self.tables.get(name, self.version)

    def stamp(self, names: frozenset[str]) -> tuple[tuple[str, int], ...]:
        """What a figure read from `names` was computed at: it stays valid while these are the same."""
        return tuple(sorted((name, self.of(name)) for name in names))


def read_versions(session: Session) -> Versions | None:
    """The versions, or None for a store migrated before versions existed (then nothing is cached)."""
    found = read_version(session)
    if found is None:
        return None
    tables = dict(session.execute(select(TableVersion.name, TableVersion.version)).all())
    return Versions(found[0], found[1], {name: int(version) for name, version in tables.items()})


def read_version(session: Session) -> tuple[str, int] | None:
    """(store token, version), or None for a store migrated before versions existed (then nothing is cached)."""
    row = session.execute(select(DataVersion.token, DataVersion.version).where(DataVersion.id == 1)).first()
    return None if row is None else (row[0], int(row[1]))
