"""The command line: `ask`, `kpis`, `config` and bad arguments, against a real store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from reports.registry import KPIS
from storage.db import Database, open_database
from tests.bot.conftest import Cli
from tests.commands.test_dispatch import small_program


@pytest.fixture
def store(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    small_program(db)
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return db


def test_ask_prints_the_terminal_rendering(store: Database, cli: Cli) -> None:
    code, out, _ = cli("ask", "/partner acme", "--as-of", "2026-06-15")
    assert code == 0
    assert "Acme — partner scorecard" in out
    assert "*" not in out.splitlines()[0]  # mrkdwn is rendered, not printed raw


def test_ask_json_prints_the_slack_payload(store: Database, cli: Cli) -> None:
    code, out, _ = cli("ask", "/partner program", "--json", "--as-of", "2026-06-15T12:00+00:00")
    payload = json.loads(out)
    assert code == 0
    assert payload["text"] and payload["blocks"][0]["type"] == "header"


def test_ask_json_is_what_slack_receives_in_a_channel(store: Database, cli: Cli) -> None:
    """The view's blocks, then where its chart went, then the Share button, composed by the function the runtime
    replies with (before: 9 blocks printed against 11 live, for the program view)."""
    code, out, _ = cli("ask", "/partner program", "--json", "--as-of", "2026-06-15T12:00+00:00")
    blocks = json.loads(out)["blocks"]
    assert code == 0
    notes, share = blocks[-2], blocks[-1]
    assert notes["type"] == "context" and "posted in this channel" in notes["elements"][0]["text"]
    assert share["elements"][0]["action_id"] == "share_in_channel" and share["elements"][0]["value"] == "program"
    code, out, _ = cli("ask", "help", "--json")
    assert json.loads(out)["blocks"][-1]["elements"][0]["value"] == "help"  # help can be shared too
    code, out, _ = cli("ask", "top forever", "--json")
    assert "share_in_channel" not in out  # an error is for the person who asked


def test_ask_saves_charts(store: Database, cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("ask", "runway", "--save-charts", str(tmp_path))
    assert code == 0
    assert (tmp_path / "activation-funnel.png").read_bytes().startswith(b"\x89PNG")
    assert "chart written" in err


def test_ask_with_a_bad_argument_replies_helpfully(store: Database, cli: Cli) -> None:
    code, out, _ = cli("ask", "top forever")
    assert code == 0
    assert "don't understand" in out


def test_kpis_json_has_every_program_kpi(store: Database, cli: Cli) -> None:
    code, out, _ = cli("kpis", "--as-of", "2026-06-15")
    data = json.loads(out)
    assert code == 0
    per_partner_only = {"engagement_mix"}
    assert {k.id for k in KPIS} - per_partner_only <= set(data["program"])
    assert [p["name"] for p in data["partners"]] == ["Acme", "Acme Analytics", "Globex"]
    assert data["program"]["sourced_revenue"]["trailing_365"]["amount_minor"] == 5_000_000
    tiers = data["program"]["tier_review"]  # as in /partner tiers: Acme, onboarded part-way through, stays gold
    assert [(p["partner"], p["verdict"], p["suggested_tier"]) for p in tiers["partners"][:2]] == [
        ("Globex", "assign", "registered"),
        ("Acme", "keep", "gold"),
    ]
    assert tiers["partners"][1]["note"].startswith("onboarded 2026-01-01, part-way through the reviewed quarters")


def test_kpis_for_one_partner_as_csv(store: Database, cli: Cli) -> None:
    code, out, _ = cli("kpis", "--partner", "acme", "--format", "csv", "--as-of", "2026-06-15")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert {r["partner"] for r in rows} == {"Acme"}
    revenue = {r["measure"]: r["value"] for r in rows if r["kpi"] == "sourced_revenue"}
    assert revenue["trailing_365.amount_minor"] == "5000000"


def test_kpis_unknown_partner_is_one_line_and_exit_2(store: Database, cli: Cli) -> None:
    code, _, err = cli("kpis", "--partner", "acm")
    assert code == 2
    assert "does not name one partner" in err and "Traceback" not in err


def test_config_set_show_and_refuse(store: Database, cli: Cli) -> None:
    code, out, _ = cli("config", "set", "dormancy_days", "45")
    assert code == 0
    assert "dormancy_days = 45" in out
    code, _, err = cli("config", "set", "time_zone", "Mars/Olympus")
    assert code == 2
    assert "unknown time zone" in err
    code, _, err = cli("config", "set", "colour", "blue")
    assert code == 2
    assert "unknown setting" in err


def test_config_set_takes_the_stages_and_the_qualified_stage_together(store: Database, cli: Cli) -> None:
    """Each refuses the other's new value alone; set together they are checked together."""
    code, _, err = cli("config", "set", "pipeline_stages", "Lead,Demo,Quote")
    assert code == 2 and "is not one of the pipeline_stages" in err and "set them together" in err
    code, out, _ = cli("config", "set", "pipeline_stages", "Lead,Demo,Quote", "qualified_stage", "Demo")
    assert code == 0, out
    assert "pipeline_stages = Lead,Demo,Quote" in out and "qualified_stage = Demo" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required"),
        (["config", "set", "dormancy_days"], "needs a VALUE after each KEY"),
        (["config", "unset", "a", "b"], "takes one KEY"),
        (["import", "deals"], "required"),
        (["import", "widgets", "x.csv"], "invalid choice"),
        (["kpis", "--format", "xml"], "invalid choice"),
        (["config", "set"], "needs a KEY"),
    ],
)
def test_bad_arguments_one_line_usage_and_exit_2(argv: list[str], message: str, cli: Cli) -> None:
    code, _, err = cli(*argv)
    assert code == 2
    first, second = err.splitlines()[:2]
    assert first.startswith("partnerbot: error:") and message in first
    assert second.startswith("usage:")


def test_bad_as_of(store: Database, cli: Cli) -> None:
    code, _, err = cli("ask", "program", "--as-of", "yesterday")
    assert code == 2
    assert "--as-of" in err


def test_bad_database_url(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/db")
    code, _, err = cli("ask", "help")
    assert code == 2
    assert "DATABASE_URL" in err


def test_partnerbot_cache_off_reaches_the_database_a_command_opens(
    store: Database, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.cli

    opened: list[Database] = []
    real = open_database

    def spy(url: str, **kwargs: object) -> Database:
        opened.append(real(url, **kwargs))  # type: ignore[arg-type]
        return opened[-1]

    monkeypatch.setattr(bot.cli, "open_database", spy)
    monkeypatch.setenv("PARTNERBOT_CACHE", "off")
    off = cli("ask", "/partner program", "--as-of", "2026-06-15T12:00+00:00")
    monkeypatch.delenv("PARTNERBOT_CACHE")
    on = cli("ask", "/partner program", "--as-of", "2026-06-15T12:00+00:00")
    assert off == on and off[0] == 0
    assert [database.cache is None for database in opened] == [True, False]
