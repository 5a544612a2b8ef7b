"""The demo program: deterministic, never dated after its anchor, and every story it lists is really there."""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Date, case, func, inspect, select
from sqlalchemy.orm import Session

from commands.gather import gather_stalled
from demodata import DemoSize, DemoSummary, build_demo
from demodata.catalogue import (
    DORMANT_FIT,
    DORMANT_MOMENTUM,
    DORMANT_TRAINING,
    FAST_ACTIVATORS,
    FIRST_WIN_THIS_WEEK,
    ONBOARDING_UNKNOWN,
    OVER_WIP_LIMIT,
    REQUIRED_COURSES,
    STALE_INTROS,
    STALLED_DEALS,
    STUCK_NO_QUALIFIED,
    STUCK_NO_SELLING,
    STUCK_NO_WIN,
    STUCK_NOT_ENABLED,
    SUNSET,
)
from reports.kpis.activation import compute_partner_activation, compute_wip_per_manager
from reports.kpis.dormancy import compute_dormant_partners
from reports.kpis.handoffs import compute_stale_intros
from reports.model import PartnerProfile, Scope
from reports.timeframe import day_start, shift_days
from storage.db import Database, open_database
from storage.importing.kinds import KINDS as IMPORT_KINDS
from storage.loaders.activation import load_milestones
from storage.loaders.dormancy import load_quiet_partners
from storage.loaders.freshness import load_freshness
from storage.loaders.handoffs import load_unanswered_intros
from storage.loaders.partners import load_partner_profiles
from storage.models import (
    PARTNER_ATTRIBUTIONS,
    Activity,
    Base,
    Deal,
    Goal,
    Intro,
    Partner,
    PartnerMilestone,
    Person,
    StageChange,
    Survey,
)
from storage.program import load_config
from storage.rollups import COURSE_KINDS, SELLING_ACTIVITY_KINDS, refresh_milestones, refresh_stage_stays
from storage.types import UtcDateTime

ANCHOR = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
TZ = ZoneInfo("America/New_York")
TODAY = ANCHOR.astimezone(TZ).date()
WINDOW_START = shift_days(ANCHOR, -60, TZ)  # the dormancy window
SMALL = DemoSize(
    partners=60,
    direct_deals=300,
    deals_per_partner=12,
    activities_per_partner=60,
    intros_per_partner=6,
    surveys_per_partner=2,
)
STUCK_STEPS = {  # the milestones a partner stuck before each step has reached
    STUCK_NOT_ENABLED: set(),
    STUCK_NO_SELLING: {"enabled"},
    STUCK_NO_QUALIFIED: {"enabled", "first_selling_action"},
    STUCK_NO_WIN: {"enabled", "first_selling_action", "first_qualified_opportunity"},
}
FUTURE_BY_DESIGN = {("goals", "period_start"), ("goals", "period_end"), ("goals", "target_date")}  # targets


@pytest.fixture
def demo(db: Database) -> tuple[Database, DemoSummary]:
    return db, build_demo(db, anchor=ANCHOR, size=SMALL)


def digest(database: Database) -> dict[str, str]:
    """A digest of every table's rows as Python values, so the same contents match on either store.

    Not the data version: its token is new for every store by design.
    """
    out = {}
    with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in ("data_versions", "table_versions"):
                continue
            key = [column.name for column in table.primary_key.columns]
            rows = [row._mapping for row in connection.execute(select(table))]
            ordered = sorted(rows, key=lambda row: tuple(row[name] for name in key))
            out[table.name] = hashlib.sha256(repr([tuple(row.values()) for row in ordered]).encode()).hexdigest()
    return out


