"""Every bad row is reported as `line N: column X: reason`; by default nothing is written, with skip_invalid the
valid rows are and the rejected ones land beside the file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.importing import ImportRejected, RowError
from storage.models import Deal, ImportRun, Partner
from tests.storage.test_import_support import load, seeded, snapshot, write

BAD_DEALS = """deal_id,partner_id,attribution,amount,currency,created_on,closed_on,outcome
D-1,P-1,sourced,1000,USD,2026-01-20,2026-02-10,won
D-2,P-9,sourced,100,USD,2026-01-20,,open
D-3,,influenced,100,USD,2026-01-20,,open
D-4,P-1,direct,100,USD,2026-01-20,,open
D-5,P-1,sourced,,USD,2026-01-20,2026-02-10,won
D-6,P-1,sourced,-5,USD,2026-01-20,,open
D-7,P-1,sourced,100,JPY,2026-01-20,,open
D-8,P-1,shared,100,USD,20/01/2026,,maybe
D-1,P-1,sourced,1000,USD,2026-01-20,2026-02-10,won
D-9,P-1,sourced,100,USD,2026-01-20,,lost
D-10,P-1,sourced,"$1,234.5x",dollars,2026-01-20,2026-02-30,open
,P-1,sourced,100,USD,,,
D-11,P-2,sourced,"$1,234.50",eur,2026-01-20,,open
"""
BAD_DEALS_ERRORS = [
    "line 3: column partner_id: unknown partner_id 'P-9' — import partners first",
    "line 4: column partner_id: is required for influenced deals",
    "line 5: column partner_id: must be empty for direct deals: clear it, or set attribution to sourced or influenced",
    "line 6: column amount: is required for won deals",
    "line 7: column amount: '-5' is negative: amounts must be 0 or more",
    "line 8: column currency: no exchange rate for JPY: add one with partnerbot config set currency_rates "
    "EUR=1.1,GBP=1.25,JPY=<rate>",
    "line 9: column attribution: 'shared' is not one of: sourced, influenced, direct",
    "line 9: column created_on: '20/01/2026' is not a date (expected YYYY-MM-DD; other formats go under [dates] "
    "formats in a mapping file)",
    "line 9: column outcome: 'maybe' is not one of: open, won, lost",
    "line 10: column deal_id: duplicate deal_id 'D-1' (first seen on line 2)",
    "line 11: column closed_on: is required for lost deals",
    "line 12: column amount: '$1,234.5x' is not an amount (write it like 1234.50)",
    "line 12: column currency: 'dollars' is not a currency code like EUR",
    "line 12: column closed_on: '2026-02-30' is not a date (expected YYYY-MM-DD; other formats go under [dates] "
    "formats in a mapping file)",
    "line 13: column deal_id: is required",
    "line 13: column created_on: is required",
    "line 13: column outcome: is required",
]


def test_every_bad_row_is_reported_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    before = snapshot(db)
    with pytest.raises(ImportRejected) as rejected:
        load(db, "deals", write(tmp_path, "bad.csv", BAD_DEALS))
    report = rejected.value.report
    assert [str(e) for e in report.errors] == BAD_DEALS_ERRORS
    assert report.errors[0] == RowError(3, "partner_id", "unknown partner_id 'P-9' — import partners first")
    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (0, 0, 0, 11)
    assert report.rejected_path is None
    assert snapshot(db) == before  # all or nothing: not a deal, not a stage change, not an import run


def test_skip_invalid_commits_the_valid_rows_and_writes_the_rejected(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    report = load(db, "deals", write(tmp_path, "bad.csv", BAD_DEALS), skip_invalid=True)
    assert report.summary() == "deals: 2 inserted, 0 updated, 0 unchanged, 11 rejected"
    assert [str(e) for e in report.errors] == BAD_DEALS_ERRORS
    assert report.rejected_path == tmp_path / "bad.rejected.csv"
    with report.rejected_path.open(encoding="utf-8", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert list(rejected[0]) == [
        "deal_id",
        "partner_id",
        "attribution",
        "amount",
        "currency",
        "created_on",
        "closed_on",
        "outcome",
        "line",
        "reason",
    ]
    assert [(r["deal_id"], r["line"]) for r in rejected] == [
        ("D-2", "3"),
        ("D-3", "4"),
        ("D-4", "5"),
        ("D-5", "6"),
        ("D-6", "7"),
        ("D-7", "8"),
        ("D-8", "9"),
        ("D-1", "10"),
        ("D-9", "11"),
        ("D-10", "12"),
        ("", "13"),
    ]
    assert rejected[9]["amount"] == "$1,234.5x"  # the rows as they were in the file
    assert rejected[6]["reason"] == (
        "attribution: 'shared' is not one of: sourced, influenced, direct; created_on: '20/01/2026' is not a date "
        "(expected YYYY-MM-DD; other formats go under [dates] formats in a mapping file); outcome: 'maybe' is not "
        "one of: open, won, lost"
    )
    with db.session() as session:
        deals = dict(session.execute(select(Deal.external_id, Deal.amount_base_minor)).all())
        run = session.execute(select(ImportRun).where(ImportRun.kind == "deals")).scalar_one()
    assert deals == {"D-1": 100_000, "D-11": 135_795}
    assert (run.inserted, run.rejected) == (2, 11)


def test_skip_invalid_with_nothing_wrong_writes_no_rejected_file(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    report = load(
        db,
        "deals",
        write(tmp_path, "ok.csv", BAD_DEALS.splitlines()[0] + "\n" + BAD_DEALS.splitlines()[1]),
        skip_invalid=True,
    )
    assert (report.inserted, report.rejected, report.rejected_path) == (1, 0, None)
    assert not (tmp_path / "ok.rejected.csv").exists()


@pytest.mark.parametrize(
    ("kind", "content", "errors"),
    [
        (
            "partners",
            "partner_id,name,owner_email,status,slack_channel,onboarded_on\n"
            "P-7,Seven,olga,paused,#partners,2026-02-30\nP-8,,OLGA@EXAMPLE.COM,,c0eight1,\nP-7,Seven again,,,,\n",
            [
                "line 2: column owner_email: 'olga' is not an email address",
                "line 2: column status: 'paused' is not one of: active, sunset",
                "line 2: column slack_channel: '#partners' is not a Slack channel id like C0123ABCD (the id, not the "
                "#name)",
                "line 2: column onboarded_on: '2026-02-30' is not a date (expected YYYY-MM-DD; other formats go under "
                "[dates] formats in a mapping file)",
                "line 3: column name: is required",
                "line 4: column partner_id: duplicate partner_id 'P-7' (first seen on line 2)",
            ],
        ),
        (
            "people",
            "email,role,time_zone,slack_user_id\nsam@example.com,boss,Mars/Olympus,sam\n,viewer,,\n",
            [
                "line 2: column role: 'boss' is not one of: admin, manager, viewer",
                "line 2: column time_zone: 'Mars/Olympus' is not a time zone (use an IANA name like Europe/Berlin)",
                "line 2: column slack_user_id: 'sam' is not a Slack user id like U0123ABCD",
                "line 3: column email: is required",
            ],
        ),
        (
            "stage_changes",
            "deal_id,stage,entered_at\nD-404,Proposal,2026-01-01\nD-405,,yesterday\n",
            [
                "line 2: column deal_id: unknown deal_id 'D-404' — import deals first",
                "line 3: column deal_id: unknown deal_id 'D-405' — import deals first",
                "line 3: column stage: is required",
                "line 3: column entered_at: 'yesterday' is not a date and time (expected ISO 8601 like "
                "2026-07-01T09:30:00+02:00 or 2026-07-01 09:30; other formats go under [dates] formats in a mapping "
                "file)",
            ],
        ),
        (
            "intros",
            "intro_id,partner_id,introduced_at,seller_email\nI-1,P-404,2026-06-01,sam\nI-2,P-1,,\n",
            [
                "line 2: column partner_id: unknown partner_id 'P-404' — import partners first",
                "line 2: column seller_email: 'sam' is not an email address",
                "line 3: column introduced_at: is required",
            ],
        ),
        (
            "activities",
            "partner_id,kind,occurred_at,contact\nP-1,login,2026-06-10T10:00:00Z,\nP-1,Login,2026-06-10 10:00,\n"
            "P-1,,2026-06-10,\n",
            [
                "line 3: column partner_id: duplicate partner_id, kind, occurred_at, contact (first seen on line 2)",
                "line 4: column kind: is required",
            ],
        ),
        (
            "surveys",
            "partner_id,responded_on,score\nP-1,2026-01-01,11\nP-1,2026-01-02,7.5\nP-1,2026-01-03,\n",
            [
                "line 2: column score: '11' is not a whole number from 0 to 10",
                "line 3: column score: '7.5' is not a whole number from 0 to 10",
                "line 4: column score: is required",
            ],
        ),
        (
            "goals",
            "partner_id,metric,period,target,target_date\nP-1,revenue,2026-Q3,1,\nP-1,sourced_revenue,2026-Q5,,\n"
            "P-1,first_win_by,2026-Q3,,\nP-1,first_win_by,2026-Q4,,2026-09-30\nP-1,registered_deals,2026-Q3,-2,\n",
            [
                "line 2: column metric: 'revenue' is not one of: registered_deals, sourced_pipeline, sourced_revenue, "
                "first_win_by",
                "line 3: column period: '2026-Q5' is not a period: use 2026-Q3, 2026, 2026-07 or "
                "2026-07-01..2026-09-30",
                "line 3: column target: is required for sourced_revenue goals",
                "line 4: column target_date: is required for first_win_by goals",
                "line 5: column target_date: is before the goal's period starts",
                "line 6: column target: '-2' is negative: use 0 or more",
            ],
        ),
    ],
)
def test_each_rule_names_line_column_and_reason(
    db: Database, tmp_path: Path, kind: str, content: str, errors: list[str]
) -> None:
    seeded(db, tmp_path)
    before = snapshot(db)
    with pytest.raises(ImportRejected) as rejected:
        load(db, kind, write(tmp_path, f"{kind}.csv", content))
    assert [str(e) for e in rejected.value.report.errors] == errors
    assert snapshot(db) == before


def test_messages_name_the_exports_own_columns(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    mapping = write(
        tmp_path, "m.toml", '[columns]\nintro_id = "Intro #"\npartner_id = "Partner"\nintroduced_at = "When"\n'
    )
    content = "Intro #,Partner,When\nI-1,P-1,soon\n"
    with pytest.raises(ImportRejected) as rejected:
        load(db, "intros", write(tmp_path, "intros.csv", content), mapping=str(mapping))
    assert [str(e) for e in rejected.value.report.errors] == [
        "line 2: column When: 'soon' is not a date and time (expected ISO 8601 like 2026-07-01T09:30:00+02:00 or "
        "2026-07-01 09:30; other formats go under [dates] formats in a mapping file)"
    ]


def test_quoted_newlines_keep_line_numbers_right(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    content = (
        'partner_id,name,segment\nP-7,"Seven\nSystems",si\nP-8,"Eight ""the great""\n\nInc",si\n,Nine,si\n'
        'P-10,Ten,"multi\r\nline"\nP-7,Seven,si\n'
    )
    with pytest.raises(ImportRejected) as rejected:
        load(db, "partners", write(tmp_path, "quoted.csv", content))
    assert [str(e) for e in rejected.value.report.errors] == [
        "line 7: column partner_id: is required",
        "line 10: column partner_id: duplicate partner_id 'P-7' (first seen on line 2)",
    ]
    report = load(db, "partners", write(tmp_path, "quoted.csv", content), skip_invalid=True)
    assert (report.inserted, report.rejected) == (3, 2)
    with db.session() as session:
        names = dict(session.execute(select(Partner.external_id, Partner.name)).all())
        segment = session.execute(select(Partner.segment).where(Partner.external_id == "P-10")).scalar_one()
    assert (names["P-7"], names["P-8"], segment) == ("Seven\nSystems", 'Eight "the great"\n\nInc', "multi\r\nline")
