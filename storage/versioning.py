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

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, event, select
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import TableClause, TextualSelect

from storage.models import Base, DataVersion

# The bot's own bookkeeping: claims, messages, schedules, what it told whom, what arrived when. No cached figure
# is read from these, so writing them does not move the data version. Every other table is data, a table added
# later included: a table forgotten here costs a cache refresh, never a stale figure.
BOOKKEEPING_TABLES = frozenset(
    {
        "data_versions",
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
    }
)


def data_tables(metadata: MetaData) -> frozenset[str]:
    """Every table of the models that is not bookkeeping."""
    return frozenset(table.name for table in metadata.sorted_tables) - BOOKKEEPING_TABLES


DATA_TABLES = data_tables(Base.metadata)
CHANGED = "partnerbot_data_changed"
WRITES = "partnerbot_writes"  # execution option: the tables a raw SQL statement writes (see `writes`)
BUMP = "UPDATE data_versions SET version = version + 1 WHERE id = 1"
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


def writes_data(statement: Any, options: Mapping[str, Any] | None = None) -> bool:
    """Whether executing `statement` (a construct, or raw SQL as a string) may change the data of the models."""
    if isinstance(statement, UpdateBase):  # INSERT, UPDATE, DELETE: ORM flushes, bulk writes, upserts
        table = statement.table
        return not isinstance(table, TableClause) or table.name in DATA_TABLES  # an alias or a join: any table
    if isinstance(statement, TextualSelect):  # text(...).columns(...): the text decides
        statement = statement.element
    declared = (options or {}).get(WRITES)
    if declared is not None:
        return not DATA_TABLES.isdisjoint(declared)
    sql = getattr(statement, "text", statement)  # a text() clause, or the driver's string
    if isinstance(sql, str):
        words = sql.split(None, 1)
        return bool(words) and words[0].upper() not in NO_ROWS
    return False  # a query or a schema statement: no rows a figure is computed from


def mark_changed(connection: Connection) -> None:
    """For writes past the engine, which the watch cannot see (a COPY or executemany on the driver's own
    connection): the data changed in this transaction."""
    connection.info[CHANGED] = True


def _watch(
    conn: Connection, _cursor: Any, sql: str, _parameters: Any, context: ExecutionContext | None, _many: bool
) -> None:
    """Every statement on its way to the driver: the construct it was compiled from, or the raw SQL."""
    if conn.info.get(CHANGED):
        return
    compiled = None if context is None else context.compiled
    statement = sql if compiled is None else compiled.statement
    if writes_data(statement, None if context is None else context.execution_options):
        conn.info[CHANGED] = True


def _bump_on_commit(conn: Connection) -> None:
    if conn.info.pop(CHANGED, False):
        # the driver's own cursor, in the transaction about to commit: the bump lands with the data or not at all
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(BUMP)
        finally:
            cursor.close()


def _forget_on_rollback(conn: Connection) -> None:
    conn.info.pop(CHANGED, None)


def watch_engine(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _watch)
    event.listen(engine, "commit", _bump_on_commit)
    event.listen(engine, "rollback", _forget_on_rollback)


def read_version(session: Session) -> tuple[str, int] | None:
    """(store token, version), or None for a store migrated before versions existed (then nothing is cached)."""
    row = session.execute(select(DataVersion.token, DataVersion.version).where(DataVersion.id == 1)).first()
    return None if row is None else (row[0], int(row[1]))
