"""`partnerbot qbr`: a partner's pack written as a PDF from a shell, the internal or the partner version."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database
from tests.bot.conftest import Cli
from tests.commands.test_dispatch import small_program
from tests.commands.test_qbr import pages, pdf_text


@pytest.fixture
def store(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    small_program(db)
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return db


def test_the_pack_is_written_where_asked(store: Database, cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "acme.pdf"
    code, printed, err = cli("qbr", "acme", "--quarter", "2026-Q1", "--as-of", "2026-06-15", "--out", str(out))
    assert (code, err) == (0, "")
    assert printed == f"Quarterly business review 2026-Q1 for Acme: written to {out}\n"
    data = out.read_bytes()
    assert pages(data) == 8 and "Olga Owner" in pdf_text(data)


def test_the_partner_version_and_the_refusals(store: Database, cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "partner.pdf"
    code, _, _ = cli("qbr", "acme", "--as-of", "2026-06-15", "--partner-safe", "--out", str(out))
    assert code == 0 and "Olga Owner" not in pdf_text(out.read_bytes())
    code, _, err = cli("qbr", "acm", "--as-of", "2026-06-15")
    assert code == 2 and "Several partners match “acm”: Acme" in err
    code, _, err = cli("qbr", "acme", "--quarter", "2026-Q3", "--as-of", "2026-06-15")
    assert code == 2 and "2026-Q3 has not begun yet" in err
