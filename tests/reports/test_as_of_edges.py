"""The edges of "as of", where managers look: a period's last day and first moments, a partner before its
onboarding, intros closed without a next step, the runway's end. Numbers worked out by hand, on every store.

The program runs in America/New_York. `--as-of 2026-06-30` means the end of that day: 2026-07-01 00:00 EDT.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands.context import CommandContext
from commands.gather import gather_baseline, gather_scorecard
from commands.table import dispatch
from reports.kpis.activation import compute_first_win_cycle, compute_partner_activation, compute_time_to_first_revenue
from reports.kpis.goals import BEHIND, MET, MISSED, ON_TRACK, compute_goal_progress, compute_share_on_track
from reports.kpis.handoffs import IntroRecord, compute_handoff_response_time, compute_next_step_time
from reports.kpis.lifecycle import (
    ACTIVATED,
    ACTIVE,
    DORMANT,
    IN_RUNWAY,
    NOT_YET_ONBOARDED,
    ONBOARDING_UNKNOWN,
    SUNSET,
)
from reports.model import PartnerProfile, Scope
from reports.timeframe import (
    as_of_day,
    dates_before,
    end_of_day,
    month_to_date,
    parse_as_of,
    quarter_to_date,
)
from reports.views.scorecard import Scorecard, compute_scorecard
from storage.db import Database
from storage.loaders.activation import load_milestones
from storage.loaders.dormancy import load_quiet_partners
from storage.loaders.goals import load_goals
from storage.loaders.partners import load_partner_profiles
from storage.loaders.revenue import load_registration_days, load_revenue_facts
from storage.program import load_config
from tests.factories import Fixture, at

NY = ZoneInfo("America/New_York")
END_OF_JUNE = end_of_day(date(2026, 6, 30), NY)  # 2026-07-01 00:00 EDT


# --- 1. the as-of's day, month and quarter ------------------------------------------------------------------


def test_a_typed_date_is_the_end_of_that_day_and_belongs_to_it() -> None:
    assert datetime(2026, 7, 1, 4, tzinfo=UTC) == END_OF_JUNE
    assert parse_as_of("2026-06-30", NY) == END_OF_JUNE
    assert parse_as_of("2026-06-30T17:00", NY) == datetime(2026, 6, 30, 21, tzinfo=UTC)
    assert as_of_day(END_OF_JUNE, NY) == date(2026, 6, 30)
    assert dates_before(END_OF_JUNE, NY) == date(2026, 7, 1)
    assert as_of_day(END_OF_JUNE + timedelta(seconds=1), NY) == date(2026, 7, 1)
    # the whole of June and Q2 at the end of June 30, not July and Q3
    assert month_to_date(END_OF_JUNE, NY).start == datetime(2026, 6, 1, tzinfo=NY)
    assert quarter_to_date(END_OF_JUNE, NY).start == datetime(2026, 4, 1, tzinfo=NY)
    # one second into July: July and Q3
    later = END_OF_JUNE + timedelta(seconds=1)
    assert month_to_date(later, NY).start == datetime(2026, 7, 1, tzinfo=NY)
    assert quarter_to_date(later, NY).start == datetime(2026, 7, 1, tzinfo=NY)


def test_as_of_day_across_daylight_saving() -> None:
    # 2026-03-08 is 23 hours long in New York; 2026-11-01 is 25 hours long
    assert as_of_day(end_of_day(date(2026, 3, 8), NY), NY) == date(2026, 3, 8)
    assert as_of_day(end_of_day(date(2026, 11, 1), NY), NY) == date(2026, 11, 1)
    assert end_of_day(date(2026, 11, 1), NY) - end_of_day(date(2026, 10, 31), NY) == timedelta(hours=25)


def _revenue_program(db: Database) -> None:
    f = Fixture(settings={"time_zone": "America/New_York"})
    f.partner("P1", "Acme", onboarded_on=date(2025, 1, 1))
    f.partner("P2", "Globex", onboarded_on=date(2025, 1, 1))
    for key, partner, closed, amount in (
        ("Q2-first", "P1", date(2026, 4, 1), 1_000),  # the quarter's first day
        ("Q2-may", "P2", date(2026, 5, 15), 300),
        ("Q2-last", "P1", date(2026, 6, 30), 20),  # the quarter's last day
        ("Q3-first", "P2", date(2026, 7, 1), 5),  # the next quarter: never at the end of June 30
    ):
        f.deal(
            key,
            partner=partner,
            attribution="sourced",
            created=date(2026, 3, 1),
            outcome="won",
            closed=closed,
            amount=amount,
        )
    f.write(db)


def test_this_month_and_quarter_at_the_end_of_a_quarters_last_day(db: Database) -> None:
    _revenue_program(db)
    with db.session() as session:
        config = load_config(session)
        facts = load_revenue_facts(session, scope=Scope(), as_of=END_OF_JUNE, config=config)
    assert facts.won_total("sourced", "quarter").amount_minor == 132_000  # 1,000 + 300 + 20
    assert facts.won_total("sourced", "quarter").count == 3
    assert facts.won_total("sourced", "month").amount_minor == 2_000  # June 30's deal
    # one second later it is Q3 and July: only the deal closed on July 1 (its midnight has passed)
    with db.session() as session:
        later = load_revenue_facts(session, scope=Scope(), as_of=END_OF_JUNE + timedelta(seconds=1), config=config)
    assert later.won_total("sourced", "quarter").amount_minor == 500
    assert later.won_total("sourced", "month").amount_minor == 500


def test_top_quarter_at_the_quarters_last_day_lists_its_revenue(db: Database) -> None:
    _revenue_program(db)
    message = dispatch("top quarter", CommandContext(database=db, as_of=END_OF_JUNE, charts=False))
    text = str(message.blocks)
    assert "Acme" in text and "$1.0k" in text  # 1,000 + 20 in Q2
    assert "Globex" in text and "$300" in text
    assert "no partner" not in message.text.lower()


# --- 2. goals at a period's start ----------------------------------------------------------------------------


def _goal_program(db: Database) -> None:
    f = Fixture(settings={"time_zone": "America/New_York"})
    for key in ("P1", "P2", "P3"):
        f.partner(key, onboarded_on=date(2025, 1, 1))
    q2, q3, q4 = (
        (date(2026, 4, 1), date(2026, 7, 1)),
        (date(2026, 7, 1), date(2026, 10, 1)),
        (date(2026, 10, 1), date(2027, 1, 1)),
    )
    f.goal("P1", "sourced_revenue", *q2, target=100_000, period="2026-Q2")  # met below
    f.goal("P2", "sourced_revenue", *q2, target=100_000, period="2026-Q2")  # nothing: missed at the end
    for key in ("P1", "P2", "P3"):
        f.goal(key, "sourced_revenue", *q3, target=100_000, period="2026-Q3")
        f.goal(key, "sourced_revenue", *q4, target=100_000, period="2026-Q4")
        f.goal(key, "registered_deals", *q4, target=4, period="2026-Q4")
    f.deal(
        "W1",
        partner="P1",
        attribution="sourced",
        created=date(2026, 4, 2),
        outcome="won",
        closed=date(2026, 6, 30),
        amount=1_500,
    )
    f.write(db)


def _progress(db: Database, as_of: datetime) -> tuple[dict[tuple[str, str, str], str], tuple[int, int]]:
    with db.session() as session:
        config = load_config(session)
        goals = load_goals(session, scope=Scope(), as_of=as_of, config=config)
    progress = compute_goal_progress(goals, as_of, NY)
    share = compute_share_on_track(progress, as_of, NY)
    return (
        {(p.goal.partner_name, p.goal.metric, p.goal.period): p.status for p in progress},
        (share.numerator, share.denominator),
    )


def test_a_goal_starting_at_as_of_is_upcoming_and_the_ending_quarter_is_current(db: Database) -> None:
    _goal_program(db)
    statuses, share = _progress(db, END_OF_JUNE)
    # Q3 starts exactly at as-of: upcoming, so not shown and not counted
    assert all(period == "2026-Q2" for _, _, period in statuses)
    assert statuses == {
        ("P1", "sourced_revenue", "2026-Q2"): MET,  # the deal closed on the quarter's last day
        ("P2", "sourced_revenue", "2026-Q2"): MISSED,
    }
    assert share == (1, 2)  # the quarter that is ending is the current one


def test_no_goal_is_behind_in_the_first_days_of_a_quarter(db: Database) -> None:
    _goal_program(db)
    one_minute_in = datetime(2026, 10, 1, 0, 1, tzinfo=NY)
    statuses, share = _progress(db, one_minute_in)
    q4 = {key: status for key, status in statuses.items() if key[2] == "2026-Q4"}
    assert len(q4) == 6
    assert set(q4.values()) == {ON_TRACK}
    assert share == (3, 3)
    # 13 days in, still nothing expected; three weeks in, money is expected but not yet a whole deal
    day_13 = _progress(db, datetime(2026, 10, 14, tzinfo=NY))[0]
    assert {status for key, status in day_13.items() if key[2] == "2026-Q4"} == {ON_TRACK}
    week_three = {k: s for k, s in _progress(db, datetime(2026, 10, 22, tzinfo=NY))[0].items() if k[2] == "2026-Q4"}
    # 21 of 92 days: expected = target × (21 − 14) / (92 − 14) = 9 % of $1,000, and 4 × 9 % = 0.36 → 0 deals
    assert {k[1]: s for k, s in week_three.items()} == {"sourced_revenue": BEHIND, "registered_deals": ON_TRACK}


# --- 3. nothing dated after the as-of counts -----------------------------------------------------------------


def test_registration_velocity_leaves_out_deals_created_after_as_of(db: Database) -> None:
    f = Fixture()
    f.partner("P1", onboarded_on=date(2025, 1, 1))
    # registered 06-01, created 06-11: 10 days; registered 06-20, created 07-20 (after as-of): not known yet
    f.deal("D1", partner="P1", attribution="sourced", created=date(2026, 6, 11), registered_on=date(2026, 6, 1))
    f.deal("D2", partner="P1", attribution="sourced", created=date(2026, 7, 20), registered_on=date(2026, 6, 20))
    config = f.write(db)
    as_of = end_of_day(date(2026, 6, 30), config.tz)
    with db.session() as session:
        days = load_registration_days(session, scope=Scope(), as_of=as_of, config=config)
    assert days.pairs == ((10.0, 1),)


# --- 4 and 6. partner states, and the runway's one definition -----------------------------------------------

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)


def _states_program(db: Database) -> None:
    f = Fixture()
    f.partner("LATER", "Later Co", onboarded_on=date(2026, 9, 1))  # onboarded after as-of
    f.partner("NODATE", "No Date Inc")  # quiet and without an onboarding date: a data-quality finding
    f.partner("OLD", "Old & Slow", onboarded_on=date(2024, 10, 26))  # day 597 (597.5 d): past the runway, still active
    f.activity("OLD", "login", at(date(2026, 6, 1)))
    f.partner("NEW", "New <Co>", onboarded_on=date(2026, 5, 4))  # day 42: in runway
    f.partner("WINNER", "Winner", onboarded_on=date(2026, 1, 1))
    f.deal(
        "W", partner="WINNER", attribution="sourced", created=date(2026, 2, 1), outcome="won", closed=date(2026, 3, 1)
    )
    f.activity("WINNER", "login", at(date(2026, 6, 1)))
    f.partner("QUIET", "Quiet", onboarded_on=date(2025, 6, 1))  # nothing for over 60 days
    f.partner("GONE", "Gone", onboarded_on=date(2025, 1, 1), status="sunset", sunset_on=date(2026, 2, 1))
    f.write(db)


def _cards(db: Database, as_of: datetime) -> dict[str, Scorecard]:
    cards = {}
    with db.session() as session:
        config = load_config(session)
        baseline = gather_baseline(session, as_of=as_of, config=config)
        for partner in load_partner_profiles(session, scope=Scope()):
            facts = gather_scorecard(session, partner=partner, as_of=as_of, config=config, baseline=baseline)
            cards[partner.external_id] = compute_scorecard(facts, config, as_of)
    return cards


def test_every_partner_has_the_state_its_dates_give(db: Database) -> None:
    _states_program(db)
    cards = _cards(db, AS_OF)
    assert {key: card.status for key, card in cards.items()} == {
        "LATER": NOT_YET_ONBOARDED,
        "NODATE": ONBOARDING_UNKNOWN,
        "OLD": ACTIVE,
        "NEW": IN_RUNWAY,
        "WINNER": ACTIVATED,
        "QUIET": DORMANT,
        "GONE": SUNSET,
    }
    later = cards["LATER"]
    assert later.status_detail == "Not yet onboarded: starts 2026-09-01"
    assert "no action needed" not in later.next_step
    assert "onboarding" in later.next_step.lower()
    assert cards["NODATE"].dormant is None
    assert "Record the onboarding date" in cards["NODATE"].next_step
    assert cards["OLD"].status_detail == (
        "Active, no first win after 597 d: the 180-day runway ran out at first selling action"
    )
    assert "runway" not in cards["OLD"].headlines[0].title.lower()
    assert cards["NEW"].status_detail == "In runway at first selling action (day 42 of 180)"
    assert cards["NEW"].headlines[0].title == "Days in runway"


def test_partners_without_an_onboarding_date_are_never_dormant(db: Database) -> None:
    _states_program(db)
    with db.session() as session:
        config = load_config(session)
        partners = load_partner_profiles(session, scope=Scope())
        quiet = load_quiet_partners(session, partners=partners, as_of=AS_OF, config=config)
    assert sorted(q.partner.external_id for q in quiet) == ["QUIET"]


def test_the_runway_view_lists_exactly_the_partners_whose_cards_say_in_runway(db: Database) -> None:
    _states_program(db)
    cards = _cards(db, AS_OF)
    message = dispatch("runway", CommandContext(database=db, as_of=AS_OF, charts=False))
    listed = str(message.blocks).split("Onboarding date unknown")[0]  # the data-quality list comes last
    for key, card in cards.items():
        name = card.partner.name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert (name in listed) == (card.status == IN_RUNWAY), key
    with db.session() as session:
        milestones = load_milestones(session, scope=Scope())
    assert len(milestones) == 7


def test_a_partner_not_yet_onboarded_has_no_activation_steps_even_with_an_earlier_win(db: Database) -> None:
    """A win before the partner's (later) onboarding date starts no clock: no step, no current step, and the
    partner is in neither the first-win cycle nor time to first revenue."""
    f = Fixture()
    f.partner("EARLY", "Early Bird", onboarded_on=date(2026, 9, 1))  # after as-of
    f.partner("ON", "On Time", onboarded_on=date(2026, 1, 1))
    for key, closed in (("EARLY", date(2026, 3, 1)), ("ON", date(2026, 4, 1))):
        f.deal(f"W-{key}", partner=key, attribution="sourced", created=date(2026, 2, 1), outcome="won", closed=closed)
    config = f.write(db)
    with db.session() as session:
        milestones = {m.partner.external_id: m for m in load_milestones(session, scope=Scope())}
    early = compute_partner_activation(milestones["EARLY"], config, AS_OF)
    assert set(early.steps.values()) == {None}
    assert (early.current_step, early.next_step, early.activated) == (None, None, False)
    activations = [compute_partner_activation(m, config, AS_OF) for m in milestones.values()]
    assert compute_first_win_cycle(activations, AS_OF, config.tz).started == 1  # On Time only
    assert compute_time_to_first_revenue(activations, AS_OF, config.tz).overall.started == 1
    # once onboarded, the earlier win counts as day 0
    later = datetime(2026, 9, 2, tzinfo=UTC)
    assert compute_partner_activation(milestones["EARLY"], config, later).activated


def test_a_first_win_goal_counts_the_win_once_it_has_come(db: Database) -> None:
    f = Fixture()
    f.partner("P1", onboarded_on=date(2026, 1, 1))
    f.goal("P1", "first_win_by", date(2026, 1, 1), date(2026, 7, 1), target_date=date(2026, 6, 30), period="H1")
    f.deal("W", partner="P1", attribution="sourced", created=date(2026, 2, 1), outcome="won", closed=date(2026, 5, 4))
    config = f.write(db)
    for as_of, actual, status in (
        (end_of_day(date(2026, 5, 3), config.tz), 0.0, ON_TRACK),
        (end_of_day(date(2026, 5, 4), config.tz), 1.0, MET),
    ):
        with db.session() as session:
            goals = load_goals(session, scope=Scope(), as_of=as_of, config=config)
        (progress,) = compute_goal_progress(goals, as_of, config.tz)
        assert (progress.goal.actual, progress.status) == (actual, status), as_of


def test_a_partner_is_sunset_from_the_first_instant_after_its_sunset_dates_midnight() -> None:
    partner = PartnerProfile(1, "P1", "Gone", onboarded_on=date(2025, 1, 1), sunset_on=date(2026, 6, 15))
    midnight = datetime(2026, 6, 15, tzinfo=NY)
    assert partner.is_active(midnight, NY)  # as of midnight: the last instant before it is June 14
    assert not partner.is_active(midnight + timedelta(seconds=1), NY)
    flagged = PartnerProfile(2, "P2", "Flagged", onboarded_on=date(2025, 1, 1), status="sunset")
    assert not flagged.is_active(midnight, NY)  # marked sunset without a date: sunset at every as-of


# --- 5. intros closed without a next step are not waiting ---------------------------------------------------


def _intro(
    key: str, introduced: datetime, response: datetime | None, step: datetime | None, outcome: str | None
) -> IntroRecord:
    return IntroRecord(1, key, 1, "Acme", None, None, None, introduced, response, step, outcome)


def test_closed_intros_are_not_waiting_for_a_response_or_a_next_step() -> None:
    as_of = datetime(2026, 6, 15, 12, tzinfo=UTC)
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    intros = [
        _intro("answered-with-step", start, start + timedelta(hours=2), start + timedelta(hours=32), None),
        _intro("answered-step-pending", start, start + timedelta(hours=4), None, None),  # waiting since 06-01 13:00
        _intro("qualified-out", start, start + timedelta(hours=1), None, "qualified out"),  # closed: not waiting
        _intro("duplicate-unanswered", start, None, None, "duplicate"),  # closed before any response
        _intro("unanswered", start, None, None, None),  # still waiting: 339 h so far
    ]
    response = compute_handoff_response_time(intros, as_of)
    assert (response.intros, response.waiting, response.closed) == (4, 1, 1)
    assert sorted(w.hours for w in response.waits) == [1.0, 2.0, 4.0, 339.0]
    next_step = compute_next_step_time(intros, as_of)
    assert (next_step.intros, next_step.waiting, next_step.closed) == (2, 1, 1)
    assert sorted(w.hours for w in next_step.waits) == [30.0, 335.0]


@pytest.mark.parametrize("hours", [0, 23, 25])
def test_an_answer_after_as_of_still_counts_as_waiting(hours: int) -> None:
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    as_of = start + timedelta(hours=24)
    answered_later = _intro("I", start, start + timedelta(hours=hours), None, None)
    response = compute_handoff_response_time([answered_later], as_of)
    assert response.waiting == (0 if hours < 24 else 1)


def test_the_program_view_counts_the_states_the_cards_show_and_names_the_data_quality_gap(db: Database) -> None:
    _states_program(db)
    cards = _cards(db, AS_OF)
    message = dispatch("program", CommandContext(database=db, as_of=AS_OF, charts=False))
    header_context = message.blocks[1]["elements"][0]["text"]
    # one partner in each state: the tally reads them in the states' order
    assert header_context.endswith(
        "5 active partners: 1 not yet onboarded · 1 in runway · 1 activated · 1 active without a first win · "
        "1 dormant · 1 sunset · 1 onboarding unknown"
    )
    assert sorted(card.status for card in cards.values()) == sorted(
        (NOT_YET_ONBOARDED, IN_RUNWAY, ACTIVATED, ACTIVE, DORMANT, SUNSET, ONBOARDING_UNKNOWN)
    )
    quality = message.blocks[2]["elements"][0]["text"]
    assert quality.startswith(":warning: Data quality: 1 partner without an onboarding date (No Date Inc)")


def test_the_handoffs_view_says_closed_intros_apart_from_waiting_ones(db: Database) -> None:
    f = Fixture()
    f.partner("P1", "Smith & <Sons>", onboarded_on=date(2025, 1, 1))
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    f.intro("A", partner="P1", introduced=start, first_response_at=start + timedelta(hours=2))
    f.intro("B", partner="P1", introduced=start, outcome="duplicate")  # closed before any response
    f.intro("C", partner="P1", introduced=start)  # still waiting
    f.intro("D", partner="P1", introduced=start, first_response_at=start + timedelta(hours=1), outcome="no budget")
    f.write(db)
    message = dispatch("handoffs", CommandContext(database=db, as_of=AS_OF, charts=False))
    fields = " ".join(field["text"] for block in message.blocks for field in block.get("fields", []))
    assert "3 intros: 2 answered, 1 still waiting" in fields
    assert "1 intro closed before a response" in fields
    assert "2 answered, 1 without a next step\n1 intro closed before a next step" in fields
