"""Why a deal is sourced: every import and event records what set its attribution, and a decided dispute holds.

The fixture is `test_import_support`'s: D-1 sourced won (Acme's first win), D-2 influenced open (Acme), D-3
direct, D-4 sourced open (Globex).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.ingest import ingest
from storage.db import Database
from storage.disputes import DisputeError, decide_dispute, load_deal, load_disputes, load_trace, open_dispute
from storage.models import AttributionChange, Deal, PartnerMilestone, StageChange
from storage.program import load_config
from tests.storage.test_import_support import DEALS, LATER, load, seeded, write

DECIDED_AT = LATER + timedelta(days=1)
AFTER = DECIDED_AT + timedelta(days=1)


def _changes(db: Database, external_id: str) -> list[tuple[object, ...]]:
    with db.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    AttributionChange.origin,
                    AttributionChange.attribution,
                    AttributionChange.previous,
                    AttributionChange.source,
                    AttributionChange.field,
                    AttributionChange.raw_value,
                    AttributionChange.reference,
                )
                .join(Deal, Deal.id == AttributionChange.deal_id)
                .where(Deal.external_id == external_id)
                .order_by(AttributionChange.id)
            )
        ]


def _count(db: Database) -> int:
    with db.session() as session:
        return session.execute(select(func.count()).select_from(AttributionChange)).scalar_one()


def test_an_import_records_each_new_deal_and_each_change_once(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    assert _changes(db, "D-2") == [("import", "influenced", None, "deals.csv", "attribution", "influenced", "line 3")]
    assert _count(db) == 4  # one per new deal
    load(db, "deals", write(tmp_path, "deals.csv", DEALS), now=LATER)  # the same file: nothing changed
    assert _count(db) == 4
    newer = DEALS.replace("D-2,P-1,influenced", "D-2,P-1,sourced").replace("D-4,P-2,sourced", "D-4,P-1,sourced")
    report = load(db, "deals", write(tmp_path, "newer.csv", newer), now=LATER)
    assert report.updated == 2
    assert _changes(db, "D-2")[-1] == (
        "import",
        "sourced",
        "influenced",
        "newer.csv",
        "attribution",
        "sourced",
        "line 3",
    )
    with db.session() as session:  # a partner moving is a change of credit, recorded with both partners
        (d4,) = list(load_trace(session, deal_id=_id(db, "D-4")))[:1]
    assert (d4.attribution, d4.previous, d4.partner_name, d4.previous_partner_name) == (
        "sourced",
        "sourced",
        "Acme",
        "Globex",
    )
    assert d4.changed_at == LATER


def _id(db: Database, external_id: str) -> int:
    with db.session() as session:
        return session.execute(select(Deal.id).where(Deal.external_id == external_id)).scalar_one()


SALESFORCE = """Opportunity ID,Opportunity Name,Stage,Created Date,Close Date,Partner Account ID,Partner Involvement,\
Lead Source
006A,Hooli expansion,Prospecting,2026-05-01,,P-1,Partner Sourced,Web
006B,Umbrella renewal,Prospecting,2026-05-02,,P-1,,Partner Referral
006C,Wayne direct,Prospecting,2026-05-03,,,,Web
"""


def test_the_trace_names_the_column_that_gave_the_value_and_the_value_before_the_map(
    db: Database, tmp_path: Path
) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "opps.csv", SALESFORCE), mapping="salesforce")
    assert _changes(db, "006A") == [
        ("import", "sourced", None, "opps.csv", "Partner Involvement", "Partner Sourced", "line 2")
    ]
    assert _changes(db, "006B") == [
        ("import", "sourced", None, "opps.csv", "Lead Source", "Partner Referral", "line 3")
    ]
    assert _changes(db, "006C") == [("import", "direct", None, "opps.csv", "Lead Source", "Web", "line 4")]


def _event(event_id: str, **data: object) -> dict[str, object]:
    base = {"deal_id": "D-2", "partner_id": "P-1", "attribution": "influenced", "outcome": "open"}
    return {"id": event_id, "type": "deal.upsert", "data": {**base, "created_on": "2026-03-01", **data}}


def test_an_api_event_names_its_source_and_event(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    body = json.dumps({"events": [_event("e-1", attribution="sourced")]}).encode()
    assert ingest(db, source="crm", raw=body, now=LATER).status == 200
    assert _changes(db, "D-2")[-1] == ("api", "sourced", "influenced", "api:crm", "attribution", "sourced", "event e-1")


def _dispute(db: Database, external_id: str, proposed: str) -> int:
    with db.transaction() as session:
        deal = load_deal(session, external_id=external_id)
        assert deal is not None
        return open_dispute(session, deal=deal, proposed=proposed, reason="we brought them", user_id="U1", at=LATER).id


def _decide(db: Database, dispute_id: int, *, accept: bool, at: object = DECIDED_AT) -> None:
    with db.transaction() as session:
        decide_dispute(
            session,
            dispute_id=dispute_id,
            accept=accept,
            note="CRM note confirms",
            user_id="UADMIN",
            at=at,  # type: ignore[arg-type]
            config=load_config(session),
        )


def test_an_accepted_dispute_changes_the_deal_its_stages_and_milestones_with_an_audit_trail(
    db: Database, tmp_path: Path
) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    acme_win = select(PartnerMilestone.deal_id).where(PartnerMilestone.step == "first_win")
    with db.session() as session:
        assert session.execute(acme_win).scalars().all() == [_id(db, "D-1")]
    number = _dispute(db, "D-1", "direct")
    _decide(db, number, accept=True)
    with db.session() as session:
        deal = session.execute(select(Deal).where(Deal.external_id == "D-1")).scalar_one()
        assert (deal.attribution, deal.partner_id, deal.updated_at) == ("direct", None, DECIDED_AT)
        stages = session.execute(
            select(StageChange.attribution, StageChange.is_partner).where(StageChange.deal_id == deal.id)
        )
        assert set(stages) == {("direct", False)}
        assert session.execute(acme_win).scalars().all() == []  # Acme has no won partner deal any more
        (decided,) = load_disputes(session, deal_id=deal.id)
    assert (decided.status, decided.decided_attribution, decided.decided_by, decided.decided_at) == (
        "accepted",
        "direct",
        "UADMIN",
        DECIDED_AT,
    )
    assert decided.decision_note == "CRM note confirms"
    assert _changes(db, "D-1")[-1] == (
        "dispute",
        "direct",
        "sourced",
        f"dispute #{number}",
        None,
        None,
        "UADMIN",
    )


def test_a_later_import_or_event_does_not_undo_a_decision_and_says_so_once(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    path = write(tmp_path, "deals.csv", DEALS)
    load(db, "deals", path)
    number = _dispute(db, "D-2", "sourced")
    _decide(db, number, accept=True)
    report = load(db, "deals", path, now=AFTER)  # the CRM still says influenced
    assert any("D-2 (line 3) said influenced, kept sourced (dispute #" in n for n in report.notes)
    with db.session() as session:
        assert session.execute(select(Deal.attribution).where(Deal.external_id == "D-2")).scalar_one() == "sourced"
    held = [c for c in _changes(db, "D-2") if c[0] == "held"]
    assert held == [("held", "influenced", "sourced", "import: deals.csv", "attribution", "influenced", "line 3")]
    load(db, "deals", path, now=AFTER + timedelta(days=1))  # tomorrow's export, the same: reported, recorded once
    assert len([c for c in _changes(db, "D-2") if c[0] == "held"]) == 1
    body = json.dumps({"events": [_event("e-9", amount="2100")]}).encode()
    answer = ingest(db, source="crm", raw=body, now=AFTER)
    assert answer.status == 200
    assert answer.body["attribution_held"] == [
        {"deal": "D-2", "sent": "influenced", "kept": "sourced", "dispute": number, "event": "event e-9"}
    ]
    with db.session() as session:
        row = session.execute(select(Deal.attribution, Deal.amount_minor).where(Deal.external_id == "D-2")).one()
    assert tuple(row) == ("sourced", 210000)  # the rest of the event applied


def test_a_rejected_dispute_keeps_the_attribution_and_holds_it_too(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    _decide(db, _dispute(db, "D-4", "influenced"), accept=False)
    with db.session() as session:
        assert session.execute(select(Deal.attribution).where(Deal.external_id == "D-4")).scalar_one() == "sourced"
    assert [c[0] for c in _changes(db, "D-4")] == ["import"]  # nothing changed: no change recorded
    moved = DEALS.replace("D-4,P-2,sourced", "D-4,P-2,influenced")
    report = load(db, "deals", write(tmp_path, "moved.csv", moved), now=AFTER)
    assert report.updated == 0 and any("kept sourced" in n for n in report.notes)


def test_one_open_dispute_per_deal_and_one_decision(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    number = _dispute(db, "D-2", "sourced")
    with pytest.raises(DisputeError, match=rf"already has an open dispute \(#{number}"):
        _dispute(db, "D-2", "direct")
    with pytest.raises(DisputeError, match="already influenced"):
        _dispute(db, "D-2", "influenced")
    _decide(db, number, accept=True)
    with pytest.raises(DisputeError, match=rf"#{number} was already accepted on 2026-06-21") as refused:
        _decide(db, number, accept=False)
    assert refused.value.hint == "By <@UADMIN>."  # the mention in the hint, which is mrkdwn: never escaped
    assert _dispute(db, "D-2", "influenced") > number  # decided: the deal may be questioned again
