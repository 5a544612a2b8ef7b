"""Opening the store: engine, sessions and bringing the schema to the newest migration."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.memo import SESSION_KEY, FigureCache
from storage.models import Base
from storage.versioning import watch_engine

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_URL = "sqlite:///partnerbot.db"


class DatabaseUrlError(ValueError):
    """A DATABASE_URL that cannot be used, with what it should look like."""


def parse_database_url(raw: str) -> URL:
    """Check the URL's shape; PostgreSQL must use the psycopg (3) driver."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseUrlError(
            "DATABASE_URL is not a database URL: use sqlite:///partnerbot.db or "
            "postgresql+psycopg://user@host:5432/dbname"
        ) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise DatabaseUrlError(
            f"DATABASE_URL uses {url.drivername!r}: use sqlite:///FILE or postgresql+psycopg://user@host/db"
        )
    return url


def safe_url(url: URL | str) -> str:
    """The URL with any password hidden, for logs and messages."""
    text = url.render_as_string(hide_password=True) if isinstance(url, URL) else str(url)
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", text)


CACHE_KIB = 16 * 1024  # SQLite's page cache per pooled connection
BULK_CACHE_KIB = 1024 * 1024  # … and while one writes a bulk load (bulk_write_cache)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # 16 MiB of page cache per connection: the pool holds up to 15, and big scans are served by the OS's cache
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


@contextmanager
def bulk_write_cache(connection: Connection) -> Iterator[None]:
    """A large page cache on this connection while it writes a bulk load (SQLite; a no-op elsewhere).

    A bulk load inserts into every index of tables with millions of rows, touching pages all over each index.
    With the default cache SQLite spills dirty pages to the WAL mid-transaction and reads them back from it; with
    room for the working set it keeps them until the commit (1M deals imported into 2M: 54 s → 24 s of inserts).
    SQLite allocates cache pages as they are used, so a small import stays small, and the size is set back before
    the connection returns to the pool.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_KIB}")


def names_a_file(database: str | None) -> bool:
    """A SQLite URL's database part names a real file (not in-memory, not a `file:` URI)."""
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


def create_private_file(database: str | None) -> None:
    """Create a new SQLite file readable by its owner only (0600): SQLite gives its -wal and -shm files the same
    mode. An existing file is left as it is."""
    if database is None or not names_a_file(database):
        return
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def create_store_engine(url: URL | str, **kwargs: Any) -> Engine:
    parsed = parse_database_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        create_private_file(parsed.database)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    watch_engine(engine)
    return engine


def analyze(connection: Connection) -> None:
    """Refresh the planner's statistics after a bulk load, so that it picks the covering indexes.

    SQLite samples a bounded number of rows per index (fast at any size); PostgreSQL samples by design, and is
    asked for partnerbot's own tables only: a bare ANALYZE would take every table of the database, other
    applications' and other schemas' included, and could deadlock with their DDL.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit=2000")
        connection.exec_driver_sql("ANALYZE")
    else:
        quote = connection.dialect.identifier_preparer.quote
        connection.exec_driver_sql("ANALYZE " + ", ".join(quote(table.name) for table in Base.metadata.sorted_tables))
    connection.commit()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK = 0x7062_6D69_6772_6174  # "pbmigrat", as one bigint: the advisory lock `upgrade` holds
MIGRATION_WAIT = 3600.0  # seconds an upgrade waits for another one to finish (SQLite; PostgreSQL waits as long)


class SchemaOutdated(RuntimeError):
    """The store's schema is older than this version's migrations; the message says how to upgrade it."""


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates every table in an empty database), once however many
    processes upgrade at the same moment: each waits for the migration lock, then reads the store's revision and
    runs only what is still missing (usually nothing, after the first).

    PostgreSQL: a session advisory lock, held on the connection the migrations run on. SQLite: the migrations run
    in one `BEGIN IMMEDIATE` transaction, which takes the database's single write lock up front, before the
    revision is read; a second upgrade waits for it and then finds the schema current. No other lock is needed:
    SQLite lets one writer in at a time, and the whole upgrade is one write.
    """
    config = alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            connection.commit()  # the lock is the session's: it outlives this transaction
            try:
                command.upgrade(config, "head")
            finally:
                connection.rollback()
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                connection.commit()
            return
        _begin_immediate(connection)
        try:
            command.upgrade(config, "head")  # env.py commits
        except BaseException:
            connection.rollback()
            raise


