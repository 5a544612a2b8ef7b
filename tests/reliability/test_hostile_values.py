"""Values the stores cannot hold are row errors on SQLite and PostgreSQL alike, by the file import and the
ingestion API alike: never a crash, a 500, or a value one store keeps and the other refuses.

The figure: 24 hostile records (huge amounts, texts over their column's length, NUL bytes and unpaired surrogates,
dates outside 1900–2100) across six kinds, each imported with --skip-invalid. Before: on SQLite 3 crashed the
import (amounts past int64, a lone surrogate), 18 were stored as they came and 3 rejected; on PostgreSQL 12 crashed
it (too long, NUL, surrogate, huge amount), 9 were stored and 3 rejected. Now: 24 rejected with a reason and the 8
clean records beside them committed, 0 crashes, on both stores, with the same reasons through `import_records` and
a 422 (not a 500) from the API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.ingest import ingest
from storage.db import Database
from storage.importing import ImportReport, import_records
from storage.importing.limits import MAX_AMOUNT
from storage.models import Deal, Partner
from tests.storage.test_import_support import NOW, PARTNERS, configure, load, write

LONG_ID = "X" * 201
DEAL = {
    "deal_id": "D-1",
    "partner_id": "P-1",
    "attribution": "sourced",
    "outcome": "won",
    "amount": "100",
    "currency": "USD",
    "created_on": "2026-01-20",
    "closed_on": "2026-02-10",
}
UNSAFE = "holds a NUL character or an unpaired surrogate, which cannot be stored: remove it"
TOO_LARGE = " is too large: amounts are at most 10,000,000,000,000"

# kind → records (changes to a clean record), and the errors expected as (record, field, reason)
CASES: dict[str, tuple[dict[str, Any], list[dict[str, Any]], list[tuple[int, str, str]]]] = {
    "deals": (
        DEAL,
        [
            {"deal_id": "OK-1"},
            {"deal_id": "D-2", "amount": "1e20"},
            {"deal_id": "D-3", "amount": "1e400"},
            {"deal_id": "D-4", "amount": str(MAX_AMOUNT + 1)},
            {"deal_id": "OK-2", "amount": str(MAX_AMOUNT)},
            {"deal_id": LONG_ID},
            {"deal_id": "D-\x005"},
            {"deal_id": "D-6", "name": "Acme\x00"},
            {"deal_id": "D-7", "account": "A" * 301},
            {"deal_id": "D-8", "stage": "S" * 101},
            {"deal_id": "D-9", "created_on": "0001-01-01"},
            {"deal_id": "D-10", "closed_on": "2101-01-01"},
            {"deal_id": "D-11", "stage_entered_at": "1899-12-31T23:59:59Z", "stage": "Proposal"},
            {"deal_id": "D-12", "name": "bad\ud800"},
            {"deal_id": "D-13", "amount": "1000", "currency": "XAU"},  # 10^15 base units at the rate below
            {"deal_id": "OK-3", "name": "tab\tand\nline\x07bell"},  # other control characters are text
        ],
        [
            (1, "amount", "'1e20'" + TOO_LARGE),
            (2, "amount", "'1e400' is not an amount (write it like 1234.50)"),
            (3, "amount", "'10000000000001'" + TOO_LARGE),
            (5, "deal_id", "is 201 characters: at most 200 fit"),
            (6, "deal_id", UNSAFE),
            (7, "name", UNSAFE),
            (8, "account", "is 301 characters: at most 300 fit"),
            (9, "stage", "is 101 characters: at most 100 fit"),
            (10, "created_on", "0001-01-01 is outside 1900–2100"),
            (11, "closed_on", "2101-01-01 is outside 1900–2100"),
            (12, "stage_entered_at", "1899-12-31 is outside 1900–2100"),
            (13, "name", UNSAFE),
            (14, "amount", "is 1,000,000,000,000,000 USD in the base currency: at most 10,000,000,000,000 fit"),
        ],
    ),
    "intros": (
        {"intro_id": "I-1", "partner_id": "P-1", "introduced_at": "2026-06-01T09:00:00Z"},
        [
            {"intro_id": "OK-I"},
            {"intro_id": "I-2", "introduced_at": "2200-01-01T00:00:00Z"},
            {"intro_id": "I-3", "partner_id": "P-\x001"},
            {"intro_id": "I-4", "outcome": "o" * 101},
        ],
        [
            (1, "introduced_at", "2200-01-01 is outside 1900–2100"),
            (2, "partner_id", UNSAFE),
            (3, "outcome", "is 101 characters: at most 100 fit"),
        ],
    ),
    "activities": (
        {"partner_id": "P-1", "kind": "login", "occurred_at": "2026-06-01T09:00:00Z"},
        [{}, {"kind": "k" * 61}, {"contact": "c" * 321}],
        [(1, "kind", "is 61 characters: at most 60 fit"), (2, "contact", "is 321 characters: at most 320 fit")],
    ),
    "surveys": (
        {"partner_id": "P-1", "responded_on": "2026-06-01", "score": "7"},
        [{}, {"respondent": "a", "score": "1e400"}, {"respondent": "b", "responded_on": "1850-01-01"}],
        [
            (1, "score", "'1e400' is not a whole number from 0 to 10"),
            (2, "responded_on", "1850-01-01 is outside 1900–2100"),
        ],
    ),
    "goals": (
        {"partner_id": "P-1", "metric": "sourced_revenue", "period": "2026-Q3", "target": "1000"},
        [{}, {"period": "2026-Q4", "target": "1e20"}, {"period": "1850-Q1"}],
        [
            (1, "target", "'1e20' is too large: at most 10,000,000,000,000"),
            (2, "period", "1850-01-01 is outside 1900–2100"),
        ],
    ),
    "partners": (
        {"partner_id": "P-9", "name": "Nine"},
        [{}, {"partner_id": "P-10", "name": "N" * 301}, {"partner_id": "P-\ud83d"}],
        [(1, "name", "is 301 characters: at most 300 fit"), (2, "partner_id", UNSAFE)],
    ),
}
HOSTILE = sum(len(errors) for _, _, errors in CASES.values())
CLEAN = sum(len(records) for _, records, _ in CASES.values()) - HOSTILE


def _records(kind: str) -> list[dict[str, Any]]:
    base, changes, _ = CASES[kind]
    return [{**base, **change} for change in changes]


def _seed(db: Database, tmp_path: Path) -> None:
    load(db, "partners", write(tmp_path, "partners.csv", PARTNERS))
    configure(db, currency_rates={"EUR": 1.1, "XAU": 10**12})


def _jsonl(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records(kind)), encoding="utf-8")
    return path


def test_the_figures() -> None:
    assert (HOSTILE, CLEAN) == (24, 8)


@pytest.mark.parametrize("kind", list(CASES))
def test_a_file_import_rejects_each_hostile_value_and_commits_the_rest(db: Database, tmp_path: Path, kind: str) -> None:
    _seed(db, tmp_path)
    report: ImportReport = load(db, kind, _jsonl(tmp_path, kind), skip_invalid=True)
    expected = CASES[kind][2]
    assert [(e.line - 1, e.column, e.reason) for e in report.errors] == expected
    assert report.rejected == len(expected)
    assert report.inserted == len(CASES[kind][1]) - len(expected)
    assert report.rejected_path is not None and report.rejected_path.exists()


@pytest.mark.parametrize("kind", list(CASES))
def test_the_api_path_gives_the_same_reasons(db: Database, tmp_path: Path, kind: str) -> None:
    _seed(db, tmp_path)
    with db.transaction() as session:
        result = import_records(session, kind=kind, records=_records(kind), now=NOW)
    assert [(e.index, e.field, e.reason) for e in result.errors] == CASES[kind][2]
    assert result.written == 0


def test_the_api_answers_422_not_500(db: Database, tmp_path: Path) -> None:
    _seed(db, tmp_path)
    events = [{"id": f"e{i}", "type": "deal.upsert", "data": r} for i, r in enumerate(_records("deals"))]
    events.append({"id": "r1", "type": "intro.responded", "data": {"intro_id": "I-\x00", "next_step_at": "1800-01-01"}})
    answer = ingest(db, source="crm", raw=json.dumps({"events": events}).encode(), now=NOW)
    assert answer.status == 422
    errors = [(e["event"], e["field"], e["reason"]) for e in answer.body["errors"]]
    assert errors[:2] == [
        ("e1", "amount", "'1e20'" + TOO_LARGE),
        ("e2", "amount", "'1e400' is not an amount (write it like 1234.50)"),
    ]
    assert errors[-2:] == [("r1", "intro_id", UNSAFE), ("r1", "next_step_at", "1800-01-01 is outside 1900–2100")]
    assert len(errors) == len(CASES["deals"][2]) + 2
    with db.session() as session:
        assert session.execute(select(func.count()).select_from(Deal)).scalar_one() == 0


def test_a_csv_with_a_nul_byte_is_a_row_error(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "partners.csv", PARTNERS + "P-4,Four\x00Inc,,,,,,,,,\n")
    report = load(db, "partners", path, skip_invalid=True)
    assert [str(e) for e in report.errors] == [f"line 5: column name: {UNSAFE}"]
    assert (report.inserted, report.rejected) == (3, 1)
    with db.session() as session:
        assert session.execute(select(func.count()).select_from(Partner)).scalar_one() == 3