def ids(session: Session, names: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = dict(session.execute(select(Partner.name, Partner.id).where(Partner.name.in_(names))).all())
    assert set(found) == set(names)
    return found


def milestone_steps(session: Session, partner_id: int) -> set[str]:
    return set(
        session.execute(
            select(PartnerMilestone.step).where(
                PartnerMilestone.partner_id == partner_id, PartnerMilestone.reached_at < ANCHOR
            )
        ).scalars()
    )


def courses_done(session: Session, partner_id: int) -> int:
    return session.execute(
        select(func.count(func.distinct(Activity.detail))).where(
            Activity.partner_id == partner_id,
            Activity.kind.in_(COURSE_KINDS),
            Activity.detail.in_(REQUIRED_COURSES),
        )
    ).scalar_one()


def selling_motions(session: Session, partner_id: int) -> int:
    """Intros, deal registrations and co-sell calls: the first selling actions."""
    intros = session.execute(select(func.count()).where(Intro.partner_id == partner_id)).scalar_one()
    registrations = session.execute(
        select(func.count()).where(Deal.partner_id == partner_id, Deal.registered_on.is_not(None))
    ).scalar_one()
    calls = session.execute(
        select(func.count()).where(Activity.partner_id == partner_id, Activity.kind.in_(SELLING_ACTIVITY_KINDS))
    ).scalar_one()
    return intros + registrations + calls


def first_win_day(session: Session, partner_id: int) -> date | None:
    return session.execute(
        select(func.min(Deal.closed_on)).where(
            Deal.partner_id == partner_id, Deal.attribution.in_(PARTNER_ATTRIBUTIONS), Deal.outcome == "won"
        )
    ).scalar_one()


def last_motion(session: Session, partner_id: int) -> datetime | None:
    """The latest activity, intro, deal registration or stage change of a partner."""
    moments = [
        session.execute(select(func.max(Activity.occurred_at)).where(Activity.partner_id == partner_id)).scalar(),
        session.execute(select(func.max(Intro.introduced_at)).where(Intro.partner_id == partner_id)).scalar(),
        session.execute(
            select(func.max(StageChange.entered_at))
            .join(Deal, Deal.id == StageChange.deal_id)
            .where(Deal.partner_id == partner_id)
        ).scalar(),
    ]
    registered = session.execute(select(func.max(Deal.registered_on)).where(Deal.partner_id == partner_id)).scalar()
    if registered is not None:
        moments.append(day_start(registered, TZ))
    return max((m for m in moments if m is not None), default=None)


def in_runway_count(session: Session, owner_email: str) -> int:
    """Active partners of an owner onboarded in the last 180 days without a first win yet."""
    won = select(PartnerMilestone.partner_id).where(
        PartnerMilestone.step == "first_win", PartnerMilestone.reached_at < ANCHOR
    )
    return session.execute(
        select(func.count()).where(
            Partner.owner_email == owner_email,
            Partner.status == "active",
            Partner.onboarded_on >= TODAY - timedelta(days=180),
            Partner.onboarded_on < TODAY,
            Partner.id.not_in(won),
        )
    ).scalar_one()


def test_same_seed_and_anchor_give_the_same_database_on_every_store(
    demo: tuple[Database, DemoSummary], tmp_path: Path
) -> None:
    database, summary = demo
    again = open_database(f"sqlite:///{tmp_path / 'again.db'}")
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        assert build_demo(again, anchor=ANCHOR, size=SMALL) == summary
        assert digest(again) == digest(database)
        build_demo(other, anchor=ANCHOR, size=SMALL, seed=8)
        assert digest(other)["partners"] != digest(database)["partners"]
    finally:
        again.dispose()
        other.dispose()


def assert_nothing_after(database: Database, anchor: datetime) -> None:
    """No instant after the anchor and no date after its day, goal periods (targets) aside."""
    today = anchor.astimezone(TZ).date()
    checked = 0
    with database.session() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if (table.name, column.name) in FUTURE_BY_DESIGN:
                    continue
                if isinstance(column.type, UtcDateTime):
                    latest = session.execute(select(func.max(column))).scalar()
                    assert latest is None or latest <= anchor, (table.name, column.name, latest)
                    checked += 1
                elif isinstance(column.type, Date):
                    latest = session.execute(select(func.max(column))).scalar()
                    assert latest is None or latest <= today, (table.name, column.name, latest)
                    checked += 1
    assert checked >= 15


def test_nothing_is_dated_after_the_anchor(demo: tuple[Database, DemoSummary]) -> None:
    assert_nothing_after(demo[0], ANCHOR)


def test_derived_columns_and_milestones_are_already_current(demo: tuple[Database, DemoSummary]) -> None:
    database, _ = demo
    with database.transaction() as session:
        config = load_config(session)
        assert refresh_stage_stays(session, deal_ids=None, config=config) == 0
        assert refresh_milestones(session, partner_ids=None, config=config) == []


def test_the_store_is_left_ready_for_more_rows(demo: tuple[Database, DemoSummary]) -> None:
    """Secondary indexes are back after the bulk load, and PostgreSQL's id sequences are past the rows written."""
    database, summary = demo
    inspector = inspect(database.engine)
    for table in Base.metadata.sorted_tables:
        expected = {index.name for index in table.indexes}
        assert expected <= {index["name"] for index in inspector.get_indexes(table.name)}, table.name
    with database.transaction() as session:
        partner = Partner(external_id="NEW-1", name="Newcomer", updated_at=ANCHOR)
        session.add(partner)
        session.flush()
        assert partner.id == summary.counts["partners"] + 1


def test_default_size_has_the_volume_and_variety_of_a_real_program(db: Database) -> None:
    summary = build_demo(db, anchor=ANCHOR)
    counts = summary.counts
    assert counts["partners"] == 180
    assert counts["deals"] >= 0.9 * (180 * 30 + 2500) and counts["stage_changes"] >= 3 * counts["deals"]
    assert counts["activities"] >= 0.9 * 180 * 300 and counts["intros"] >= 0.9 * 180 * 8 and counts["surveys"] >= 450
    assert counts["goals"] >= 300 and counts["people"] >= 15
    with db.session() as session:
        partners = load_partner_profiles(session, scope=Scope())
        assert {p.type for p in partners} == {"reseller", "referral", "msp", "si", "technology"}
        assert {p.tier for p in partners} == {"platinum", "gold", "silver", "registered"}
        assert {p.region for p in partners} == {"NA", "EMEA", "APAC", "LATAM"}
        assert {p.segment for p in partners} == {"enterprise", "mid-market", "smb"}
        assert len({p.name.casefold() for p in partners}) == len(partners)
        assert [p.name for p in partners if "acm" in p.name.casefold()] == ["Acme", "Acme Analytics"]
        acme = next(p for p in partners if p.name == "Acme")
        assert acme.aliases == ("ACME Corp",) and acme.slack_channel == "C0PARTNER01"
        assert 3 <= sum(1 for p in partners if p.slack_channel) <= 5
        assert sum(1 for p in partners if p.onboarded_on is None) == 3
        assert sorted(p.status for p in partners if p.sunset_on is not None) == ["sunset", "sunset"]
        onboarded = sorted(p.onboarded_on for p in partners if p.onboarded_on is not None)
        assert (onboarded[-1] - onboarded[0]).days > 600 and (TODAY - onboarded[-1]).days <= 30

        managers = session.execute(
            select(Person.email, Person.role, Person.manager_email).where(
                Person.email.in_({p.owner_email for p in partners})
            )
        ).all()
        head = session.execute(select(Person.email).where(Person.role == "admin")).scalar_one()
        assert len(managers) >= 4 and {role for _, role, _ in managers} <= {"manager", "viewer"}
        assert {manager for _, _, manager in managers} == {head}
        zones = set(session.execute(select(Person.time_zone)).scalars())
        assert zones >= {"America/New_York", "Europe/London", "Asia/Kolkata", "America/Los_Angeles"}
        people = set(session.execute(select(Person.email)).scalars())
        sellers = set(session.execute(select(Deal.owner_email).distinct()).scalars())
        assert sellers - people, "some sellers have no people row"

        direct = session.execute(
            select(func.count(), func.count(Deal.partner_id)).where(Deal.attribution == "direct")
        ).one()
        assert direct == (2500, 0)
        partnered = session.execute(
            select(func.count()).where(Deal.attribution != "direct", Deal.partner_id.is_(None))
        ).scalar_one()
        assert partnered == 0
        first, last = session.execute(select(func.min(Deal.created_on), func.max(Deal.created_on))).one()
        assert (last - first).days > 650
        foreign = session.execute(select(func.count()).where(Deal.currency.in_(("EUR", "GBP")))).scalar_one()
        assert 0.18 < foreign / counts["deals"] < 0.35
        rates: dict[str, float] = dict(
            session.execute(
                select(Deal.attribution, func.avg(case((Deal.outcome == "won", 1.0), else_=0.0)))
                .where(Deal.outcome != "open")
                .group_by(Deal.attribution)
            ).all()
        )
        assert rates["sourced"] > rates["influenced"] > rates["direct"]
        open_deals = session.execute(
            select(func.count(), func.count(Deal.amount_minor), func.count(Deal.closed_on)).where(
                Deal.outcome == "open"
            )
        ).one()
        assert open_deals[0] > open_deals[1] > 0 and open_deals[2] == 0
        open_stages = set(session.execute(select(Deal.stage).where(Deal.outcome == "open").distinct()).scalars())
        assert open_stages == {"Prospecting", "Qualification", "Proposal", "Negotiation"}
        terminal = session.execute(
            select(func.count()).where(StageChange.stage.in_(("Closed Won", "Closed Lost")))
        ).scalar_one()
        closed = session.execute(select(func.count()).where(Deal.outcome != "open")).scalar_one()
        assert terminal == closed
        metrics = set(session.execute(select(Goal.metric).distinct()).scalars())
        assert metrics == {"registered_deals", "sourced_pipeline", "sourced_revenue", "first_win_by"}
        scores = set(session.execute(select(Survey.score).distinct()).scalars())
        assert min(scores) <= 4 and max(scores) == 10

        over = [owner for owner in {p.owner_email for p in partners} if owner and in_runway_count(session, owner) > 8]
        assert over == [owner_of(partners, summary.stories[OVER_WIP_LIMIT])]


def owner_of(partners: Sequence[PartnerProfile], names: Sequence[str]) -> str | None:
    (owner,) = {p.owner_email for p in partners if p.name in names}
    return owner


def test_every_story_is_in_the_data(demo: tuple[Database, DemoSummary]) -> None:
    database, summary = demo
    stories = summary.stories
    with database.session() as session:
        (winner,) = ids(session, stories[FIRST_WIN_THIS_WEEK]).values()
        won_on = first_win_day(session, winner)
        assert won_on is not None and ANCHOR - timedelta(days=7) <= day_start(won_on, TZ) < ANCHOR

        for name, pid in ids(session, stories[FAST_ACTIVATORS]).items():
            onboarded = cast(Partner, session.get(Partner, pid)).onboarded_on
            won_on = first_win_day(session, pid)
            assert onboarded is not None and won_on is not None and (won_on - onboarded).days <= 45, name

        for story, steps in STUCK_STEPS.items():
            for name, pid in ids(session, stories[story]).items():
                partner = session.get(Partner, pid)
                assert partner is not None and partner.status == "active"
                assert partner.onboarded_on is not None and (TODAY - partner.onboarded_on).days <= 180
                assert milestone_steps(session, pid) == steps, (story, name)
                assert first_win_day(session, pid) is None
                assert (courses_done(session, pid) == 3) == (story != STUCK_NOT_ENABLED), name
                assert (selling_motions(session, pid) > 0) == (story in (STUCK_NO_QUALIFIED, STUCK_NO_WIN)), name
                qualified = session.execute(
                    select(func.count())
                    .select_from(StageChange)
                    .join(Deal, Deal.id == StageChange.deal_id)
                    .where(Deal.partner_id == pid, StageChange.stage.in_(("Proposal", "Negotiation")))
                ).scalar_one()
                assert (qualified > 0) == (story == STUCK_NO_WIN), name
                last = last_motion(session, pid)
                assert last is not None and last >= WINDOW_START, f"{name} would read as dormant"

        for story in (DORMANT_TRAINING, DORMANT_FIT, DORMANT_MOMENTUM):
            for name, pid in ids(session, stories[story]).items():
                partner = session.get(Partner, pid)
                assert partner is not None and partner.status == "active" and partner.onboarded_on is not None
                assert day_start(partner.onboarded_on, TZ) <= WINDOW_START
                last = last_motion(session, pid)
                assert last is not None and last < WINDOW_START, name
                deals = session.execute(select(func.count()).where(Deal.partner_id == pid)).scalar_one()
                intros = session.execute(select(func.count()).where(Intro.partner_id == pid)).scalar_one()
                if story == DORMANT_MOMENTUM:
                    assert deals > 0, name
                else:
                    assert deals == intros == 0, name
                    assert (courses_done(session, pid) == 3) == (story == DORMANT_FIT), name

        wip = ids(session, stories[OVER_WIP_LIMIT])
        (owner,) = set(session.execute(select(Partner.owner_email).where(Partner.id.in_(wip.values()))).scalars())
        assert owner is not None and in_runway_count(session, owner) > 8

        ages = []
        for name, pid in ids(session, stories[STALE_INTROS]).items():
            waiting = session.execute(
                select(Intro.introduced_at).where(
                    Intro.partner_id == pid,
                    Intro.first_response_at.is_(None),
                    Intro.outcome.is_(None),
                    Intro.introduced_at >= ANCHOR - timedelta(days=5),
                    Intro.introduced_at < ANCHOR - timedelta(hours=24),
                )
            ).scalars()
            found = [ANCHOR - introduced for introduced in waiting]
            assert found, name
            ages += found
        assert any(age > timedelta(hours=48) for age in ages)
        assert any(age < timedelta(hours=48) for age in ages)

        for name, pid in ids(session, stories[STALLED_DEALS]).items():
            stage, entered = session.execute(
                select(StageChange.stage, StageChange.entered_at)
                .join(Deal, Deal.id == StageChange.deal_id)
                .where(Deal.partner_id == pid, Deal.outcome == "open", StageChange.left_at.is_(None))
                .order_by(StageChange.entered_at)
                .limit(1)
            ).one()
            usual = session.execute(
                select(StageChange.stay_tenths).where(
                    StageChange.stage == stage,
                    StageChange.left_at >= ANCHOR - timedelta(days=365),
                    ~StageChange.terminal,
                )
            ).scalars()
            p75 = statistics.quantiles([t / 10 for t in usual if t is not None], n=4)[2]
            days = (ANCHOR - entered).days
            assert days > max(30, 2 * p75), (name, stage, days, p75)

        for name, pid in ids(session, stories[SUNSET]).items():
            partner = session.get(Partner, pid)
            assert partner is not None and partner.status == "sunset" and partner.sunset_on is not None, name
            assert partner.sunset_on < TODAY
        for name, pid in ids(session, stories[ONBOARDING_UNKNOWN]).items():
            partner = session.get(Partner, pid)
            assert partner is not None and partner.onboarded_on is None, name


def test_acme_has_a_rich_scorecard(demo: tuple[Database, DemoSummary]) -> None:
    database, summary = demo
    assert summary.stories["showcase"] == ["Acme", "Acme Analytics"]
    assert "Acme" in summary.stories[STALE_INTROS] and "Acme" in summary.stories[STALLED_DEALS]
    with database.session() as session:
        acme = ids(session, ["Acme"])["Acme"]
        outcomes = dict(
            session.execute(
                select(Deal.outcome, func.count()).where(Deal.partner_id == acme).group_by(Deal.outcome)
            ).all()
        )
        assert outcomes["won"] >= 5 and outcomes["open"] >= 2 and outcomes["lost"] >= 2
        pipeline = session.execute(
            select(func.sum(Deal.amount_base_minor)).where(Deal.partner_id == acme, Deal.outcome == "open")
        ).scalar_one()
        assert pipeline is not None and pipeline > 0
        unanswered = session.execute(
            select(func.count()).where(Intro.partner_id == acme, Intro.first_response_at.is_(None))
        ).scalar_one()
        assert unanswered >= 1
        goals = session.execute(select(func.count()).where(Goal.partner_id == acme)).scalar_one()
        surveys = session.execute(select(func.count()).where(Survey.partner_id == acme)).scalar_one()
        assert goals >= 4 and surveys >= 3
        assert "first_win" in milestone_steps(session, acme)


def test_the_stories_show_in_the_kpis(demo: tuple[Database, DemoSummary]) -> None:
    database, summary = demo
    stories = summary.stories
    with database.session() as session:
        config = load_config(session)
        partners = load_partner_profiles(session, scope=Scope())
        milestones = {m.partner.name: m for m in load_milestones(session, scope=Scope())}
        quiet = load_quiet_partners(session, partners=partners, as_of=ANCHOR, config=config)
        unanswered = load_unanswered_intros(session, scope=Scope(), as_of=ANCHOR, older_than=ANCHOR)
        stalled = gather_stalled(session, scope=Scope(), as_of=ANCHOR, config=config, limit=100)
    activation = {name: compute_partner_activation(m, config, ANCHOR) for name, m in milestones.items()}

    first_win = activation[stories[FIRST_WIN_THIS_WEEK][0]].steps["first_win"]
    assert first_win is not None and ANCHOR - first_win <= timedelta(days=7)
    assert all((activation[name].time_to_first_revenue or 99) <= 45 for name in stories[FAST_ACTIVATORS])
    expected_next = {
        STUCK_NOT_ENABLED: "enabled",
        STUCK_NO_SELLING: "first_selling_action",
        STUCK_NO_QUALIFIED: "first_qualified_opportunity",
        STUCK_NO_WIN: "first_win",
    }
    for story, step in expected_next.items():
        assert {activation[name].next_step for name in stories[story]} == {step}, story
    dormant = {d.partner.name: d.diagnosis for d in compute_dormant_partners(quiet, config, ANCHOR).partners}
    for diagnosis in ("training", "fit", "momentum"):
        assert {dormant.get(name) for name in stories[f"dormant: {diagnosis}"]} == {diagnosis}
    wip = compute_wip_per_manager(list(milestones.values()), config, ANCHOR)
    assert [o.owner_email for o in wip.over_limit] == [owner_of(partners, stories[OVER_WIP_LIMIT])]
    stale = compute_stale_intros(unanswered, ANCHOR, config.handoff_sla_hours)
    assert {s.intro.partner_name for s in stale} >= set(stories[STALE_INTROS])
    assert any(s.escalate for s in stale) and any(not s.escalate for s in stale)
    assert {d.deal.partner_name for d in stalled.largest} >= set(stories[STALLED_DEALS])
    assert activation["Acme"].activated and activation["Acme Analytics"].activated


def test_the_anchor_must_be_aware(db: Database) -> None:
    with pytest.raises(ValueError, match="time zone"):
        build_demo(db, anchor=datetime(2026, 11, 22, 15, 30), size=SMALL)  # noqa: DTZ001


def test_stories_hold_for_other_seeds_and_anchors(tmp_path: Path) -> None:
    """The stories are placed relative to the anchor, so any seed and any day of the year tells them."""
    for seed, anchor in ((1, datetime(2025, 3, 9, 6, 0, tzinfo=UTC)), (99, datetime(2027, 7, 4, 23, 59, tzinfo=UTC))):
        database = open_database(f"sqlite:///{tmp_path / f'demo-{seed}.db'}")
        try:
            summary = build_demo(database, anchor=anchor, seed=seed, size=SMALL)
            with database.session() as session:
                (winner,) = ids(session, summary.stories[FIRST_WIN_THIS_WEEK]).values()
                won_on = first_win_day(session, winner)
                assert won_on is not None and anchor - timedelta(days=7) <= day_start(won_on, TZ) < anchor
                for story in (DORMANT_TRAINING, DORMANT_FIT, DORMANT_MOMENTUM):
                    for pid in ids(session, summary.stories[story]).values():
                        last = last_motion(session, pid)
                        assert last is not None and last < shift_days(anchor, -60, TZ)
            assert_nothing_after(database, anchor)
        finally:
            database.dispose()


def test_the_demo_records_each_kind_delivered_at_its_anchor(demo: tuple[Database, DemoSummary]) -> None:
    db, summary = demo
    with db.session() as session:
        config = load_config(session)
        at_anchor = load_freshness(session, as_of=ANCHOR, config=config)
        week_later = load_freshness(session, as_of=ANCHOR + timedelta(days=8), config=config)
    assert {(d.source, d.kind, d.delivered_at, d.records) for d in at_anchor.deliveries} == {
        ("demo", kind, ANCHOR, summary.counts[kind]) for kind in IMPORT_KINDS
    }
    assert not at_anchor.stale and week_later.stale
