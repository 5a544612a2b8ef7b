"""A HubSpot deals export as HubSpot writes it, imported from the command line with the `hubspot` preset: owners by
name through the people table, decimals, blank close dates, HubSpot's extra columns, and an unknown owner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

import storage
from storage.db import Database
from storage.models import Deal, Partner
from tests.bot.conftest import Cli
from tests.storage.test_import_support import FIXTURES

EXPORT = "hubspot_deals_export.csv"
UNKNOWN_OWNER = (
    "line 6: column Deal owner: no person is named 'Dana Whitfield' — import people first (partnerbot import people "
    "FILE, with their names and emails), or put the email in this column"
)


@pytest.fixture
def store(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return db


def test_hubspot_export_end_to_end(store: Database, tmp_path: Path, cli: Cli) -> None:
    for kind, fixture in (("people", "prm_people.csv"), ("partners", "prm_partners.csv")):
        code, _, err = cli("import", kind, str(FIXTURES / fixture), "--mapping", kind)
        assert code == 0, err
    export = Path(shutil.copy(FIXTURES / EXPORT, tmp_path / EXPORT))

    code, _, err = cli("import", "deals", str(export), "--mapping", "hubspot")
    assert code == 1
    assert err.splitlines()[0] == UNKNOWN_OWNER
    assert "deals: 0 inserted, 0 updated, 0 unchanged, 1 rejected" in err
    with store.session() as session:
        assert session.execute(select(func.count()).select_from(Deal)).scalar_one() == 0

    code, out, _ = cli("import", "deals", str(export), "--mapping", "hubspot", "--skip-invalid")
    assert code == 0
    assert out.splitlines()[0] == "deals: 6 inserted, 0 updated, 0 unchanged, 1 rejected"
    rejected = (tmp_path / "hubspot_deals_export.rejected.csv").read_text(encoding="utf-8")
    assert "Gringotts - Pilot" in rejected and "no person is named 'Dana Whitfield'" in rejected

    with store.session() as session:
        partner = dict(session.execute(select(Partner.id, Partner.external_id)).all())
        deals = {
            d.external_id.removeprefix("184372300"): (
                d.owner_email,
                d.amount_minor,
                d.outcome,
                d.stage,
                None if d.closed_on is None else d.closed_on.isoformat(),
                d.attribution,
                None if d.partner_id is None else partner[d.partner_id],
            )
            for d in session.execute(select(Deal)).scalars()
        }
    sam, ria, olga = "sam.seller@example.com", "ria.rep@example.com", "olga.owner@example.com"
    assert deals == {
        "11": (sam, 2_400_050, "won", "Closed Won", "2026-03-20", "sourced", "001A000002"),
        "12": (ria, 125_075, "open", "Negotiation", None, "influenced", "001A000001"),  # "ria rep"
        "13": (ria, None, "open", "Prospecting", None, "direct", None),
        "14": (sam, 5_600_000, "open", "Proposal", None, "sourced", "001A000001"),  # "SAM  SELLER"; expected close
        "16": (sam, 999_999, "open", "Proposal", None, "sourced", "001A000004"),  # an email works as before
        "17": (olga, 320_040, "won", "Closed Won", "2026-04-30", "sourced", "001A000001"),
    }
    # worked by hand: won sourced 24,000.50 + 3,200.40; open pipeline 1,250.75 + 56,000.00 + 9,999.99 (Tyrell has
    # no amount); Sam's deals 24,000.50 + 56,000.00 + 9,999.99
    won = sum(v[1] or 0 for v in deals.values() if v[2] == "won" and v[5] == "sourced")
    open_value = sum(v[1] or 0 for v in deals.values() if v[2] == "open")
    sams = sum(v[1] or 0 for v in deals.values() if v[0] == sam)
    assert (won, open_value, sams) == (2_720_090, 6_725_074, 9_000_049)

    code, out, _ = cli("import", "deals", str(export), "--mapping", "hubspot", "--skip-invalid")
    assert (code, out.splitlines()[0]) == (0, "deals: 0 inserted, 0 updated, 6 unchanged, 1 rejected")


def test_onboarding_derived_from_the_first_hubspot_deal_shows_on_the_scorecard(
    store: Database, tmp_path: Path, cli: Cli
) -> None:
    """A partner list without onboarding dates, with the partners preset and the first-deal rule added: the dates
    come with the HubSpot deals, and the scorecard says they are derived."""
    partners = tmp_path / "partners.csv"
    partners.write_text(
        (FIXTURES / "prm_partners.csv").read_text(encoding="utf-8").replace('"01/15/2026"', '""'), encoding="utf-8"
    )
    mapping = tmp_path / "partners.toml"
    preset = (Path(storage.__file__).parent / "presets" / "partners.toml").read_text(encoding="utf-8")
    mapping.write_text(preset + '\n[onboarding]\nwhen_missing = "first_deal"\n', encoding="utf-8")
    assert cli("import", "people", str(FIXTURES / "prm_people.csv"), "--mapping", "people")[0] == 0
    code, out, _ = cli("import", "partners", str(partners), "--mapping", str(mapping))
    assert code == 0
    assert out.splitlines()[1].startswith(
        "onboarding dates: 2 partners without one in the export take their first partner deal's day (registered or "
        "created, the earlier), shown as derived; 2 with no partner deal yet until one is imported; a derived date "
        "starts the activation clock at that deal"
    )
    export = Path(shutil.copy(FIXTURES / EXPORT, tmp_path / EXPORT))
    code, out, _ = cli("import", "deals", str(export), "--mapping", "hubspot", "--skip-invalid")
    assert code == 0
    assert "onboarding dates derived from the first deal: 1 partner got or moved its date" in out
    # Acme's partner deals were created 2026-04-11, 2026-05-12 and 2026-04-01: the first is Acme - Renewal, won
    # 2026-04-30, 29 days later
    code, out, _ = cli("ask", "/partner acme", "--as-of", "2026-06-15")
    card = " ".join(out.split())
    assert code == 0
    assert "onboarded 2026-04-01 (derived: first deal)" in card and "first win after 29 d" in card
    code, out, _ = cli("ask", "/partner initech", "--as-of", "2026-06-15")  # no deal: still unknown
    assert "onboarding date unknown" in " ".join(out.split())
