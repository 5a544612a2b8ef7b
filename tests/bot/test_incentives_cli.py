"""`partnerbot incentives`: the quarter's fast-start incentive as the Slack view in a terminal, or as CSV."""

from __future__ import annotations

import csv
import io

import pytest

from storage.db import Database
from storage.program import apply_settings
from tests.bot.conftest import Cli
from tests.commands.test_dispatch import small_program


@pytest.fixture
def store(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    small_program(db)
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return db


def switch_on(database: Database) -> None:
    with database.transaction() as session:
        apply_settings(session, values={"fast_start_wins": "2", "fast_start_amount": "750"})


def test_csv_for_finance(store: Database, cli: Cli) -> None:
    switch_on(store)
    code, out, err = cli("incentives", "--quarter", "2026-Q1", "--as-of", "2026-06-15", "--format", "csv")
    assert (code, err) == (0, "")
    (row,) = csv.DictReader(io.StringIO(out))
    assert (row["partner"], row["deal"], row["won_on"], row["days_from_onboarding"], row["owed"]) == (
        "Acme",
        "Initech expansion",
        "2026-02-10",
        "40",
        "750.00",
    )
    assert out.endswith("\r\n")


def test_text_is_the_slack_view_and_the_default_quarter_is_the_as_ofs(store: Database, cli: Cli) -> None:
    switch_on(store)
    code, out, _ = cli("incentives", "--as-of", "2026-03-31")
    assert code == 0
    assert "Fast-start incentives — 2026-Q1" in out and "$750.00 owed for 1 deal of 1 partner" in out
    code, out, _ = cli("incentives", "--as-of", "2026-06-15", "--format", "csv")
    assert (code, out.count("\r\n")) == (0, 1)  # Q2: the header alone


def test_off_or_a_bad_quarter_is_one_line(store: Database, cli: Cli) -> None:
    code, _, err = cli("incentives", "--format", "csv")
    assert code == 1 and err.startswith("partnerbot: the fast-start incentive is off: turn it on with")
    switch_on(store)
    code, _, err = cli("incentives", "--quarter", "Q7", "--format", "csv")
    assert code == 2 and err.startswith("partnerbot: “Q7” is not a quarter.")
