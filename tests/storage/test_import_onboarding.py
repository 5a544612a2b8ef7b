"""A partners mapping's [onboarding] when_missing = "first_deal": a missing onboarding date is derived from the
partner's first deal, stored and shown as derived, follows later deals, and gives way to a date the data gives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from reports.config import STEP_ENABLED
from storage.db import Database
from storage.importing import ImportFileError
from storage.loaders.partners import load_partner_profile
from storage.models import Partner, PartnerMilestone
from tests.storage.test_import_support import LATER, load, write

PARTNERS = "partner_id,name,onboarded_on\nP-1,Acme,2026-01-01\nP-2,Globex,\nP-3,Initech,\n"
DEALS = (
    "deal_id,partner_id,attribution,outcome,created_on,registered_on\n"
    "D-1,P-2,sourced,open,2026-03-10,2026-03-05\n"  # its first day: registered 03-05
    "D-2,P-2,influenced,open,2026-02-20,\n"  # created 02-20: the first deal day
    "D-3,,direct,open,2026-01-05,\n"  # a direct deal belongs to no partner
    "D-4,P-1,sourced,open,2025-12-01,\n"  # P-1's date is its data's own: left as it is
)
RULE = '[onboarding]\nwhen_missing = "first_deal"\n'


def onboarding(db: Database) -> dict[str, tuple[date | None, str | None]]:
    with db.session() as session:
        rows = session.execute(select(Partner.external_id, Partner.onboarded_on, Partner.onboarding_source))
        return {external_id: (on, source) for external_id, on, source in rows}


def enabled_at(db: Database, external_id: str) -> datetime | None:
    with db.session() as session:
        return session.execute(
            select(PartnerMilestone.reached_at)
            .join(Partner, Partner.id == PartnerMilestone.partner_id)
            .where(Partner.external_id == external_id, PartnerMilestone.step == STEP_ENABLED)
        ).scalar_one_or_none()


def test_a_missing_onboarding_date_follows_the_first_deal(db: Database, tmp_path: Path) -> None:
    mapping = str(write(tmp_path, "partners.toml", RULE))
    partners = write(tmp_path, "partners.csv", PARTNERS)
    report = load(db, "partners", partners, mapping=mapping)
    assert report.notes == [
        "onboarding dates: 2 partners without one in the export take their first partner deal's day (registered "
        "or created, the earlier), shown as derived; 2 with no partner deal yet until one is imported; a derived "
        "date starts the activation clock at that deal, so their runway (onboarded → first selling action) and "
        "time to first revenue read shorter than from a real onboarding date"
    ]
    assert onboarding(db) == {
        "P-1": (date(2026, 1, 1), None),
        "P-2": (None, "first_deal"),
        "P-3": (None, "first_deal"),
    }

    report = load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    assert report.notes[0].startswith(
        "onboarding dates derived from the first deal: 1 partner got or moved its date with these deals; "
    )
    assert onboarding(db)["P-2"] == (date(2026, 2, 20), "first_deal")
    assert onboarding(db)["P-1"] == (date(2026, 1, 1), None)
    assert enabled_at(db, "P-2") == datetime(2026, 2, 20, tzinfo=UTC)  # no required courses: enabled at onboarding
    with db.session() as session:
        globex = session.execute(select(Partner.id).where(Partner.external_id == "P-2")).scalar_one()
        profile = load_partner_profile(session, partner_id=globex)
    assert profile is not None and profile.onboarded_text() == "2026-02-20 (derived: first deal)"

    earlier = "deal_id,partner_id,attribution,outcome,created_on\nD-5,P-2,sourced,open,2026-02-01\n"
    load(db, "deals", write(tmp_path, "earlier.csv", earlier), now=LATER)
    assert onboarding(db)["P-2"] == (date(2026, 2, 1), "first_deal")
    assert enabled_at(db, "P-2") == datetime(2026, 2, 1, tzinfo=UTC)

    again = load(db, "partners", partners, mapping=mapping, now=LATER)  # the same export: nothing changes
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)

    given = "partner_id,name,onboarded_on\nP-2,Globex,2026-01-15\n"
    load(db, "partners", write(tmp_path, "given.csv", given), mapping=mapping, now=LATER)
    assert onboarding(db)["P-2"] == (date(2026, 1, 15), None)  # the data's own date wins and clears the mark
    load(db, "deals", write(tmp_path, "later.csv", earlier.replace("D-5", "D-6").replace("02-01", "01-02")))
    assert onboarding(db)["P-2"] == (date(2026, 1, 15), None)


def test_without_an_onboarding_column_a_given_date_stays(db: Database, tmp_path: Path) -> None:
    load(db, "partners", write(tmp_path, "partners.csv", PARTNERS))
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    names = write(tmp_path, "names.csv", "partner_id,name\nP-1,Acme Inc\nP-2,Globex\n")
    report = load(db, "partners", names, mapping=str(write(tmp_path, "partners.toml", RULE)))
    assert onboarding(db) == {
        "P-1": (date(2026, 1, 1), None),  # its earlier export's date is kept, not derived
        "P-2": (date(2026, 2, 20), "first_deal"),
        "P-3": (None, None),  # not in this file
    }
    assert report.notes[0].startswith("onboarding dates: 1 partner without one in the export takes its")


def test_without_the_rule_missing_dates_are_reported(db: Database, tmp_path: Path) -> None:
    report = load(db, "partners", write(tmp_path, "partners.csv", PARTNERS))
    assert report.notes == [
        "onboarding dates: 2 partners have none, so they are left out of activation KPIs (listed as 'onboarding date "
        'unknown\'); add onboarded_on to the export; or derive it with [onboarding] when_missing = "first_deal" in '
        "the mapping"
    ]
    assert onboarding(db)["P-2"] == (None, None)


@pytest.mark.parametrize(
    ("kind", "toml", "message"),
    [
        ("deals", RULE, "mapping bad.toml: [onboarding] is for partners imports, not deals: remove it"),
        ("partners", '[onboarding]\nwhen_missing = "first_login"\n', 'takes when_missing = "first_deal"'),
        ("partners", '[onboarding]\nrule = "first_deal"\n', 'takes when_missing = "first_deal"'),
    ],
)
def test_bad_onboarding_sections(db: Database, tmp_path: Path, kind: str, toml: str, message: str) -> None:
    path = write(tmp_path, "file.csv", PARTNERS if kind == "partners" else DEALS)
    with pytest.raises(ImportFileError) as error:
        load(db, kind, path, mapping=str(write(tmp_path, "bad.toml", toml)))
    assert message in str(error.value)
