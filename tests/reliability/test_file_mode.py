"""A new SQLite store is readable by its owner only, and so are its write-ahead log and shared-memory files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from storage.db import open_database


def test_a_new_database_file_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask: files would be created 0644
    try:
        database = open_database(f"sqlite:///{tmp_path / 'partnerbot.db'}")
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (x INTEGER)"))
            connection.execute(text("INSERT INTO probe VALUES (1)"))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
        database.dispose()
    finally:
        os.umask(old_umask)
    assert modes["partnerbot.db"] == 0o600
    assert modes["partnerbot.db-wal"] == 0o600
    assert set(modes.values()) == {0o600}, modes


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    open_database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
