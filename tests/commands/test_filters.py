"""View filters match whatever the case, find an owner by email, name or mention, and name the valid values when
nothing matches (before: `dormant region apac` said "no dormant partners" while `region APAC` listed 5, and
`program region Mars` showed "0 active partners")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from commands.context import ADMIN, CommandContext, Requester
from commands.digest import parse_digest
from commands.errors import UserFacingError
from commands.scope import parse_scope
from commands.table import dispatch, error_reply
from reports.message import Message
from reports.model import Scope
from storage.db import Database
from tests.factories import Fixture

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)
ADMIN_IN_CHANNEL = Requester(user_id="U0OLGA", email="olga@example.com", role=ADMIN, channel_id="C0123CHAN")


@pytest.fixture
def program(db: Database) -> Database:
    f = Fixture()
    f.person("olga@example.com", name="Olga Ops", slack_user_id="U0OLGA")
    f.person("bob@example.com")
    for key, region, owner in (
        ("P-1", "APAC", "olga@example.com"),
        ("P-2", "APAC", "bob@example.com"),
        ("P-3", "EMEA", "olga@example.com"),
    ):
        f.partner(key, onboarded_on=date(2025, 1, 1), region=region, segment="Mid Market", owner_email=owner)
    f.write(db)
    return db


def answer(database: Database, command: str) -> Message:
    try:
        return dispatch(command, CommandContext(database=database, as_of=AS_OF, charts=False))
    except UserFacingError as error:
        return error_reply(error)


def blocks_text(message: Message) -> str:
    return " ".join(block["text"]["text"] for block in message.blocks if block.get("type") == "section")


def test_a_filter_matches_whatever_its_case(program: Database) -> None:
    upper = answer(program, "dormant region APAC")
    assert "Dormant partners: 2" in str(upper.blocks)  # all three are quiet; two are in APAC
    assert answer(program, "dormant region apac").payload() == upper.payload()
    assert "Dormant partners: 3" in str(answer(program, "dormant segment mid market").blocks)  # all three


def test_a_filter_that_matches_nothing_names_the_values_there_are(program: Database) -> None:
    reply = answer(program, "program region Mars")
    assert reply.text.startswith("No partner has region “Mars”.")
    assert "The regions are `APAC`, `EMEA`." in blocks_text(reply)
    assert not reply.shareable


@pytest.mark.parametrize(
    "owner", ["olga@example.com", "OLGA@example.com", "olga ops", "OLGA  OPS", "<@U0OLGA|olga>", "<@U0OLGA>"]
)
def test_an_owner_is_found_by_email_name_or_mention(program: Database, owner: str) -> None:
    assert (
        answer(program, f"dormant owner {owner}").payload()
        == answer(program, "dormant owner olga@example.com").payload()
    )
    assert "Dormant partners: 2" in str(answer(program, f"dormant owner {owner}").blocks)


def test_an_owner_who_owns_nothing_is_named_with_the_owners_there_are(program: Database) -> None:
    reply = answer(program, "handoffs owner carol@example.com")
    assert reply.text.startswith("No partner is owned by “carol@example.com”.")
    assert "`bob@example.com`, `olga@example.com`" in blocks_text(reply)


def test_values_may_hold_spaces_and_a_filter_needs_a_value() -> None:
    assert parse_scope("segment Mid Market region apac") == Scope(segment="Mid Market", region="apac")
    assert parse_scope("owner Olga Ops") == Scope(owner_email="Olga Ops")
    for bad in ("segment", "region a region b", "apac", "segment region x"):
        with pytest.raises(UserFacingError, match="I don't understand"):
            parse_scope(bad)


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("funday 08:30", "“funday” is not a weekday."),
        ("wendesday 08:30", "“wendesday” is not a weekday."),
        ("08:30 weekly", "I don't understand “weekly” in a digest subscription."),
        ("tuesday 25:00", "“25:00” is not a time of day."),
        ("tuesday 08:30 Mars/Olympus", "“Mars/Olympus” is not a time zone."),
        ("tuesday region Mars", "No partner has region “Mars”."),
    ],
)
def test_a_bad_digest_subscription_says_what_is_wrong(program: Database, words: str, said: str) -> None:
    """Before, `funday 25:00` was read as a filter and answered about segments."""
    ctx = CommandContext(database=program, as_of=AS_OF, charts=False, requester=ADMIN_IN_CHANNEL)
    try:
        reply = dispatch(f"digest subscribe {words}", ctx)
    except UserFacingError as error:
        reply = error_reply(error)
    assert reply.text.startswith(said), reply.text


def test_a_good_digest_subscription_reads_each_word(program: Database) -> None:
    request = parse_digest("subscribe wed 17:45 Europe/Berlin region apac owner olga ops", "C0123CHAN")
    assert (request.weekday, request.local_time, request.time_zone) == (2, "17:45", "Europe/Berlin")
    assert request.scope == Scope(region="apac", owner_email="olga ops")  # matched to the partners on subscribing


def test_an_owner_name_is_matched_as_the_importer_matches_it(db: Database) -> None:
    """Case and spacing ignored, as `partnerbot import` reads a 'Deal owner' name (storage.people.name_keys)."""
    f = Fixture()
    f.person("dana@example.com", name=" Dana  WHITFIELD ")
    f.partner("P-1", onboarded_on=date(2025, 1, 1), owner_email="dana@example.com")
    f.write(db)
    assert "Dormant partners: 1" in str(answer(db, "dormant owner dana whitfield").blocks)
