"""Every kind imports into the model it feeds, with its values normalised the way KPIS.md reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from storage.db import Database
from storage.models import (
    Activity,
    Deal,
    Goal,
    ImportRun,
    Intro,
    Partner,
    PartnerMilestone,
    Person,
    StageChange,
    Survey,
)
from storage.program import load_config
from storage.rollups import refresh_milestones, refresh_stage_stays
from tests.storage.test_import_support import DEALS, NOW, configure, load, seeded, write


def test_partners(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    with db.session() as session:
        partners = {p.external_id: p for p in session.execute(select(Partner)).scalars()}
        run = session.execute(select(ImportRun)).scalar_one()
    acme, globex, initech = partners["P-1"], partners["P-2"], partners["P-3"]
    assert (acme.name, acme.aliases, acme.type, acme.tier, acme.region, acme.segment) == (
        "Acme",
        "ACME Corp|Acme Inc",
        "reseller",
        "Gold",
        "EMEA",
        "Enterprise",
    )
    assert (acme.owner_email, acme.onboarded_on, acme.status, acme.slack_channel) == (
        "olga@example.com",
        date(2026, 1, 1),
        "active",
        "C0ACME001",
    )
    assert (globex.aliases, globex.status, globex.slack_channel) == (None, "active", None)  # empty status: active
    assert (initech.status, initech.owner_email, initech.onboarded_on) == ("sunset", None, None)
    assert acme.updated_at == NOW
    assert (run.kind, run.inserted, run.updated, run.unchanged, run.rejected, run.finished_at) == (
        "partners",
        3,
        0,
        0,
        0,
        NOW,
    )
    assert run.source.endswith("seed-partners.csv")


def test_people(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "people.csv",
        "email,name,slack_user_id,role,manager_email,time_zone\n"
        "Olga@Example.com, Olga Owner ,u0olga001,Manager,Pat@example.com,europe/london\n"
        "pat@example.com,Pat,,admin,,America/New_York\n"
        "sam@example.com,,,,,\n",
    )
    assert load(db, "people", path).summary() == "people: 3 inserted, 0 updated, 0 unchanged, 0 rejected"
    with db.session() as session:
        people = {p.email: p for p in session.execute(select(Person)).scalars()}
    olga = people["olga@example.com"]
    assert (olga.name, olga.slack_user_id, olga.role, olga.manager_email, olga.time_zone) == (
        "Olga Owner",
        "U0OLGA001",
        "manager",
        "pat@example.com",
        "Europe/London",
    )
    assert (people["sam@example.com"].name, people["sam@example.com"].role) == (None, None)


def test_deals_convert_currency_and_start_their_stage_history(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    report = load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    assert report.summary() == "deals: 4 inserted, 0 updated, 0 unchanged, 0 rejected"
    with db.session() as session:
        deals = {d.external_id: d for d in session.execute(select(Deal)).scalars()}
        acme = session.execute(select(Partner.id).where(Partner.external_id == "P-1")).scalar_one()
        history = {
            external: (stage, entered, left)
            for external, stage, entered, left in session.execute(
                select(Deal.external_id, StageChange.stage, StageChange.entered_at, StageChange.left_at).join(
                    StageChange, StageChange.deal_id == Deal.id
                )
            )
        }
    won, eur, direct, no_amount = deals["D-1"], deals["D-2"], deals["D-3"], deals["D-4"]
    assert (won.partner_id, won.attribution, won.outcome, won.amount_minor, won.amount_base_minor) == (
        acme,
        "sourced",
        "won",
        1_250_000,
        1_250_000,
    )
    assert (won.closed_on, won.registered_on, won.currency, won.account) == (
        date(2026, 2, 10),
        date(2026, 1, 18),
        "USD",
        "Hooli",
    )
    assert (eur.amount_minor, eur.currency, eur.amount_base_minor) == (200_000, "EUR", 220_000)
    assert eur.closed_on is None  # an open deal's close date is only its expected close
    assert (direct.partner_id, direct.attribution) == (None, "direct")
    assert (no_amount.amount_minor, no_amount.amount_base_minor, no_amount.currency) == (None, None, "USD")
    # first seen already closed, in a stage that is no pipeline stage: it entered that stage when it closed
    assert history["D-1"] == ("Closed Won", datetime(2026, 2, 10, tzinfo=UTC), None)
    assert history["D-2"] == ("Proposal", datetime(2026, 3, 1, tzinfo=UTC), None)
    assert history["D-4"] == ("Qualification", datetime(2026, 5, 2, tzinfo=UTC), None)
    first_win = {(c.partner_id, c.step): c for c in report.milestone_changes}[(acme, "first_win")]
    assert (first_win.before, first_win.after, first_win.deal_id) == (None, datetime(2026, 2, 10, tzinfo=UTC), won.id)


def test_a_won_deal_in_a_pipeline_stage_advanced_at_its_close(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    content = (
        "deal_id,partner_id,attribution,amount,stage,created_on,closed_on,outcome,stage_entered_at\n"
        "D-1,P-1,sourced,100,Negotiation,2026-01-20,2026-02-10,won,\n"
        "D-2,P-1,sourced,100,Proposal,2026-01-20,2026-03-01,lost,2026-02-01T10:00:00+01:00\n"
    )
    load(db, "deals", write(tmp_path, "deals.csv", content))
    with db.session() as session:
        stays = {
            external: (entered, left, tenths, advanced, terminal, is_partner)
            for external, entered, left, tenths, advanced, terminal, is_partner in session.execute(
                select(
                    Deal.external_id,
                    StageChange.entered_at,
                    StageChange.left_at,
                    StageChange.stay_tenths,
                    StageChange.advanced_at,
                    StageChange.terminal,
                    StageChange.is_partner,
                ).join(StageChange, StageChange.deal_id == Deal.id)
            )
        }
    close = datetime(2026, 2, 10, tzinfo=UTC)
    assert stays["D-1"] == (datetime(2026, 1, 20, tzinfo=UTC), close, 210, close, False, True)
    assert stays["D-2"] == (
        datetime(2026, 2, 1, 9, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
        276,
        None,
        False,
        True,
    )


def test_imported_stays_and_milestones_agree_with_the_rollups(db: Database, tmp_path: Path) -> None:
    """The importer derives a new deal's first stay itself; the rollups, run from scratch, must find nothing to fix."""
    configure(db, time_zone="America/New_York", currency_rates="EUR=1.10")
    load(db, "partners", write(tmp_path, "p.csv", "partner_id,name,onboarded_on\nP-1,Acme,2026-01-01\nP-2,Globex,\n"))
    content = (
        "deal_id,partner_id,attribution,amount,currency,stage,created_on,closed_on,outcome,stage_entered_at\n"
        "D-1,P-1,sourced,100,USD,Closed Won,2026-01-20,2026-03-08,won,\n"
        "D-2,P-1,influenced,100,EUR,Negotiation,2026-01-20,2026-03-08,won,\n"
        "D-3,P-2,sourced,,,Prospecting,2026-03-07,,open,2026-03-08T02:30:00\n"
        "D-4,,direct,50,USD,Proposal,2025-11-01,2026-11-01,lost,\n"
        "D-5,P-2,sourced,10,USD,Closed Lost,2026-02-01,2026-01-15,lost,\n"
        "D-6,P-2,influenced,10,USD,proposal,2026-02-01,,open,2026-02-03 09:00\n"
        "D-7,,direct,,,,2026-02-01,,open,\n"
    )
    report = load(db, "deals", write(tmp_path, "deals.csv", content))
    assert report.inserted == 7
    with db.transaction() as session:
        config = load_config(session)
        assert refresh_stage_stays(session, deal_ids=None, config=config) == 0
        assert refresh_milestones(session, partner_ids=None, config=config) == []
        stage = session.execute(select(Deal.stage).where(Deal.external_id == "D-6")).scalar_one()
        started = session.execute(
            select(StageChange.entered_at).join(Deal).where(Deal.external_id == "D-1")
        ).scalar_one()
    assert stage == "Proposal"  # a configured stage in its configured spelling
    assert started == datetime(2026, 3, 8, 5, tzinfo=UTC)  # New York midnight of the close date


