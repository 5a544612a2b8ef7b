"""`partnerbot db backup` copies a live SQLite store while another process keeps writing, and `db restore` puts a
checked backup back; PostgreSQL is pointed to pg_dump and pg_restore.

The figures (SQLite, a writer process committing one partner and its activity per transaction, every 2-3 ms):
the backup holds partners 1..n with no gap and exactly one activity each (never half a transaction), n lies between
the counts read just before and just after the backup, the writer went on committing during and after it (not
blocked), `PRAGMA integrity_check` answers ok, the copy is one file (no -wal), and `partnerbot kpis` on it knows
partner n and not partner n + 1.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command

from storage.db import alembic_config, create_store_engine, migration_scripts, open_database
from storage.models import Partner
from tests.bot.conftest import Cli
from tests.factories import STAMP

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from storage.db import open_database
from storage.models import Activity, Partner

database = open_database(sys.argv[1], migrate=False, cache=False)
stop = Path(sys.argv[2])
i = 0
while not stop.exists():
    i += 1
    with database.transaction() as session:  # a partner and its activity commit together, or neither
        partner = Partner(external_id=f"P{i:06d}", name=f"Partner {i}", updated_at=datetime.now(UTC))
        session.add(partner)
        session.flush()
        session.add(Activity(partner_id=partner.id, kind="login", occurred_at=datetime.now(UTC), contact=""))
    time.sleep(0.002)
database.dispose()
"""