def _begin_immediate(connection: Connection) -> None:
    """Take SQLite's write lock, waiting (past the busy timeout) while another upgrade holds it."""
    deadline = time.monotonic() + MIGRATION_WAIT
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as error:
            connection.rollback()
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise


def migration_scripts() -> ScriptDirectory:
    """This version's migrations, read without a database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """The store's migration revision (None for an empty store) and this version's newest."""
    head = migration_scripts().get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision(), head


def schema_is_current(engine: Engine) -> bool:
    current, head = schema_revisions(engine)
    return current == head


def require_current_schema(engine: Engine) -> None:
    """Refuse a store whose schema is older than this version (`SchemaOutdated`), with what to run."""
    current, head = schema_revisions(engine)
    if current != head:
        at = f"at migration {current}" if current else "empty"
        raise SchemaOutdated(
            f"the database schema is {at}, this version needs {head}: run `partnerbot db upgrade` first "
            "(or set PARTNERBOT_MIGRATE=1 to upgrade on start)"
        )


def is_busy(error: BaseException) -> bool:
    """A write that could not get SQLite's lock within the busy timeout ("database is locked")."""
    return "database is locked" in str(error) or "database is busy" in str(error)


class Database:
    """The engine and a session factory. Storage functions never commit; `transaction()` owns that.

    `cache` gives the database its own cache of derived figures (`storage.memo`), which its sessions carry; without
    it every figure is computed from the rows each time. Two databases over one engine may differ in that.
    """

    def __init__(self, engine: Engine, *, cache: bool = True) -> None:
        self.engine = engine
        self.cache = FigureCache() if cache else None
        self._sessions = sessionmaker(engine, expire_on_commit=False, info={SESSION_KEY: self.cache})

    def without_cache(self) -> Database:
        """The same store (same engine and pool) read without the figure cache: the unoptimised engine."""
        return Database(self.engine, cache=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session: gather, then close before any rendering or Slack I/O."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together, or not at all.

        On SQLite it takes the write lock up front (BEGIN IMMEDIATE), waiting up to the busy timeout for it: a
        deferred transaction that reads and then writes cannot wait for the lock (SQLite answers "database is
        locked" at once when another writer committed since its read began), so concurrent writers (webhook
        senders, an import, the scheduler) take turns instead of failing.
        """
        with self._sessions() as session, session.begin():
            if self.dialect == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({safe_url(self.engine.url)})"


def open_database(url: str, *, migrate: bool = True, cache: bool = True, **engine_kwargs: Any) -> Database:
    engine = create_store_engine(url, **engine_kwargs)
    if migrate and not schema_is_current(engine):
        upgrade(engine)
    return Database(engine, cache=cache)


def open_current_database(url: str, *, migrate: bool, cache: bool = True) -> Database:
    """The store for a long-running process (the bot, the scheduler): at the newest migration, or refused with
    `SchemaOutdated`, so that replicas of a new version never migrate behind an operator's back. `migrate`
    upgrades it first (under the migration lock). A new, empty SQLite file gets the schema: there is nothing to
    upgrade from, and no other replica to share it with."""
    engine = create_store_engine(url)
    try:
        fresh = engine.dialect.name == "sqlite" and not inspect(engine).get_table_names()
        if migrate or fresh:
            upgrade(engine)
        else:
            require_current_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, cache=cache)
