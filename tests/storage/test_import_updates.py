"""Re-imports change nothing; newer exports update what changed, only in the columns they carry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.importing import ImportRejected
from storage.models import Deal, ImportRun, Partner, StageChange
from storage.program import load_config
from storage.rollups import refresh_milestones, refresh_stage_stays
from tests.storage.test_import_support import DEALS, LATER, NOW, load, seeded, snapshot, write

EVERY_KIND = {
    "people": "email,name,role,manager_email,time_zone,slack_user_id\n"
    "Olga@Example.com,Olga,viewer,pat@example.com,Europe/London,U0OLGA001\npat@example.com,Pat,admin,,,\n",
    "deals": DEALS,
    "stage_changes": "deal_id,stage,entered_at\nD-2,Prospecting,2026-02-25T09:00:00+01:00\n",
    "intros": "intro_id,partner_id,introduced_at,account,first_response_at,next_step_at\n"
    "I-1,P-1,2026-06-01 09:00,Hooli,2026-06-01 13:30,\nI-2,P-2,2026-06-03T08:00:00Z,,,\n",
    "activities": "partner_id,kind,occurred_at,contact,detail\nP-1,training_completed,2026-01-05,,PARTNER-101\n"
    "P-1,login,2026-06-10T10:00:00Z,jo@acme.example,\n",
    "surveys": "partner_id,responded_on,score,respondent,comment\nP-1,2026-05-01,9,jo@acme.example,Great\n"
    "P-2,2026-05-02,4,,\n",
    "goals": "partner_id,metric,period,target,target_date\nP-1,sourced_revenue,2026-Q2,50000,\n"
    "P-2,first_win_by,2026-06-01,,2026-09-30\n",
}


@pytest.mark.parametrize("kind", ["partners", *EVERY_KIND])
def test_importing_the_same_file_again_changes_nothing(db: Database, tmp_path: Path, kind: str) -> None:
    seeded(db, tmp_path)
    if kind in ("stage_changes",):
        load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    content = EVERY_KIND.get(kind) or (tmp_path / "seed-partners.csv").read_text(encoding="utf-8")
    path = write(tmp_path, f"{kind}.csv", content)
    if kind != "partners":
        first = load(db, kind, path)
        assert first.inserted >= 1 and first.rejected == 0
    before = snapshot(db, without=("import_runs", "source_deliveries"))
    again = load(db, kind, path, now=LATER)
    assert (again.inserted, again.updated, again.rejected) == (0, 0, 0)
    assert again.unchanged == content.count("\n") - 1
    assert again.milestone_changes == []
    assert snapshot(db, without=("import_runs", "source_deliveries")) == before  # not even updated_at moves
    with db.session() as session:
        last = session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(1)).scalar_one()
    assert (last.kind, last.unchanged, last.finished_at) == (kind, again.unchanged, LATER)


def test_a_newer_export_updates_what_changed_and_appends_stage_changes(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    newer = (
        DEALS.replace(
            "D-2,P-1,influenced,Umbrella,2000,EUR,Proposal", "D-2,P-1,influenced,Umbrella,2500,EUR,Negotiation"
        )
        .replace("D-3,,direct,Wayne,500,USD,Prospecting", "D-3,,direct,Wayne Ent.,500,USD,Prospecting")
        .replace("Qualification,2026-05-02,,open,", "Proposal,2026-05-02,2026-06-18,won,")
        .replace("D-4,P-2,sourced,Stark,,", "D-4,P-2,sourced,Stark,9000,")
    )
    newer += "D-5,P-3,sourced,Tyrell,100,GBP,Prospecting,2026-06-01,,open,\n"
    report = load(db, "deals", write(tmp_path, "newer.csv", newer), now=LATER)
    assert report.summary() == "deals: 1 inserted, 3 updated, 1 unchanged, 0 rejected"
    with db.session() as session:
        deals = {d.external_id: d for d in session.execute(select(Deal)).scalars()}
        history = {
            external: [
                tuple(r[1:])
                for r in session.execute(
                    select(Deal.external_id, StageChange.stage, StageChange.entered_at, StageChange.left_at)
                    .join(Deal, Deal.id == StageChange.deal_id)
                    .where(Deal.external_id == external)
                    .order_by(StageChange.seq)
                )
            ]
            for external in ("D-1", "D-2", "D-3", "D-4", "D-5")
        }
        globex = session.execute(select(Partner.id).where(Partner.external_id == "P-2")).scalar_one()
    assert (deals["D-2"].amount_minor, deals["D-2"].amount_base_minor, deals["D-2"].stage) == (
        250_000,
        275_000,
        "Negotiation",
    )
    assert history["D-2"] == [
        ("Proposal", datetime(2026, 3, 1, tzinfo=UTC), LATER),
        ("Negotiation", LATER, None),  # no stage_entered_at in the file: it moved when the export says so, now
    ]
    assert deals["D-3"].account == "Wayne Ent." and history["D-3"] == [
        ("Prospecting", datetime(2026, 4, 1, tzinfo=UTC), None)
    ]
    assert (deals["D-4"].outcome, deals["D-4"].closed_on, deals["D-4"].amount_base_minor) == (
        "won",
        date(2026, 6, 18),
        900_000,
    )
    closed = datetime(2026, 6, 18, tzinfo=UTC)
    assert history["D-4"] == [("Qualification", datetime(2026, 5, 2, tzinfo=UTC), closed), ("Proposal", closed, None)]
    assert history["D-5"] == [("Prospecting", datetime(2026, 6, 1, tzinfo=UTC), None)]
    assert deals["D-1"].updated_at == NOW and deals["D-2"].updated_at == LATER
    assert (globex, "first_win") in {(c.partner_id, c.step) for c in report.milestone_changes}
    with db.transaction() as session:
        config = load_config(session)
        assert refresh_stage_stays(session, deal_ids=None, config=config) == 0
        assert refresh_milestones(session, partner_ids=None, config=config) == []


def test_a_stage_change_enters_at_stage_entered_at_when_the_export_has_it(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    newer = (
        "deal_id,attribution,outcome,created_on,stage,stage_entered_at\n"
        "D-3,direct,open,2026-04-01,Proposal,2026-05-05 14:00\n"
    )
    report = load(db, "deals", write(tmp_path, "newer.csv", newer), now=LATER)
    assert report.updated == 1
    with db.session() as session:
        history = session.execute(
            select(StageChange.stage, StageChange.entered_at)
            .join(Deal)
            .where(Deal.external_id == "D-3")
            .order_by(StageChange.seq)
        ).all()
    assert [tuple(h) for h in history] == [
        ("Prospecting", datetime(2026, 4, 1, tzinfo=UTC)),
        ("Proposal", datetime(2026, 5, 5, 14, tzinfo=UTC)),
    ]


def test_a_narrower_export_never_blanks_other_columns(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    report = load(
        db, "partners", write(tmp_path, "names.csv", "Partner_ID,Name\nP-1,Acme Ltd\nP-2,Globex\n"), now=LATER
    )
    assert (report.updated, report.unchanged) == (1, 1)
    narrow = "deal_id,attribution,outcome,created_on,partner_id\nD-1,sourced,won,2026-01-20,P-1\n"
    with pytest.raises(ImportRejected) as rejected:
        load(db, "deals", write(tmp_path, "narrow.csv", narrow), now=LATER)
    assert [str(e) for e in rejected.value.report.errors] == [  # a won deal needs its close and its amount
        "line 2: column closed_on: is required for won deals",
        "line 2: column amount: is required for won deals",
    ]
    narrow = "deal_id,attribution,outcome,created_on,partner_id\nD-4,sourced,open,2026-05-02,P-2\n"
    assert load(db, "deals", write(tmp_path, "narrow.csv", narrow), now=LATER).unchanged == 1
    with db.session() as session:
        acme = session.execute(select(Partner).where(Partner.external_id == "P-1")).scalar_one()
        deal = session.execute(select(Deal).where(Deal.external_id == "D-4")).scalar_one()
    assert (acme.name, acme.type, acme.owner_email, acme.onboarded_on, acme.aliases, acme.updated_at) == (
        "Acme Ltd",
        "reseller",
        "olga@example.com",
        date(2026, 1, 1),
        "ACME Corp|Acme Inc",
        LATER,
    )
    assert (deal.account, deal.stage, deal.registered_on, deal.currency, deal.updated_at) == (
        "Stark",
        "Qualification",
        date(2026, 5, 1),
        "USD",
        NOW,
    )


def test_a_currency_only_export_converts_the_stored_amount(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    moved = "deal_id,attribution,outcome,created_on,partner_id,currency\nD-2,influenced,open,2026-03-01,P-1,GBP\n"
    assert load(db, "deals", write(tmp_path, "moved.csv", moved), now=LATER).updated == 1
    with db.session() as session:
        deal = session.execute(select(Deal).where(Deal.external_id == "D-2")).scalar_one()
    assert (deal.amount_minor, deal.currency, deal.amount_base_minor) == (200_000, "GBP", 250_000)


def test_a_deal_that_changes_partner_moves_both_partners_milestones(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    load(db, "deals", write(tmp_path, "deals.csv", DEALS))
    moved = DEALS.replace("D-1,P-1,sourced", "D-1,P-3,sourced")
    report = load(db, "deals", write(tmp_path, "moved.csv", moved), now=LATER)
    with db.session() as session:
        ids = {row.external_id: row.id for row in session.execute(select(Partner.external_id, Partner.id))}
    wins = {(c.partner_id, c.before, c.after) for c in report.milestone_changes if c.step == "first_win"}
    assert wins == {
        (ids["P-1"], datetime(2026, 2, 10, tzinfo=UTC), None),
        (ids["P-3"], None, datetime(2026, 2, 10, tzinfo=UTC)),
    }


def test_chunks_write_the_same_as_one_batch(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.importing.writer.CHUNK", 1)
    seeded(db, tmp_path)
    seen: list[tuple[int, int]] = []
    first = load(db, "deals", write(tmp_path, "deals.csv", DEALS), progress=lambda *p: seen.append(p))
    assert first.summary() == "deals: 4 inserted, 0 updated, 0 unchanged, 0 rejected"
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    newer = DEALS.replace("Proposal,2026-03-01,2026-09-30,open", "Negotiation,2026-03-01,2026-09-30,open")
    report = load(db, "deals", write(tmp_path, "newer.csv", newer), now=LATER)
    assert report.summary() == "deals: 0 inserted, 1 updated, 3 unchanged, 0 rejected"
    with db.transaction() as session:
        config = load_config(session)
        assert refresh_stage_stays(session, deal_ids=None, config=config) == 0
        assert refresh_milestones(session, partner_ids=None, config=config) == []
        assert session.execute(select(StageChange.stage).order_by(StageChange.id)).scalars().all() == [
            "Closed Won",
            "Proposal",
            "Prospecting",
            "Qualification",
            "Negotiation",
        ]