def _count(path: Path, table: str = "partners") -> int:
    with closing(sqlite3.connect(path, timeout=10)) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _wait_for(path: Path, rows: int, timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    while (seen := _count(path)) < rows:
        assert time.monotonic() < deadline, f"the writer committed {seen} partners, expected {rows}"
        time.sleep(0.02)
    return seen


def _store(cli: Cli, monkeypatch: pytest.MonkeyPatch, path: Path) -> str:
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli("db", "upgrade")[0] == 0
    return url


def test_a_backup_taken_while_another_process_writes_is_one_commit_of_it(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    live, backup, stop = tmp_path / "live.db", tmp_path / "backup.db", tmp_path / "stop"
    url = _store(cli, monkeypatch, live)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url, str(stop)], cwd=ROOT, stderr=subprocess.PIPE)
    try:
        before = _wait_for(live, 100)
        code, out, err = cli("db", "backup", str(backup))
        after = _count(live)
        _wait_for(live, after + 50)  # still writing after the backup: it was never blocked
    finally:
        stop.touch()
        _, writer_err = writer.communicate(timeout=30)
    assert writer.returncode == 0, writer_err.decode()[-2000:]
    assert code == 0, err
    with closing(sqlite3.connect(backup)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        ids = [row[0] for row in copy.execute("SELECT id FROM partners ORDER BY id")]
        names = [row[0] for row in copy.execute("SELECT external_id FROM partners ORDER BY id")]
        active = [row[0] for row in copy.execute("SELECT partner_id FROM activities ORDER BY partner_id")]
    n = len(ids)
    assert before <= n <= after
    assert ids == list(range(1, n + 1)) and names == [f"P{i:06d}" for i in ids]  # a prefix, no gap
    assert active == ids  # every partner with its activity: never half a transaction
    assert not Path(f"{backup}-wal").exists()
    assert f"to {backup}: " in out and f"integrity ok, {n:,} partners, 0 deals, {n:,} activities" in out
    assert oct(backup.stat().st_mode & 0o777) == "0o600"

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{backup}")
    code, out, err = cli("kpis", "--partner", f"P{n:06d}")  # the newest partner in the copy
    assert code == 0, err
    assert [p["name"] for p in json.loads(out)["partners"]] == [f"Partner {n}"]
    code, out, err = cli("kpis", "--partner", f"P{n + 1:06d}")  # committed in the live store after the copy
    assert code == 2 and "does not name one partner" in err


def test_a_backup_never_overwrites_a_file(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _store(cli, monkeypatch, tmp_path / "live.db")
    (tmp_path / "taken.db").write_bytes(b"keep me")
    code, _, err = cli("db", "backup", str(tmp_path / "taken.db"))
    assert code == 2 and "exists: give a new file name" in err
    assert (tmp_path / "taken.db").read_bytes() == b"keep me"
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
    assert cli("db", "backup")[0] == 2  # FILE is required
    assert cli("db", "upgrade", "extra.db")[0] == 2


def _add_partners(url: str, *names: str) -> None:
    database = open_database(url, migrate=False)
    with database.transaction() as session:
        session.add_all(Partner(external_id=name, name=name, updated_at=STAMP) for name in names)
    database.dispose()


def test_restore_puts_the_backup_back(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    live, backup = tmp_path / "live.db", tmp_path / "monday.db"
    url = _store(cli, monkeypatch, live)
    _add_partners(url, "acme", "globex")
    assert cli("db", "backup", str(backup))[0] == 0
    _add_partners(url, "initech")
    assert _count(live) == 3

    code, out, err = cli("db", "restore", str(backup))
    assert code == 0, err
    assert f"restored {backup} into {live}:" in out and "2 partners" in out and "db upgrade" not in out
    with closing(sqlite3.connect(live)) as store:
        assert [r[0] for r in store.execute("SELECT external_id FROM partners ORDER BY id")] == ["acme", "globex"]
        assert store.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert not Path(f"{live}-wal").exists()
    code, out, _ = cli("kpis")  # the bot's own engine reads the restored store
    assert code == 0 and sorted(p["partner_id"] for p in json.loads(out)["partners"]) == ["acme", "globex"]

    fresh = tmp_path / "new" / "restored.db"  # a store that did not exist yet
    fresh.parent.mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{fresh}")
    assert cli("db", "restore", str(backup))[0] == 0
    assert _count(fresh) == 2 and oct(fresh.stat().st_mode & 0o777) == "0o600"


def test_restore_refuses_a_store_in_use_and_leaves_it_alone(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    live, backup = tmp_path / "live.db", tmp_path / "backup.db"
    url = _store(cli, monkeypatch, live)
    assert cli("db", "backup", str(backup))[0] == 0
    _add_partners(url, "acme")
    running = subprocess.Popen(  # a process with the store open, as serve or the scheduler would have it
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT count(*) FROM partners').fetchone(); print('open', flush=True); sys.stdin.read()",
            str(live),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stdout is not None and running.stdout.readline() == "open\n"
        code, _, err = cli("db", "restore", str(backup))
    finally:
        running.communicate("", timeout=10)
    assert code == 2
    assert "is in use: stop serve, the scheduler and any other partnerbot process using it" in err
    assert _count(live) == 1
    assert cli("db", "restore", str(backup))[0] == 0  # once it is closed
    assert _count(live) == 0


def test_restore_checks_the_file_is_a_partnerbot_backup(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    live = tmp_path / "live.db"
    url = _store(cli, monkeypatch, live)
    _add_partners(url, "acme")
    text = tmp_path / "notes.db"
    text.write_text("not a database at all " * 100)
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE things (id INTEGER)")
    newer = tmp_path / "newer.db"
    assert cli("db", "backup", str(newer))[0] == 0
    with closing(sqlite3.connect(newer)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
        connection.commit()
    cases = {
        text: "is not a SQLite database",
        other: "is a SQLite file but not a partnerbot database",
        newer: "is at migration 9999, which this version of partnerbot does not know",
        tmp_path / "missing.db": "no such file",
        live: "is the configured database itself",
    }
    for path, why in cases.items():
        code, _, err = cli("db", "restore", str(path))
        assert code == 2 and why in err, (path, err)
    assert _count(live) == 1


def test_restoring_an_older_backup_says_to_upgrade(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    engine = create_store_engine(f"sqlite:///{old}")
    command.upgrade(alembic_config(engine), "0010")
    engine.dispose()
    live = tmp_path / "live.db"
    _store(cli, monkeypatch, live)
    code, out, err = cli("db", "restore", str(old))
    assert code == 0, err
    head = migration_scripts().get_current_head()
    assert f"older than this version's ({head}): run `partnerbot db upgrade`" in out
    assert cli("db", "upgrade")[0] == 0


@pytest.mark.parametrize(("action", "tool"), [("backup", "pg_dump --format=custom"), ("restore", "pg_restore")])
def test_postgresql_is_pointed_to_its_own_tools(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, action: str, tool: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://partnerbot:s3cret@db.internal:5432/partnerbot")
    (tmp_path / "dump").write_bytes(b"")
    code, out, err = cli("db", action, str(tmp_path / ("dump" if action == "restore" else "new.dump")))
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert f"db {action} is for SQLite stores; DATABASE_URL is PostgreSQL" in line
    assert tool in line and "'postgresql://partnerbot@db.internal:5432/partnerbot'" in line
    assert "s3cret" not in line
    assert not (tmp_path / "new.dump").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["dump"]
