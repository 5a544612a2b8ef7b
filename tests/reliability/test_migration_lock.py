"""Migrations run once however many replicas upgrade at the same moment, and the long-running processes refuse
an older schema instead of migrating it behind an operator's back.

The figures: 4 `partnerbot db upgrade` processes started together on an empty store run every migration exactly
once between them and all exit 0, on PostgreSQL (an advisory lock) and SQLite (one BEGIN IMMEDIATE transaction).
Before: on PostgreSQL, in 2 of 5 trials of 4 concurrent upgrades, 1 and 3 processes failed with a
UniqueViolation while creating the same tables (transactional DDL kept the schema whole: the losers crashed instead);
`serve`, `socket`, `scheduler` and `run-due` migrated an older schema on start, unlocked.
Now `serve`, `socket`, `scheduler` and `run-due` on a schema at 0007 exit 2 with one line naming
`partnerbot db upgrade`, and change nothing; with PARTNERBOT_MIGRATE=1 they upgrade it (under the same lock).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.db import alembic_config, create_store_engine, schema_revisions
from tests.conftest import POSTGRES_ENV, store_names

ROOT = Path(__file__).resolve().parents[2]
SLACK = {
    "SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdEFGH",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99aaabbb85a5",
    "SLACK_APP_TOKEN": "xapp-1-A0123-4567-abcdef",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",  # nothing listens: a process that got past the schema fails here
}


@pytest.fixture(params=store_names())
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store: a new SQLite file, or a new schema on the configured PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = os.environ[POSTGRES_ENV]
    schema = f"pbmig_{uuid.uuid4().hex[:10]}"
    admin = create_store_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _start(url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "PARTNERBOT_MIGRATE"}
    environ = {**inherited, "DATABASE_URL": url, "PARTNERBOT_LOG_LEVEL": "INFO", **env}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _migrations() -> int:
    engine = create_store_engine("sqlite://")
    count = len(list(ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()))
    engine.dispose()
    return count


def _head() -> str:
    engine = create_store_engine("sqlite://")
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    engine.dispose()
    assert head is not None
    return head


def _revision(url: str) -> str | None:
    engine = create_store_engine(url)
    try:
        return schema_revisions(engine)[0]
    finally:
        engine.dispose()


@pytest.mark.parametrize("replicas", [2, 4])
def test_concurrent_upgrades_run_each_migration_once(empty_store: str, replicas: int) -> None:
    processes = [_start(empty_store, "db", "upgrade") for _ in range(replicas)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    assert [code for code, _, _ in results] == [0] * replicas, [err[-500:] for _, _, err in results]
    ran = sum(err.count("Running upgrade") for _, _, err in results)
    assert ran == _migrations()
    assert _revision(empty_store) == _head()


@pytest.mark.parametrize("process", ["serve", "socket", "scheduler", "run-due"])
def test_the_bot_refuses_an_older_schema_with_one_line(empty_store: str, process: str) -> None:
    engine = create_store_engine(empty_store)
    command.upgrade(alembic_config(engine), "0007")
    engine.dispose()
    done = _start(empty_store, process, **SLACK, PARTNERBOT_LOG_LEVEL="WARNING")
    code, _, err = done.wait(timeout=60), *done.communicate()
    assert code == 2
    assert err.splitlines() == [
        f"partnerbot: the database schema is at migration 0007, this version needs {_head()}: "
        "run `partnerbot db upgrade` first (or set PARTNERBOT_MIGRATE=1 to upgrade on start)"
    ]
    assert _revision(empty_store) == "0007"


@pytest.mark.parametrize("how", ["env", "flag"])
def test_migrate_upgrades_on_start(empty_store: str, how: str) -> None:
    engine = create_store_engine(empty_store)
    command.upgrade(alembic_config(engine), "0007")
    engine.dispose()
    args, env = (["serve"], {"PARTNERBOT_MIGRATE": "1"}) if how == "env" else (["serve", "--migrate"], {})
    done = _start(empty_store, *args, **SLACK, **env)
    code, _, err = done.wait(timeout=60), *done.communicate()
    assert _revision(empty_store) == _head()
    assert code == 2 and "Slack refused SLACK_BOT_TOKEN or could not be reached" in err  # past the schema


def test_a_new_sqlite_file_gets_its_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    done = _start(url, "serve", **SLACK)
    code, _, err = done.wait(timeout=60), *done.communicate()
    assert code == 2 and "Slack refused" in err
    assert _revision(url) == _head()
