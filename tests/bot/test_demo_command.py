"""`partnerbot demo`: builds the demo, prints two views, writes every chart, and never clobbers real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database
from tests.bot.conftest import Cli
from tests.factories import Fixture


@pytest.fixture
def url(db: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    value = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    monkeypatch.setenv("DATABASE_URL", value)
    return value


def test_demo_builds_prints_and_writes_every_chart(url: str, tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "charts"
    code, stdout, _ = cli("demo", "--out", str(out))
    assert code == 0
    assert "Northwind Partner Program — program view" in stdout
    assert "Acme — partner scorecard" in stdout
    charts = sorted(p.name for p in out.iterdir() if p.suffix == ".png")
    assert charts == [
        "activation-funnel.png",
        "handoff-times.png",
        "program-revenue.png",
        "scorecard-acme.png",
        "weekly-trend.png",
    ]
    assert all((out / name).read_bytes().startswith(b"\x89PNG") for name in charts)
    code, again, _ = cli("demo", "--out", str(out))  # a rebuild replaces the previous demo
    assert code == 0
    assert "180 partners" in again
    code, card, _ = cli("ask", "/partner acme")
    assert code == 0
    assert "Acme — partner scorecard" in card


def test_demo_refuses_a_database_with_real_data(db: Database, url: str, cli: Cli) -> None:
    fixture = Fixture()
    fixture.partner("P-1", "Real Partner")
    fixture.write(db)
    code, _, err = cli("demo")
    assert code == 2
    assert "holds real data" in err
    assert "Real Partner" in cli("ask", "/partner real")[1]
