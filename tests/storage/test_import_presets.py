"""The shipped presets, end to end on realistic sample exports in tests/fixtures/imports/."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.importing import ImportReport
from storage.importing.kinds import KINDS
from storage.importing.mapping import load_mapping, preset_names
from storage.models import Deal, Partner, Person, StageChange
from tests.storage.test_import_support import FIXTURES, LATER, configure, load


def program(db: Database) -> None:
    """The sample program: people and partners from the PRM, with rates for the deals' currencies."""
    configure(db, currency_rates="EUR=1.10,GBP=1.25")
    assert load(db, "people", FIXTURES / "prm_people.csv", mapping="people").inserted == 5
    assert load(db, "partners", FIXTURES / "prm_partners.csv", mapping="partners").inserted == 4


def test_every_preset_parses_and_names_only_its_kinds_fields() -> None:
    assert preset_names() == ["hubspot", "partners", "people", "salesforce"]
    for name in preset_names():
        mapping = load_mapping(name)
        assert mapping.kind is not None
        mapping.check_for(mapping.kind, KINDS[mapping.kind].names)


def test_people_preset(db: Database) -> None:
    program(db)
    with db.session() as session:
        people = {p.email: p for p in session.execute(select(Person)).scalars()}
    olga, pat, hana, sam, ria = (
        people[e]
        for e in (
            "olga.owner@example.com",
            "pat.manager@example.com",
            "hana.head@example.com",
            "sam.seller@example.com",
            "ria.rep@example.com",
        )
    )
    assert (olga.name, olga.role, olga.manager_email, olga.time_zone, olga.slack_user_id) == (
        "Olga Owner",
        "viewer",
        "pat.manager@example.com",
        "Europe/London",
        None,
    )
    assert (pat.role, pat.slack_user_id, hana.role, hana.manager_email) == ("manager", "U0PATMGR1", "admin", None)
    assert (sam.role, sam.time_zone, sam.slack_user_id) == ("viewer", "America/Chicago", "W0SAMSELL")
    assert ria.role is None


def test_partners_preset(db: Database) -> None:
    program(db)
    with db.session() as session:
        partners = {p.external_id: p for p in session.execute(select(Partner)).scalars()}
    acme, globex, initech, hooli = (partners[f"001A00000{i}"] for i in range(1, 5))
    assert (acme.name, acme.type, acme.tier, acme.region, acme.segment, acme.owner_email) == (
        "Acme",
        "reseller",
        "Gold",
        "EMEA",
        "Enterprise",
        "olga.owner@example.com",
    )
    assert (acme.onboarded_on, acme.status, acme.slack_channel, acme.aliases) == (
        date(2026, 1, 15),
        "active",
        "C0ACME001",
        "ACME Corp|Acme Inc.",
    )
    assert (globex.status, globex.onboarded_on, globex.slack_channel) == ("active", date(2025, 6, 1), None)
    assert (initech.status, initech.sunset_on, initech.onboarded_on, initech.tier) == (
        "sunset",
        date(2026, 3, 31),
        None,
        None,
    )
    assert (hooli.type, hooli.aliases) == ("si", "Hooli SI|Hooli Consulting")


def deals_by_id(db: Database) -> dict[str, Deal]:
    with db.session() as session:
        return {d.external_id: d for d in session.execute(select(Deal)).scalars()}


def test_salesforce_preset(db: Database) -> None:
    program(db)
    report = load(db, "deals", FIXTURES / "salesforce_opportunities.csv", mapping="salesforce")
    assert report.summary() == "deals: 7 inserted, 0 updated, 0 unchanged, 0 rejected"
    deals = deals_by_id(db)
    with db.session() as session:
        partner = dict(session.execute(select(Partner.external_id, Partner.id)).all())
        stages = dict(
            session.execute(
                select(Deal.external_id, StageChange.stage).join(StageChange, StageChange.deal_id == Deal.id)
            ).all()
        )
    hooli = deals["0065g00000AbCdEAA1"]
    assert (hooli.attribution, hooli.outcome, hooli.partner_id, hooli.stage) == (
        "sourced",
        "won",
        partner["001A000001"],
        "Closed Won",
    )
    assert (hooli.amount_minor, hooli.currency, hooli.created_on, hooli.closed_on, hooli.registered_on) == (
        12_500_000,
        "USD",
        date(2026, 1, 20),
        date(2026, 2, 28),
        date(2026, 1, 18),
    )
    assert (hooli.name, hooli.account, hooli.owner_email) == ("Hooli - Platform", "Hooli", "sam.seller@example.com")
    umbrella = deals["0065g00000AbCdFAA1"]
    assert (umbrella.attribution, umbrella.stage, umbrella.outcome, umbrella.closed_on) == (
        "influenced",
        "Negotiation",
        "open",
        None,
    )
    assert (umbrella.amount_minor, umbrella.amount_base_minor) == (8_000_000, 8_800_000)
    wayne = deals["0065g00000AbCdGAA1"]
    assert (wayne.attribution, wayne.partner_id, wayne.outcome) == ("direct", None, "lost")
    stark = deals["0065g00000AbCdHAA1"]
    assert (stark.stage, stark.amount_minor, stark.partner_id) == ("Qualification", None, partner["001A000002"])
    cyberdyne = deals["0065g00000AbCdIAA1"]  # no Partner Involvement: Lead Source "Partner Referral" decides
    assert (cyberdyne.attribution, cyberdyne.stage, cyberdyne.amount_minor, cyberdyne.amount_base_minor) == (
        "sourced",
        "Proposal",
        3_250_000,
        4_062_500,
    )
    assert (deals["0065g00000AbCdJAA1"].attribution, deals["0065g00000AbCdJAA1"].name) == (
        "direct",
        "Soylent, Inc. - Add-on",
    )
    assert stages["0065g00000AbCdHAA1"] == "Qualification" and stages["0065g00000AbCdEAA1"] == "Closed Won"


