"""`top` and `wins` take the views' filters, and every view can be narrowed by tier and type, matched whatever
the case; a digest says it cannot be narrowed by them."""

from __future__ import annotations

from datetime import date

import pytest

from commands.digest import parse_digest
from commands.errors import UserFacingError
from commands.top import parse_top
from reports.message import Message
from reports.model import Scope
from storage.db import Database
from storage.wins import load_unrecorded_wins, record_win
from tests.commands.test_filters import AS_OF, answer
from tests.factories import Fixture


@pytest.fixture
def program(db: Database) -> Database:
    f = Fixture()
    # (key, name, tier, type, region, won amount)
    for key, name, tier, kind, region, amount in (
        ("P-1", "Acme", "Gold", "reseller", "EMEA", 50_000),
        ("P-2", "Globex", "Gold", "referral", "APAC", 30_000),
        ("P-3", "Initech", "Silver", "reseller", "EMEA", 20_000),
        ("P-4", "Hooli", "Silver", "msp", "EMEA", 10_000),
    ):
        f.partner(key, name, tier=tier, type=kind, region=region, onboarded_on=date(2026, 1, 1))
        f.deal(f"D-{key}", partner=key, attribution="sourced", created=date(2026, 2, 1), outcome="won",
               closed=date(2026, 5, 1), amount=amount)  # fmt: skip
    f.write(db)
    with db.transaction() as session:
        for win in load_unrecorded_wins(session, as_of=AS_OF):
            record_win(session, win=win, at=AS_OF, announced=True, note=None)
    return db


def ranked(message: Message) -> list[str]:
    """The partner names of a `top` or `wins` reply, in the order shown."""
    text = " ".join(b["text"]["text"] for b in message.blocks if b.get("type") == "section" and b.get("text"))
    names = ("Acme", "Globex", "Initech", "Hooli")
    return sorted((n for n in names if f"*{n}*" in text), key=lambda n: text.index(f"*{n}*"))


def test_top_parses_its_period_and_count_then_the_filters() -> None:
    assert parse_top("quarter 5 region EMEA tier gold") == ("quarter", 5, Scope(region="EMEA", tier="gold"))
    assert parse_top("type Reseller") == ("year", 10, Scope(partner_type="Reseller"))
    with pytest.raises(UserFacingError, match="after `top`"):
        parse_top("5 quater")


def test_top_ranks_only_the_partners_in_the_filter(program: Database) -> None:
    assert ranked(answer(program, "top")) == ["Acme", "Globex", "Initech", "Hooli"]
    assert ranked(answer(program, "top tier gold")) == ["Acme", "Globex"]  # the partners spell it Gold
    assert ranked(answer(program, "top 5 region emea type reseller")) == ["Acme", "Initech"]
    assert "tier Gold" in str(answer(program, "top tier gold").blocks)  # the view says its filter


def test_wins_lists_only_the_partners_in_the_filter(program: Database) -> None:
    assert ranked(answer(program, "wins")) == ["Acme", "Globex", "Initech", "Hooli"]  # same day: by partner id
    filtered = answer(program, "wins type msp")
    assert ranked(filtered) == ["Hooli"]
    assert filtered.text.startswith("First wins (type msp), newest first: Hooli.")
    none = answer(program, "wins tier silver region APAC")
    assert "No partner with region APAC, tier Silver has won its first deal yet." in str(none.blocks)


def test_a_tier_or_type_that_matches_nothing_names_the_values(program: Database) -> None:
    reply = answer(program, "program tier platinum")
    assert reply.text.startswith("No partner has tier “platinum”.")
    assert "The tiers are `Gold`, `Silver`." in str(reply.blocks)
    assert answer(program, "wins type vendor").text.startswith("No partner has type “vendor”.")


def test_program_views_take_tier_and_type(program: Database) -> None:
    reply = answer(program, "program type reseller")
    assert "type reseller" in str(reply.blocks)
    assert "2 active partners" in reply.text or "2 active" in str(reply.blocks)


def test_a_digest_cannot_be_narrowed_by_tier_or_type() -> None:
    with pytest.raises(UserFacingError, match="not by tier or type"):
        parse_digest("subscribe monday 08:00 tier gold", "C0123CHAN")
