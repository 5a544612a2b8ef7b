"""`/partner incentives [quarter]`, the scorecard's fast-start line and the first-win post, on a small program
whose amounts are worked out by hand, on every store."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.jobs.first_wins import plan_first_wins
from commands.context import MANAGER, VIEWER, CommandContext, Requester
from commands.errors import UserFacingError
from commands.table import dispatch, error_reply
from reports.message import Message
from storage.db import Database
from storage.models import Deal
from storage.program import apply_settings, load_config
from storage.wins import load_unrecorded_wins, record_win
from tests.factories import Fixture

END_OF_Q3 = datetime(2026, 10, 1, 12, tzinfo=UTC)
RULE = {"fast_start_wins": "3", "fast_start_days": "90", "fast_start_amount": "500", "wins_channel": "C0WINS123"}


@pytest.fixture
def program(db: Database) -> Database:
    f = Fixture(settings=RULE)
    f.partner("P-A", "Acme", onboarded_on=date(2026, 4, 1), owner_email="olga@example.com")
    f.partner("P-B", "Bolt", onboarded_on=date(2026, 5, 1))  # the quarter before its eligible win
    f.partner("P-C", "Cobalt", onboarded_on=date(2026, 6, 15), onboarding_source="first_deal")
    f.partner("P-D", "Dyno")  # onboarding unknown
    won: dict[str, Any] = {"attribution": "sourced", "created": date(2026, 3, 1), "outcome": "won"}
    f.deal("A-1", partner="P-A", closed=date(2026, 4, 1), amount=10_000, name="Initech", **won)  # day 0
    f.deal("A-2", partner="P-A", attribution="influenced", created=date(2026, 3, 1), outcome="won",
           closed=date(2026, 4, 15), amount=9_000)  # fmt: skip
    f.deal("A-3", partner="P-A", closed=date(2026, 5, 1), amount=3_333.33, **won)
    f.deal("A-4", partner="P-A", closed=date(2026, 6, 1), amount=1_234.50, **won)
    f.deal("A-5", partner="P-A", closed=date(2026, 6, 10), amount=7_000, **won)  # the 4th sourced win
    f.deal("B-0", partner="P-B", closed=date(2026, 4, 20), amount=4_000, **won)  # before onboarding
    f.deal("B-1", partner="P-B", closed=date(2026, 7, 30), amount=5_000, name="Umbrella", **won)  # day 90
    f.deal("B-2", partner="P-B", closed=date(2026, 7, 31), amount=6_000, **won)  # day 91
    f.deal("C-1", partner="P-C", closed=date(2026, 7, 1), amount=2_000, **won)
    f.deal("D-1", partner="P-D", closed=date(2026, 7, 1), amount=2_000, **won)
    f.write(db)
    return db


def ask(database: Database, text: str, *, as_of: datetime = END_OF_Q3, role: str | None = "admin") -> Message:
    requester = Requester(user_id="U1", email="someone@example.com", role=role)
    try:
        return dispatch(text, CommandContext(database=database, as_of=as_of, requester=requester, charts=False))
    except UserFacingError as error:
        return error_reply(error)


def deal_id(session: Session, key: str) -> int:
    return session.execute(select(Deal.id).where(Deal.external_id == key)).scalar_one()


def shown(message: Message) -> str:
    return str(message.blocks)


def rows(message: Message) -> list[dict[str, str]]:
    (file,) = message.files
    return list(csv.DictReader(io.StringIO(file.content.decode("utf-8"))))


def test_the_quarter_lists_the_first_three_sourced_wins_of_acme(program: Database) -> None:
    reply = ask(program, "incentives 2026-Q2")
    assert reply.text.startswith("Fast-start incentives 2026-Q2: $1,500.00 owed for 3 deals of 1 partner.")
    blocks = shown(reply)
    assert "Initech · won 2026-04-01 · day 0 · win 1 of 3 · *$500.00*" in blocks
    for absent in ("A-2", "A-5", "B-0"):  # influenced; the fourth sourced win; won before onboarding
        assert absent not in blocks
    assert [(r["deal_id"], r["days_from_onboarding"], r["win"], r["owed"]) for r in rows(reply)] == [
        ("A-1", "0", "1 of 3", "500.00"),
        ("A-3", "30", "2 of 3", "500.00"),
        ("A-4", "61", "3 of 3", "500.00"),
    ]


def test_day_90_counts_day_91_does_not_and_a_derived_date_is_held(program: Database) -> None:
    reply = ask(program, "incentives 2026-q3")
    assert reply.text.startswith(
        "Fast-start incentives 2026-Q3: $500.00 owed for 1 deal of 1 partner; 1 deal held until the partner's "
        "onboarding date is confirmed."
    )
    (cobalt, bolt) = rows(reply)  # by won date
    assert bolt == {
        "period": "2026-Q3",
        "partner_id": "P-B",
        "partner": "Bolt",
        "owner_email": "",
        "deal_id": "B-1",
        "deal": "Umbrella",
        "won_on": "2026-07-30",
        "onboarded_on": "2026-05-01",
        "days_from_onboarding": "90",
        "win": "1 of 3",
        "deal_amount": "5000.00",
        "owed": "500.00",
        "currency": "USD",
        "status": "owed",
    }
    assert (cobalt["deal_id"], cobalt["owed"], cobalt["status"]) == ("C-1", "", f"held: {HELD}")
    assert "B-2" not in shown(reply) and "D-1" not in shown(reply)


HELD = "onboarding date derived from the first deal: give the real date in the partners data"


def test_a_percentage_is_worked_out_per_deal(program: Database) -> None:
    with program.transaction() as session:
        apply_settings(session, values={"fast_start_amount": "", "fast_start_percent": "2.5"})
    reply = ask(program, "incentives 2026-Q2")
    # 2.5 % of 10,000.00, 3,333.33 and 1,234.50: 250.00 + 83.33 + 30.86
    assert [r["owed"] for r in rows(reply)] == ["250.00", "83.33", "30.86"]
    assert reply.text.startswith("Fast-start incentives 2026-Q2: $364.19 owed for 3 deals")


def test_a_reopened_deal_gives_its_place_to_the_next_win(program: Database) -> None:
    with program.transaction() as session:
        session.execute(update(Deal).where(Deal.external_id == "A-3").values(outcome="open", closed_on=None))
    deals = [r["deal_id"] for r in rows(ask(program, "incentives 2026-Q2"))]
    assert deals == ["A-1", "A-4", "A-5"]


def test_no_quarter_means_the_as_ofs_quarter_in_the_program_time_zone(program: Database) -> None:
    with program.transaction() as session:
        apply_settings(session, values={"time_zone": "America/Los_Angeles"})
    # 06:30 UTC on 1 July is still 30 June in Los Angeles: Q2, to date
    reply = ask(program, "incentives", as_of=datetime(2026, 7, 1, 6, 30, tzinfo=UTC))
    assert reply.text.startswith("Fast-start incentives 2026-Q2: $1,500.00 owed")
    # 06:30 UTC on 30 July is 29 July there: Bolt's day-90 win has not happened yet
    early = ask(program, "incentives", as_of=datetime(2026, 7, 30, 6, 30, tzinfo=UTC))
    assert "B-1" not in shown(early) and "Umbrella" not in shown(early)
    assert "(quarter to date)" in shown(early)
    late = ask(program, "incentives", as_of=datetime(2026, 7, 30, 7, 30, tzinfo=UTC))
    assert "Umbrella · won 2026-07-30 · day 90" in shown(late)


def test_managers_may_list_it_and_viewers_may_not(program: Database) -> None:
    assert ask(program, "incentives 2026-Q2", role=MANAGER).text.startswith("Fast-start incentives 2026-Q2")
    refused = ask(program, "incentives 2026-Q2", role=VIEWER)
    assert refused.text.startswith("`/partner incentives` is for partnerbot admins and managers")
    assert not refused.files


def test_a_bad_quarter_says_how_to_write_one(program: Database) -> None:
    reply = ask(program, "incentives 2026-Q5")
    assert reply.text.startswith("“2026-Q5” is not a quarter.")
    assert "2026-Q3" in shown(reply)


def test_with_the_rule_off_it_says_how_to_turn_it_on(program: Database) -> None:
    with program.transaction() as session:
        apply_settings(session, values={"fast_start_wins": "0"})
    reply = ask(program, "incentives 2026-Q2")
    assert reply.text == "The fast-start incentive is off: no deal earns it."
    assert "config set fast_start_wins" in shown(reply) and not reply.files


def test_the_scorecard_says_what_the_partner_earned_in_one_line(program: Database) -> None:
    card = shown(ask(program, "acme"))
    assert "*Fast start* 3 of 3 wins eligible ($1,500.00) · window closed 2026-06-30" in card
    running = shown(ask(program, "bolt", as_of=datetime(2026, 7, 1, tzinfo=UTC)))
    assert "*Fast start* 0 of 3 wins eligible · 3 left until 2026-07-30" in running
    with program.transaction() as session:
        apply_settings(session, values={"fast_start_wins": "0"})
    assert "Fast start" not in shown(ask(program, "acme"))


def test_the_first_win_post_says_when_the_deal_is_eligible(program: Database) -> None:
    with program.transaction() as session:  # not a new install: old wins are posted too
        (dyno,) = [w for w in load_unrecorded_wins(session, as_of=END_OF_Q3) if w.deal_id == deal_id(session, "D-1")]
        record_win(session, win=dyno, at=END_OF_Q3, announced=False, note=None)
    with program.session() as session:
        planned = {
            p.win.partner_id: p.message for p in plan_first_wins(session, now=END_OF_Q3, config=load_config(session))
        }
    posts = {str(m.blocks): m for m in planned.values() if m is not None}
    (acme,) = [m for text, m in posts.items() if "Acme" in text]
    assert "Eligible for the fast-start incentive — $500.00: win 1 of 3, day 0 of 90 after onboarding." in str(
        acme.blocks
    )
    assert acme.text.endswith("Eligible for the fast-start incentive.")
    (bolt,) = [m for text, m in posts.items() if "Bolt" in text]  # its first win came before onboarding
    assert "fast-start" not in str(bolt.blocks)
