"""Every partner's state matches its dates, by the README's "Partner states" rules worked out here.

Hypothesis draws a handful of partners with onboarding dates, sunset dates and statuses, first wins and last
activities around the as-of (on either side of it, and on the runway's and the dormancy window's edges); the state
each partner's row of the export shows (the scorecard's state) and the program's tally of states equal the state
derived here from those dates, in the README's order: not yet onboarded, sunset, onboarding unknown, dormant,
activated, in runway, active.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from reports.kpis.lifecycle import (
    ACTIVATED,
    ACTIVE,
    DORMANT,
    IN_RUNWAY,
    NOT_YET_ONBOARDED,
    ONBOARDING_UNKNOWN,
    STATES,
    SUNSET,
)
from storage.db import Database
from tests.factories import Fixture
from tests.metamorphic.program import END_OF_Q2, MID_JUNE, empty, export

NY = ZoneInfo("America/New_York")
DORMANCY_DAYS = 60
RUNWAY_DAYS = 180


@dataclass(frozen=True)
class Dates:
    onboarded: date | None
    status: str
    sunset: date | None
    first_win: date | None
    last_activity: datetime | None


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=NY)


def days_before(moment: datetime, days: int) -> datetime:
    """The same New York wall time `days` calendar days earlier."""
    wall = moment.astimezone(NY).replace(tzinfo=None) - timedelta(days=days)
    return wall.replace(tzinfo=NY)


def expected_state(d: Dates, as_of: datetime) -> str:
    """The README's table, in its order; a calendar date stands for its New York midnight."""
    if d.onboarded is not None and midnight(d.onboarded) >= as_of:
        return NOT_YET_ONBOARDED
    if (d.sunset is not None and midnight(d.sunset) < as_of) or (d.status == "sunset" and d.sunset is None):
        return SUNSET
    if d.onboarded is None:
        return ONBOARDING_UNKNOWN
    window = days_before(as_of, DORMANCY_DAYS)
    motion = d.last_activity if d.last_activity is not None and d.last_activity < as_of else None
    if midnight(d.onboarded) <= window and (motion is None or motion < window):
        return DORMANT
    if d.first_win is not None and midnight(d.first_win) < as_of:
        return ACTIVATED
    if midnight(d.onboarded) >= days_before(as_of, RUNWAY_DAYS):
        return IN_RUNWAY
    return ACTIVE


def dates(as_of: datetime) -> st.SearchStrategy[Dates]:
    today = (as_of - timedelta(microseconds=1)).astimezone(NY).date()  # the as-of's own day
    # offsets in days from the as-of's day, with the runway's and the dormancy window's edges made likely
    edges = st.sampled_from((0, 1, -1, -59, -60, -61, -179, -180, -181))
    offset = st.one_of(edges, st.integers(-400, 30))

    def on(days: int) -> date:
        return today + timedelta(days=days)

    def at(minutes: int) -> datetime:
        return as_of + timedelta(minutes=minutes)

    edge_minutes = st.sampled_from((-1, 0, 1, -60 * 24 * DORMANCY_DAYS, -60 * 24 * DORMANCY_DAYS - 1))
    return st.builds(
        Dates,
        onboarded=st.one_of(st.none(), offset.map(on)),
        status=st.sampled_from(("active", "active", "sunset")),
        sunset=st.one_of(st.none(), st.none(), st.sampled_from((0, 1, -1, 5, -30)).map(on)),
        first_win=st.one_of(st.none(), offset.map(on)),
        last_activity=st.one_of(st.none(), st.one_of(edge_minutes, st.integers(-60 * 24 * 200, 60 * 24 * 5)).map(at)),
    )


def write(db: Database, partners: list[Dates]) -> None:
    f = Fixture(settings={"time_zone": "America/New_York"})
    for n, d in enumerate(partners):
        key = f"P{n}"
        f.partner(key, f"Partner {n}", onboarded_on=d.onboarded, status=d.status, sunset_on=d.sunset)
        if d.first_win is not None:
            f.deal(f"W{n}", partner=key, attribution="sourced", created=d.first_win - timedelta(days=10),
                   outcome="won", closed=d.first_win, amount=1_000)  # fmt: skip
        if d.last_activity is not None:
            f.activity(key, "login", d.last_activity)
    f.write(db)


def test_every_partners_state_is_the_one_its_dates_give(db: Database) -> None:
    @settings(
        max_examples=12,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        phases=(Phase.explicit, Phase.generate),
    )
    @given(
        case=st.sampled_from((END_OF_Q2, MID_JUNE)).flatmap(
            lambda as_of: st.tuples(st.just(as_of), st.lists(dates(as_of), min_size=4, max_size=8))
        )
    )
    def check(case: tuple[datetime, list[Dates]]) -> None:
        as_of, partners = case
        empty(db)
        write(db, partners)
        data = export(db, as_of)
        expected = {f"P{n}": expected_state(d, as_of) for n, d in enumerate(partners)}
        shown = {key: row["kpis"]["status"] for key, row in data["partners"].items()}
        wrong = {
            key: (partners[int(key[1:])], expected[key], shown[key]) for key in expected if expected[key] != shown[key]
        }
        assert not wrong, f"as of {as_of.isoformat()}: (dates, expected, shown) {wrong}"
        tally = Counter(expected.values())
        assert data["program"]["partner_states"] == {state: tally.get(state, 0) for state in STATES}

    check()
