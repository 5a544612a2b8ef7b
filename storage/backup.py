"""Backing up and restoring a SQLite store with SQLite's online backup API; PostgreSQL has pg_dump and pg_restore.

A backup copies every page in one step, inside one read transaction on the live file: in WAL mode that never
blocks serve or the scheduler, and the copy is the store as of one commit (never half of a transaction). It is
written beside the target, checked (integrity, a partnerbot schema), made a single self-contained file (no -wal)
and only then renamed into place.

A restore copies a checked backup into the configured file through the same API, as one SQLite transaction on the
target (a crash leaves the old store whole), while holding the target's exclusive lock: a process that has the
store open holds it too, so a restore under a running serve or scheduler is refused instead of pulling the file
from under them.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.engine import URL

from storage.db import (
    DatabaseUrlError,
    create_private_file,
    migration_scripts,
    names_a_file,
    parse_database_url,
    safe_url,
)

COUNTED = ("partners", "deals", "activities")  # what a summary line names, so an empty copy is plain to see


class BackupError(ValueError):
    """A backup or restore that cannot be done: says why and what to do instead."""


@dataclass(frozen=True)
class StoreCopy:
    """A checked copy of a store: its file, size, migration and a few row counts."""

    path: Path
    size: int
    revision: str
    head: str
    rows: dict[str, int]

    @property
    def outdated(self) -> bool:
        return self.revision != self.head

    def describe(self) -> str:
        counts = ", ".join(f"{count:,} {table}" for table, count in self.rows.items())
        return f"{self.size / 1e6:.1f} MB, schema at migration {self.revision}, integrity ok, {counts}"


def sqlite_path(url: str, *, action: str) -> Path:
    """The SQLite file DATABASE_URL names; PostgreSQL is refused with the pg_dump or pg_restore command to use."""
    try:
        parsed = parse_database_url(url)
    except DatabaseUrlError as error:
        raise BackupError(str(error)) from None
    if parsed.get_backend_name() == "postgresql":
        # libpq's own URL, without the password (pg_dump asks for it, or reads PGPASSWORD or ~/.pgpass)
        plain = URL.create(
            "postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query
        ).render_as_string(hide_password=False)
        raise BackupError(
            f"db {action} is for SQLite stores; DATABASE_URL is PostgreSQL ({safe_url(parsed)}): "
            + (
                f"back it up with pg_dump --format=custom --file=partnerbot.dump '{plain}'"
                if action == "backup"
                else f"restore a pg_dump file with pg_restore --clean --if-exists --no-owner --dbname='{plain}' "
                "partnerbot.dump"
            )
            + " (README, Deploying: Backups)"
        )
    if parsed.database is None or not names_a_file(parsed.database):
        raise BackupError(f"DATABASE_URL {url!r} names no database file: use sqlite:///path/to/partnerbot.db")
    return Path(parsed.database)


def inspect_copy(path: Path) -> StoreCopy:
    """Check a SQLite file is a whole partnerbot store at a migration this version knows; BackupError otherwise."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            return _checked(connection, path)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database ({error})") from None


def _checked(connection: sqlite3.Connection, path: Path) -> StoreCopy:
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged ({'; '.join(problems[:3])}): use another backup")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"alembic_version", *COUNTED} <= tables:
        raise BackupError(f"{path} is a SQLite file but not a partnerbot database")
    (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone() or (None,)
    rows = {table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]) for table in COUNTED}
    scripts = migration_scripts()
    try:
        known = revision is not None and scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"{path} is at migration {revision}, which this version of partnerbot does not know: it was made by a "
            "newer version; restore it with that version"
        )
    head = scripts.get_current_head()
    assert head is not None
    return StoreCopy(path, path.stat().st_size, str(revision), head, rows)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backup_sqlite(url: str, target: Path) -> StoreCopy:
    """Copy the live store to `target` (a new file), consistent as of one commit, while others keep writing."""
    source = sqlite_path(url, action="backup")
    if not source.is_file():
        raise BackupError(f"{source}: no such database file (DATABASE_URL is {url})")
    if target.exists():
        raise BackupError(f"{target} exists: give a new file name (a backup never overwrites a file)")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder")
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    create_private_file(str(partial))  # owner-only, like the store itself
    try:
        with (
            closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=30)) as live,
            closing(sqlite3.connect(partial)) as copy,
        ):
            live.backup(copy)  # every page in one step: one read transaction, so one commit's state
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, without -wal and -shm
        copied = inspect_copy(partial)
        _fsync(partial)
        partial.replace(target)
        with suppress(OSError):  # the rename itself is durable once the folder is synced (not on every OS)
            _fsync(target.parent)
    except sqlite3.Error as error:
        raise BackupError(f"the backup of {source} failed: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return StoreCopy(target, copied.size, copied.revision, copied.head, copied.rows)


def restore_sqlite(url: str, backup: Path) -> StoreCopy:
    """Replace the configured store with a checked backup, in one transaction, while no other process has it open."""
    target = sqlite_path(url, action="restore")
    if not backup.is_file():
        raise BackupError(f"{backup}: no such file")
    if target.exists() and target.resolve() == backup.resolve():
        raise BackupError(f"{backup} is the configured database itself: restore from a backup file")
    copied = inspect_copy(backup)
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder (DATABASE_URL is {url})")
    create_private_file(str(target))
    try:
        with (
            closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(target, isolation_level=None, timeout=0)) as store,
        ):
            store.execute("PRAGMA locking_mode=EXCLUSIVE")
            try:
                store.execute("BEGIN EXCLUSIVE")  # kept after COMMIT in exclusive locking mode, until closed
            except sqlite3.OperationalError:
                raise BackupError(
                    f"{target} is in use: stop serve, the scheduler and any other partnerbot process using it, then "
                    "restore again"
                ) from None
            store.execute("COMMIT")
            source.backup(store)  # one transaction on the target: all of the backup, or the old store untouched
            restored = _checked(store, target)
    except sqlite3.Error as error:
        raise BackupError(f"the restore into {target} failed: {error}; the store is as it was") from None
    return StoreCopy(target, target.stat().st_size, copied.revision, copied.head, restored.rows)
