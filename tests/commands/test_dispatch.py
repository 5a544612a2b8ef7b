"""Every /partner subcommand, run as a Slack user types it, against a small program on every store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.table import COMMANDS, dispatch, parse_command
from reports.blocks.kit import check_blocks
from reports.message import Message
from reports.registry import BY_ID, KPIS
from reports.terminal import render_message
from storage.db import Database
from storage.sources import record_delivery
from tests.factories import Fixture, at

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)


def small_program(db: Database) -> None:
    f = Fixture(settings={"required_courses": "C1", "program_name": "Test Program"})
    f.person("olga@example.com", name="Olga Owner", slack_user_id="U0OLGA", role="manager")
    f.partner(
        "P-1",
        "Acme",
        aliases="ACME Corp",
        type="reseller",
        tier="gold",
        segment="enterprise",
        region="EMEA",
        owner_email="olga@example.com",
        onboarded_on=date(2026, 1, 1),
    )
    f.partner(
        "P-2",
        "Acme Analytics",
        type="referral",
        onboarded_on=date(2026, 5, 1),
        owner_email="olga@example.com",
    )
    f.partner("P-3", "Globex", type="msp", onboarded_on=date(2025, 1, 1))
    f.activity("P-1", "training_completed", at(date(2026, 1, 5)), detail="C1")
    f.activity("P-1", "login", at(date(2026, 6, 10)))
    f.intro(
        "I-1",
        partner="P-1",
        introduced=at(date(2026, 6, 12)),
        account="Initech",
        seller_email="sam@example.com",
    )
    f.deal(
        "D-1",
        partner="P-1",
        attribution="sourced",
        created=date(2026, 1, 20),
        outcome="won",
        closed=date(2026, 2, 10),
        amount=50_000,
        name="Initech expansion",
        stages=(("Prospecting", at(date(2026, 1, 20))), ("Proposal", at(date(2026, 1, 25)))),
    )
    f.deal(
        "D-2",
        partner="P-1",
        attribution="sourced",
        created=date(2026, 3, 1),
        amount=80_000,
        name="Hooli",
        stages=(("Negotiation", at(date(2026, 3, 1))),),
    )
    f.deal(
        "D-3",
        partner=None,
        attribution="direct",
        created=date(2026, 2, 1),
        outcome="won",
        closed=date(2026, 3, 1),
        amount=20_000,
    )
    f.survey("P-1", date(2026, 5, 1), 9, "x@example.com")
    f.goal("P-1", "sourced_revenue", date(2026, 4, 1), date(2026, 7, 1), target=10_000_000, period="2026-Q2")
    f.write(db)


@pytest.fixture
def context(db: Database) -> CommandContext:
    small_program(db)
    return CommandContext(database=db, as_of=AS_OF)


def assert_valid(message: Message) -> None:
    assert message.text.strip(), "every message carries fallback text"
    assert check_blocks(message.blocks) == []
    json.dumps(message.payload())


def test_scorecard_for_an_exact_name(context: CommandContext) -> None:
    message = dispatch("acme", context)
    assert_valid(message)
    assert message.blocks[0]["text"]["text"] == "Acme — partner scorecard"
    rendered = render_message(message)
    assert "stalled: " in rendered
    assert "Next step" in rendered
    assert "Data as of" in rendered
    assert "<@U0OLGA>" in json.dumps(message.blocks)  # the owner is mentioned
    assert "Chase the intro to" in message.text  # the unanswered intro (past the 24 h SLA) comes first
    assert len(message.files) == 1
    assert message.files[0].is_png


def test_alias_and_typo_find_the_partner(context: CommandContext) -> None:
    for typed in ("ACME corp", "globx", '"Globex"'):
        assert "partner scorecard" in dispatch(typed, context).blocks[0]["text"]["text"]


def test_ambiguous_name_offers_buttons(context: CommandContext) -> None:
    message = dispatch("acm", context)
    assert_valid(message)
    buttons = message.blocks[1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Acme", "Acme Analytics"]


def test_miss_suggests_closest(context: CommandContext) -> None:
    message = dispatch("zzzz-unknown", context)
    assert "No partner matches" in message.text


@pytest.mark.parametrize(
    "command",
    [
        "program",
        "dormant",
        "handoffs",
        "runway",
        "top",
        "top quarter 3",
        "wins",
        "define win_rate",
        "define",
        "help",
        "",
        "program segment enterprise",
    ],
)
def test_every_view_renders_within_block_kit_limits(context: CommandContext, command: str) -> None:
    message = dispatch(command, context)
    assert_valid(message)
    assert render_message(message).strip()


def test_define_every_kpi_from_the_registry(context: CommandContext) -> None:
    for kpi in KPIS:
        message = dispatch(f"define {kpi.id}", context)
        assert kpi.definition in message.text


def test_define_unknown_kpi_suggests(context: CommandContext) -> None:
    assert "win_rate" in dispatch("define win rates", context).text or "win_rate" in json.dumps(
        dispatch("define winrate", context).blocks
    )


@pytest.mark.parametrize(("word", "kpi"), [("nps", "psat"), ("NPS", "psat"), ("survey", "psat")])
def test_define_finds_the_one_kpi_that_names_the_word(context: CommandContext, word: str, kpi: str) -> None:
    """`define nps` is the PSAT (its definition names NPS); before, it listed the KPIs."""
    assert dispatch(f"define {word}", context).text.startswith(f"{BY_ID[kpi].title} ({kpi}):")


def test_a_word_several_kpis_name_is_still_a_suggestion(context: CommandContext) -> None:
    reply = dispatch("define revenue", context)
    assert reply.text.startswith("There is no KPI called “revenue”.") and "sourced_revenue" in reply.text


@pytest.mark.parametrize("command", ["wins extra", "top forever", "program colour blue"])
def test_bad_arguments_are_user_facing_errors(context: CommandContext, command: str) -> None:
    with pytest.raises(UserFacingError):
        dispatch(command, context)


def test_command_words_and_partner_names() -> None:
    assert parse_command("  Program ")[0] is COMMANDS["program"]
    assert parse_command("top quarter")[1] == "quarter"
    assert parse_command("acme analytics") == (None, "acme analytics")
    assert parse_command("")[0] is COMMANDS["help"]


@pytest.mark.parametrize("command", ["acme", "program", "dormant", "handoffs", "runway", "top", "wins"])
def test_every_card_says_when_data_last_arrived_once_it_stopped(context: CommandContext, command: str) -> None:
    with context.database.transaction() as session:
        record_delivery(session, source="import", kind="activities", records=2, at=AS_OF - timedelta(days=8))
    message = dispatch(command, context)
    freshness = message.blocks[-1]["elements"][0]["text"]
    assert freshness.startswith(":warning: Data as of 2026-06-12 00:00 UTC (last delivery 2026-06-07, 8 d ago)")
    assert "(last delivery 2026-06-07, 8 d ago)" in message.text


def test_deliveries_lists_each_sources_last_delivery_newest_first(context: CommandContext) -> None:
    assert "No import or API batch has delivered data yet." in render_message(dispatch("deliveries", context))
    with context.database.transaction() as session:
        record_delivery(session, source="import", kind="deals", records=1200, at=AS_OF - timedelta(days=2))
        record_delivery(session, source="api:crm", kind="activities", records=1, at=AS_OF - timedelta(minutes=5))
    message = dispatch("deliveries", context)
    assert_valid(message)
    assert (
        "• activities via the API (crm): 2026-06-15 11:55 UTC (5 min ago), 1 record\n"
        "• deals (import): 2026-06-13 12:00 UTC (2 d ago), 1,200 records"
    ) in message.blocks[-2]["text"]["text"]


@pytest.mark.parametrize(("typed", "meant"), [("dormnt", "dormant"), ("handoff", "handoffs"), ("programme", "program")])
def test_a_mistyped_command_is_suggested_not_taken_for_a_partner(
    context: CommandContext, typed: str, meant: str
) -> None:
    """Before, `dormnt` was looked up as a partner name."""
    with pytest.raises(UserFacingError) as raised:
        dispatch(typed, context)
    assert raised.value.message == f"“{typed}” is not a command, and no partner is called “{typed}”."
    assert f"`/partner {meant}" in (raised.value.hint or "")


def test_a_partner_named_like_a_command_is_still_that_partner(db: Database) -> None:
    f = Fixture()
    f.partner("P-9", "Programme Ltd", onboarded_on=date(2025, 1, 1))
    f.write(db)
    reply = dispatch("programme", CommandContext(database=db, as_of=AS_OF, charts=False))
    assert reply.text.startswith("Programme Ltd scorecard")
