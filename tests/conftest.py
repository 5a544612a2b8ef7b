"""Shared fixtures: a fresh database per test on SQLite always and on PostgreSQL when configured, and a guard
that fails any test trying to reach beyond 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from storage.db import Database, create_store_engine, open_database, upgrade
from storage.models import Base

POSTGRES_ENV = "PARTNERBOT_TEST_POSTGRES_URL"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
VERSION_TABLES = ("data_versions", "table_versions")


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    return host in LOOPBACK or str(host).startswith("127.")


_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.SocketType, address: Any) -> Any:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests must not leave 127.0.0.1 (tried {address!r})")
    return _original_connect(self, address)


def _guarded_connect_ex(self: socket.SocketType, address: Any) -> Any:
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"tests must not leave 127.0.0.1 (tried {address!r})")
    return _original_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = _original_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _original_connect_ex  # type: ignore[method-assign]


# The longest tests start first: the two workers then share the rest evenly, instead of one worker starting the
# oracle (about 150 s on its own) late while the other runs out of work (worksteal does the sharing: pyproject.toml).
SLOW_FIRST = ("tests/oracle/", "tests/test_bench_smoke.py", "tests/commands/test_chart_agreement.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))  # stable: the rest keep their order


def store_names() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest migration, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_store_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private schema on the configured server, migrated to head; dropped at the end of the run."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        raise RuntimeError(f"{POSTGRES_ENV} is not set")
    schema = f"pbtest_{uuid.uuid4().hex[:10]}"
    admin = create_store_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        raise RuntimeError(f"PostgreSQL at {base} is unreachable: {exc}") from exc
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    engine = create_store_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        # tests empty every table before each test: autovacuum on these churning tables only contends with that
        # TRUNCATE (it deadlocked on a loaded machine), and statistics of test data are worth nothing
        for table in inspect(connection).get_table_names():
            connection.execute(
                text(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)')
            )
    engine.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_all(database: Database) -> None:
    # the version rows stay: the TRUNCATE itself moves them on, as any write to the data does
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name not in VERSION_TABLES)
    for attempt in range(5):  # a vacuum the server still runs (anti-wraparound ignores the setting) can deadlock it
        try:
            with database.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as error:
            if "deadlock detected" not in str(error) or attempt == 4:
                raise


@pytest.fixture(params=store_names())
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, empty database at the newest migration: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        path = tmp_path / "partnerbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = open_database(f"sqlite:///{path}", migrate=False)
    else:
        database = open_database(request.getfixturevalue("postgres_url"), migrate=False)
        _truncate_all(database)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    """With PARTNERBOT_TEST_GC=1, collect garbage after each test, so a connection left open is reported against
    the test that leaked it rather than whichever test the collector happens to run in."""
    yield
    if os.environ.get("PARTNERBOT_TEST_GC"):
        import gc

        gc.collect()
