"""Helpers shared by the import tests: writing export files, running imports, and looking at the whole store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.db import Database
from storage.importing import ImportReport, run_import
from storage.models import Base
from storage.program import apply_settings

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
LATER = datetime(2026, 6, 20, 9, 30, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"

PARTNERS = """partner_id,name,aliases,type,tier,region,segment,owner_email,onboarded_on,status,slack_channel
P-1,Acme,ACME Corp;Acme Inc,Reseller,Gold,EMEA,Enterprise,Olga@Example.com,2026-01-01,active,C0ACME001
P-2,Globex,,msp,Silver,NA,SMB,olga@example.com,2025-06-01,,
P-3,Initech,,referral,,APAC,Mid-Market,,,sunset,
"""
DEALS = """deal_id,partner_id,attribution,account,amount,currency,stage,created_on,closed_on,outcome,registered_on
D-1,P-1,sourced,Hooli,"12,500.00",USD,Closed Won,2026-01-20,2026-02-10,won,2026-01-18
D-2,P-1,influenced,Umbrella,2000,EUR,Proposal,2026-03-01,2026-09-30,open,
D-3,,direct,Wayne,500,USD,Prospecting,2026-04-01,,open,
D-4,P-2,sourced,Stark,,,Qualification,2026-05-02,,open,2026-05-01
"""


def write(
    tmp_path: Path, name: str, content: str, *, encoding: str = "utf-8", newline: str = "\n", bom: bool = False
) -> Path:
    """An export file, byte for byte: `newline` replaces every LF, `bom` prefixes the UTF-8 byte order mark."""
    path = tmp_path / name
    data = content.replace("\n", newline).encode(encoding)
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)
    return path


def load(db: Database, kind: str, path: Path, **options: Any) -> ImportReport:
    options.setdefault("now", NOW)
    return run_import(db, kind=kind, path=path, **options)


def configure(db: Database, **values: Any) -> None:
    with db.transaction() as session:
        apply_settings(session, values=values)


def snapshot(db: Database, *, without: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order."""
    with db.engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables
            if table.name not in without
        }


def seeded(db: Database, tmp_path: Path) -> Database:
    """A program with EUR and GBP rates and three partners."""
    configure(db, currency_rates="EUR=1.10,GBP=1.25")
    report = load(db, "partners", write(tmp_path, "seed-partners.csv", PARTNERS))
    assert report.inserted == 3
    return db