def test_hubspot_preset(db: Database) -> None:
    program(db)
    report = load(db, "deals", FIXTURES / "hubspot_deals.csv", mapping="hubspot")
    assert report.summary() == "deals: 5 inserted, 0 updated, 0 unchanged, 0 rejected"
    deals = deals_by_id(db)
    vandelay, soylent, tyrell, massive, gringotts = (deals[str(i)] for i in range(9001, 9006))
    assert (vandelay.outcome, vandelay.attribution, vandelay.closed_on, vandelay.created_on) == (
        "won",
        "sourced",
        date(2026, 3, 20),
        date(2026, 2, 3),
    )
    assert (vandelay.amount_minor, vandelay.account, vandelay.owner_email) == (
        2_400_000,
        "Vandelay Industries",
        "sam.seller@example.com",
    )
    assert (soylent.stage, soylent.attribution, soylent.amount_base_minor, soylent.closed_on) == (
        "Negotiation",
        "influenced",
        2_250_000,
        None,
    )
    assert (tyrell.attribution, tyrell.partner_id, tyrell.stage, tyrell.amount_minor) == (
        "direct",
        None,
        "Prospecting",
        None,
    )
    assert (massive.stage, massive.currency, massive.amount_base_minor) == ("Proposal", "EUR", 6_160_000)
    assert (gringotts.outcome, gringotts.stage, gringotts.closed_on) == ("lost", "Closed Lost", date(2026, 6, 2))


@pytest.mark.parametrize(
    ("fixture", "mapping", "kind"),
    [
        ("prm_people.csv", "people", "people"),
        ("prm_partners.csv", "partners", "partners"),
        ("salesforce_opportunities.csv", "salesforce", "deals"),
        ("hubspot_deals.csv", "hubspot", "deals"),
    ],
)
def test_presets_reimport_unchanged(db: Database, fixture: str, mapping: str, kind: str) -> None:
    program(db)
    if kind == "deals":
        load(db, kind, FIXTURES / fixture, mapping=mapping)
    report: ImportReport = load(db, kind, FIXTURES / fixture, mapping=mapping, now=LATER)
    assert (report.inserted, report.updated, report.rejected) == (0, 0, 0)
    assert report.unchanged > 0


def test_hubspot_times_follow_the_program_time_zone(db: Database) -> None:
    configure(db, time_zone="America/Los_Angeles", currency_rates="EUR=1.10,GBP=1.25")
    load(db, "partners", FIXTURES / "prm_partners.csv", mapping="partners")
    load(db, "deals", FIXTURES / "hubspot_deals.csv", mapping="hubspot")
    with db.session() as session:
        entered = session.execute(
            select(StageChange.entered_at).join(Deal).where(Deal.external_id == "9003")
        ).scalar_one()
    assert entered == datetime(2026, 5, 1, 7, tzinfo=UTC)  # created 2026-05-01: Los Angeles midnight


def test_generic_exports_need_no_mapping(db: Database) -> None:
    configure(db, currency_rates="EUR=1.10")
    assert load(db, "partners", FIXTURES / "partners.csv").summary() == (
        "partners: 3 inserted, 0 updated, 0 unchanged, 0 rejected"
    )
    assert (
        load(db, "deals", FIXTURES / "deals.csv").summary() == "deals: 3 inserted, 0 updated, 0 unchanged, 0 rejected"
    )
    deals = deals_by_id(db)
    assert (deals["D-1"].amount_minor, deals["D-2"].amount_base_minor, deals["D-3"].attribution) == (
        1_250_000,
        880_000,
        "direct",
    )
