"""The data version: a counter that every committed change to the program's data moves forward.

Caches of derived figures (`storage.memo`) key on it, so a cached figure is never served once the data under it
has changed, whichever process or code path changed it. The counter lives in `data_versions` (one row, with a
token that is new for every store, so that two stores never share a version) and is bumped inside the writing
transaction itself: by the commit of any transaction that wrote to a data table, found at the driver level (every
INSERT, UPDATE, DELETE or COPY statement is looked at), so no write path can forget it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, event, select
from sqlalchemy.orm import Session

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
WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?', re.IGNORECASE)
TRUNCATE = re.compile(r"^\s*TRUNCATE\b(.*)", re.IGNORECASE | re.DOTALL)
NAME = re.compile(r"\w+")
CHANGED = "partnerbot_data_changed"
BUMP = "UPDATE data_versions SET version = version + 1 WHERE id = 1"


def writes_data(statement: str) -> bool:
    match = WRITE.match(statement)
    if match is not None:
        return match.group(1).lower() in DATA_TABLES
    truncate = TRUNCATE.match(statement)
    return truncate is not None and any(name.lower() in DATA_TABLES for name in NAME.findall(truncate.group(1)))


def mark_changed(connection: Connection) -> None:
    """For writes the driver-level watch cannot see (a raw COPY): the data changed in this transaction."""
    connection.info[CHANGED] = True


def _watch(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if not conn.info.get(CHANGED) and writes_data(statement):
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