def test_stage_changes(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    content = (
        "deal_id,stage,entered_at\n"
        "D-2,Prospecting,2026-02-25T09:00:00+01:00\n"
        "D-2,qualification,2026-02-27\n"
        "D-4,Proposal,2026-05-20T10:00:00Z\n"
    )
    report = load(db, "stage_changes", write(tmp_path, "stages.csv", content))
    assert report.summary() == "stage_changes: 3 inserted, 0 updated, 0 unchanged, 0 rejected"
    with db.session() as session:
        history = session.execute(
            select(StageChange.stage, StageChange.entered_at, StageChange.seq, StageChange.left_at)
            .join(Deal)
            .where(Deal.external_id == "D-2")
            .order_by(StageChange.seq)
        ).all()
    assert [tuple(h) for h in history] == [
        ("Prospecting", datetime(2026, 2, 25, 8, tzinfo=UTC), 1, datetime(2026, 2, 27, tzinfo=UTC)),
        ("Qualification", datetime(2026, 2, 27, tzinfo=UTC), 2, datetime(2026, 3, 1, tzinfo=UTC)),
        ("Proposal", datetime(2026, 3, 1, tzinfo=UTC), 3, None),
    ]
    with db.session() as session:
        globex = session.execute(select(Partner.id).where(Partner.external_id == "P-2")).scalar_one()
    assert [(c.partner_id, c.step, c.after) for c in report.milestone_changes] == [
        (globex, "first_qualified_opportunity", datetime(2026, 5, 20, 10, tzinfo=UTC))
    ]


def test_intros_read_times_without_offset_in_the_program_time_zone(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    configure(db, time_zone="Asia/Kolkata")
    content = (
        "intro_id,partner_id,introduced_at,account,seller_email,first_response_at,next_step_at,outcome\n"
        "I-1,P-1,2026-06-01 09:00,Hooli,Sam@Example.com,2026-06-01T13:30:00Z,,\n"
        "I-2,P-2,2026-06-02,,,,,no fit\n"
    )
    report = load(db, "intros", write(tmp_path, "intros.csv", content))
    assert report.inserted == 2
    with db.session() as session:
        intros = {i.external_id: i for i in session.execute(select(Intro)).scalars()}
        acme = session.execute(select(Partner.id).where(Partner.external_id == "P-1")).scalar_one()
    first = intros["I-1"]
    assert (first.partner_id, first.introduced_at, first.first_response_at, first.seller_email) == (
        acme,
        datetime(2026, 6, 1, 3, 30, tzinfo=UTC),
        datetime(2026, 6, 1, 13, 30, tzinfo=UTC),
        "sam@example.com",
    )
    assert (intros["I-2"].introduced_at, intros["I-2"].outcome) == (datetime(2026, 6, 1, 18, 30, tzinfo=UTC), "no fit")
    assert {(c.partner_id, c.step) for c in report.milestone_changes} >= {(acme, "first_selling_action")}


def test_activities(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    content = (
        "partner_id,kind,occurred_at,contact,detail\n"
        "P-1,Training Completed,2026-01-05,,PARTNER-101\n"
        "P-1,login,2026-06-10T10:00:00.750Z,Jo@Acme.example,\n"
        "P-1,login,2026-06-10T10:00:00Z,,\n"
        "P-2,co-sell call,2026-03-01 15:00,Kim Lee,QBR prep\n"
    )
    assert load(db, "activities", write(tmp_path, "a.csv", content)).inserted == 4
    with db.session() as session:
        rows = sorted(
            tuple(r)
            for r in session.execute(
                select(
                    Partner.external_id, Activity.kind, Activity.occurred_at, Activity.contact, Activity.detail
                ).join(Partner, Partner.id == Activity.partner_id)
            )
        )
    assert rows == [
        ("P-1", "login", datetime(2026, 6, 10, 10, tzinfo=UTC), "", None),
        ("P-1", "login", datetime(2026, 6, 10, 10, tzinfo=UTC), "jo@acme.example", None),  # whole seconds
        ("P-1", "training_completed", datetime(2026, 1, 5, tzinfo=UTC), "", "PARTNER-101"),
        ("P-2", "co_sell_call", datetime(2026, 3, 1, 15, tzinfo=UTC), "Kim Lee", "QBR prep"),
    ]


def test_surveys(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    content = (
        "partner_id,responded_on,score,respondent,comment\nP-1,2026-05-01,9,Jo@Acme.example,Great\nP-1,2026-05-01,6,,\n"
    )
    assert load(db, "surveys", write(tmp_path, "s.csv", content)).inserted == 2
    with db.session() as session:
        surveys = sorted((s.respondent, s.score, s.comment) for s in session.execute(select(Survey)).scalars())
    assert surveys == [("", 6, None), ("jo@acme.example", 9, "Great")]


def test_goals(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    content = (
        "partner_id,metric,period,target,target_date\n"
        "P-1,sourced_revenue,2026-q2,50000,\n"
        "P-1,registered_deals,2026-07-01..2026-09-30,4,\n"
        "P-2,first_win_by,2026-06-01,,2026-09-30\n"
        'P-2,sourced_pipeline,Q4 2026,"$120,000",\n'
    )
    assert load(db, "goals", write(tmp_path, "g.csv", content)).inserted == 4
    with db.session() as session:
        goals = {g.metric: g for g in session.execute(select(Goal)).scalars()}
    revenue, deals, first_win, pipeline = (
        goals["sourced_revenue"],
        goals["registered_deals"],
        goals["first_win_by"],
        goals["sourced_pipeline"],
    )
    assert (revenue.period, revenue.period_start, revenue.period_end, revenue.target) == (
        "2026-Q2",
        date(2026, 4, 1),
        date(2026, 7, 1),
        5_000_000,  # money targets in hundredths, like amounts
    )
    assert (deals.period, deals.period_start, deals.period_end, deals.target) == (
        "2026-07-01..2026-09-30",
        date(2026, 7, 1),
        date(2026, 10, 1),
        4,
    )
    assert (first_win.period_start, first_win.period_end, first_win.target, first_win.target_date) == (
        date(2026, 6, 1),
        date(2026, 10, 1),
        None,
        date(2026, 9, 30),
    )
    assert (pipeline.period, pipeline.period_end, pipeline.target) == ("2026-Q4", date(2027, 1, 1), 12_000_000)


def test_json_lines(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    path = write(
        tmp_path,
        "deals.jsonl",
        '{"deal_id": "D-9", "partner_id": "P-1", "attribution": "sourced", "outcome": "won", "amount": 1234.5,'
        ' "currency": "EUR", "created_on": "2026-01-02", "closed_on": "2026-02-03", "stage": null}\n'
        "\n"
        '{"deal_id": 10, "attribution": "direct", "outcome": "open", "created_on": "2026-03-04", "extra": {"a": 1}}\n',
    )
    assert load(db, "deals", path).summary() == "deals: 2 inserted, 0 updated, 0 unchanged, 0 rejected"
    partners = write(
        tmp_path,
        "partners.jsonl",
        '{"partner_id": "P-7", "name": "Seven", "aliases": ["7 Systems", "Seven Inc"], "onboarded_on": "2026-02-01"}\n',
    )
    assert load(db, "partners", partners).inserted == 1
    with db.session() as session:
        deals = {d.external_id: d for d in session.execute(select(Deal)).scalars()}
        aliases = session.execute(select(Partner.aliases).where(Partner.external_id == "P-7")).scalar_one()
    assert (deals["D-9"].amount_minor, deals["D-9"].amount_base_minor, deals["D-9"].stage) == (123_450, 135_795, None)
    assert deals["10"].outcome == "open"
    assert aliases == "7 Systems|Seven Inc"


def test_progress_is_reported_as_rows_are_written(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    seen: list[tuple[int, int]] = []
    load(db, "deals", write(tmp_path, "deals.csv", DEALS), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4, 4) and all(total == 4 for _, total in seen)


def test_onboarding_moves_milestones(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    report = load(db, "partners", write(tmp_path, "p.csv", "partner_id,name,onboarded_on\nP-3,Initech,2026-02-02\n"))
    with db.session() as session:
        initech = session.execute(select(Partner.id).where(Partner.external_id == "P-3")).scalar_one()
        steps = set(
            session.execute(select(PartnerMilestone.step).where(PartnerMilestone.partner_id == initech)).scalars()
        )
    assert report.updated == 1
    assert steps == {"enabled"}
    assert [(c.partner_id, c.step, c.after) for c in report.milestone_changes] == [
        (initech, "enabled", datetime(2026, 2, 2, tzinfo=UTC))
    ]
