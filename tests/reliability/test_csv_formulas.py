"""Every CSV the product writes is safe to open in a spreadsheet: a cell that would start a formula (`=`, `+`,
`-`, `@`, tab, carriage return) is written as text with a leading `'`; numbers stay numbers.

The figure: formula cells written, across the `kpis` CSV, `/partner export`, the dormant list attachment and the
rejected-rows file, for partners and deals named like formulas. Before: 4 hostile names reached each file as-is.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

from commands.context import CommandContext
from commands.export import export_kpis, kpis_csv
from commands.table import dispatch
from reports.blocks.tables import dormant_csv
from reports.csv_cells import FORMULA_STARTS, neutralise
from reports.kpis.dormancy import compute_dormant_partners
from reports.model import Scope
from storage.db import Database
from storage.loaders.dormancy import load_quiet_partners
from storage.loaders.partners import load_partner_profiles
from storage.program import load_config
from tests.factories import Fixture
from tests.storage.test_import_support import load, write

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)
HOSTILE = ("=CMD|' /C calc'!A0", "+SUM(A1:A9)", '@HYPERLINK("http://x")', "-2+3", "\tTabbed", "\rReturned")


def _formula_cells(text: str) -> list[str]:
    """Cells a spreadsheet would evaluate: they start a formula and are not plain numbers."""
    out = []
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                try:
                    float(cell)
                except ValueError:
                    out.append(cell)
    return out


def _program(db: Database) -> None:
    f = Fixture()
    for index, name in enumerate(HOSTILE):
        f.partner(f"P{index}", name, onboarded_on=date(2025, 1, 1))  # quiet since: dormant
    f.write(db)


def test_a_cell_is_neutralised_only_when_it_would_start_a_formula() -> None:
    assert [neutralise(name) for name in HOSTILE] == ["'" + name for name in HOSTILE]
    assert [neutralise(v) for v in ("Acme", "a=b", -5, -2.5, None, "")] == ["Acme", "a=b", -5, -2.5, None, ""]


def test_the_kpis_csv_and_the_export_command_write_no_formula(db: Database) -> None:
    _program(db)
    text = kpis_csv(export_kpis(db, as_of=AS_OF))
    assert _formula_cells(text) == []
    names = {row["partner"] for row in csv.DictReader(io.StringIO(text, newline="")) if row["scope"] == "partner"}
    assert names == {"'" + name for name in HOSTILE}  # all six partners, each shown as text
    message = dispatch("export", CommandContext(database=db, as_of=AS_OF, charts=False))
    (attachment,) = message.files
    assert _formula_cells(attachment.content.decode("utf-8")) == []


def test_list_attachments_write_no_formula(db: Database) -> None:
    _program(db)
    with db.session() as session:
        config = load_config(session)
        partners = load_partner_profiles(session, scope=Scope())
        quiet = load_quiet_partners(session, partners=partners, as_of=AS_OF, config=config)
    dormant = compute_dormant_partners(quiet, config, AS_OF).partners
    assert len(dormant) == len(HOSTILE)
    text = dormant_csv(dormant, config.tz).content.decode("utf-8")
    assert _formula_cells(text) == []
    assert text.count("'=CMD") == 1


def test_the_rejected_rows_file_writes_no_formula(db: Database, tmp_path: Path) -> None:
    rows = "".join(f'"{name}",,sourced,100,USD,2026-01-20,,open\n' for name in HOSTILE)
    path = write(
        tmp_path, "deals.csv", "deal_id,partner_id,attribution,amount,currency,created_on,closed_on,outcome\n" + rows
    )
    report = load(db, "deals", path, skip_invalid=True)
    assert report.rejected == len(HOSTILE)
    assert report.rejected_path is not None
    text = report.rejected_path.read_text(encoding="utf-8")
    assert _formula_cells(text) == []
