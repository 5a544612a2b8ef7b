"""`partnerbot import`: a summary line, every bad row with exit 1, one clear line with exit 2 for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database
from tests.bot.conftest import Cli


@pytest.fixture
def store(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return db


def test_import_prints_a_summary(store: Database, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "partners.csv"
    path.write_text("partner_id,name\nP-1,Acme\nP-2,Globex\n", encoding="utf-8")
    code, out, err = cli("import", "partners", str(path))
    assert (code, out.splitlines()) == (
        0,
        [
            "partners: 2 inserted, 0 updated, 0 unchanged, 0 rejected",
            "onboarding dates: 2 partners have none, so they are left out of activation KPIs (listed as 'onboarding "
            "date unknown'); add onboarded_on to the export; or derive it with [onboarding] when_missing = "
            '"first_deal" in the mapping',
        ],
    )
    assert err == ""  # no progress bar when stderr is not a terminal
    code, out, _ = cli("import", "partners", str(path))
    assert out.splitlines()[0] == "partners: 0 inserted, 0 updated, 2 unchanged, 0 rejected"


def test_rejected_rows_exit_1(store: Database, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "partners.csv"
    path.write_text("partner_id,name,status\nP-1,Acme,paused\n,Globex,active\n", encoding="utf-8")
    code, _, err = cli("import", "partners", str(path))
    assert code == 1
    assert err.splitlines()[:2] == [
        "line 2: column status: 'paused' is not one of: active, sunset",
        "line 3: column partner_id: is required",
    ]
    assert "nothing was imported" in err
    code, out, _ = cli("import", "partners", str(path), "--skip-invalid")
    assert code == 0
    assert "0 inserted" in out and "2 rejected" in out and "partners.rejected.csv" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "is empty"), ("partner_id;name\nP-1;Acme\n", "delimited")],
)
def test_malformed_file_exit_2_without_traceback(
    store: Database, tmp_path: Path, cli: Cli, content: str, message: str
) -> None:
    path = tmp_path / "partners.csv"
    path.write_text(content, encoding="utf-8")
    code, _, err = cli("import", "partners", str(path))
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_file(store: Database, cli: Cli) -> None:
    code, _, err = cli("import", "deals", "nowhere.csv")
    assert code == 2
    assert "no such file" in err


def test_the_report_notes_follow_the_summary(store: Database, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "partners.csv"
    path.write_text("partner_id,name\nP-1,Acme\nP-1,Acme\nP-1,Acme Inc\n", encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[duplicates]\ndrop = "key"\nkeep = "last"\n', encoding="utf-8")
    code, out, _ = cli("import", "partners", str(path), "--mapping", str(mapping))
    assert code == 0
    assert out.splitlines()[:2] == [
        "partners: 1 inserted, 0 updated, 0 unchanged, 0 rejected",
        "dropped as duplicates: 1 row identical to an earlier one and 1 row repeating a partner_id (the last of "
        "each was kept)",
    ]
