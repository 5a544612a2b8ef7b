"""Mapping files that build a value from several columns (templates) or take it from another file (lookups)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from storage.db import Database
from storage.importing import ImportFileError, ImportRejected
from storage.importing.mapping import parse_mapping
from storage.models import Deal
from tests.storage.test_import_support import load, seeded, write

HEADER = "Deal ID,Company,Deal Name,Type,Product,Amount,Created,Outcome\n"


def deals(db: Database) -> dict[str, tuple[str | None, str | None, int | None]]:
    with db.session() as session:
        return {d.external_id: (d.name, d.account, d.amount_minor) for d in session.execute(select(Deal)).scalars()}


def mapping(tmp_path: Path, body: str) -> str:
    head = 'kind = "deals"\n[columns]\ndeal_id = "Deal ID"\ncreated_on = "Created"\noutcome = "Outcome"\n'
    return str(write(tmp_path, "mapping.toml", head + 'attribution = "Type"\n' + body))


def test_a_template_needs_every_column_it_names() -> None:
    templates = parse_mapping({"columns": {"name": "Deal {ID} for {Company} ({{new}})"}}, "m").templates
    fill = templates["Deal {ID} for {Company} ({{new}})"].fill
    ids = pd.Series(["7", "7", "", ""])
    companies = pd.Series(["Acme", "", "Acme", ""])
    assert fill([ids, companies]).tolist() == ["Deal 7 for Acme ({new})", "", "", ""]


def test_a_value_built_from_several_columns(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    path = write(
        tmp_path,
        "deals.csv",
        HEADER
        + "D-1,Acme,Pilot,direct,,,2026-05-01,open\n"
        + "D-2,,Pilot,direct,,,2026-05-01,open\n"
        + "D-3,Acme,,direct,,,2026-05-01,open\n"
        + "D-4,,,direct,,,2026-05-01,open\n",
    )
    body = 'name = ["{Company} — {Deal Name}", "Deal Name", "Company"]\naccount = "{Company} ({Deal Name})"\n'
    assert load(db, "deals", path, mapping=mapping(tmp_path, body)).inserted == 4
    assert deals(db) == {
        "D-1": ("Acme — Pilot", "Acme (Pilot)", None),
        "D-2": ("Pilot", None, None),  # no company: the template is empty, the list goes on to the deal name
        "D-3": ("Acme", None, None),
        "D-4": (None, None, None),
    }


PRICES = 'SKU,List price,Currency\nPLAT-1,"12,000.00",USD\nseat-5,450.5,USD\n'


def test_an_open_deals_amount_from_a_price_list(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    write(tmp_path, "prices.csv", PRICES)
    path = write(
        tmp_path,
        "deals.csv",
        HEADER
        + "D-1,Acme,Pilot,direct,PLAT-1,,2026-05-01,open\n"  # the list price
        + "D-2,Acme,Seats,direct,SEAT-5 ,,2026-05-01,open\n"  # the key matches ignoring case and spaces
        + "D-3,Acme,Deal,direct,PLAT-1,999,2026-05-01,open\n"  # its own amount stays
        + "D-4,Acme,Custom,direct,,,2026-05-01,open\n"  # no product: no amount
        + "D-5,Acme,Odd,direct,ZZ-9,,2026-05-01,open\n",
    )
    body = '[lookup.amount]\nfile = "prices.csv"\nkey = "Product"\nmatch = "SKU"\nvalue = "List price"\n'
    with pytest.raises(ImportRejected) as rejected:
        load(db, "deals", path, mapping=mapping(tmp_path, 'amount = "Amount"\n' + body))
    assert [str(e) for e in rejected.value.report.errors] == [
        "line 6: column Amount: 'ZZ-9' is not a SKU in prices.csv, which gives the amount: add it there, or give "
        "[lookup.amount] a default"
    ]
    assert load(db, "deals", path, mapping=mapping(tmp_path, body + 'default = "0"\n')).inserted == 5
    amounts = {key: value[2] for key, value in deals(db).items()}
    assert amounts == {"D-1": 1_200_000, "D-2": 45_050, "D-3": 99_900, "D-4": None, "D-5": 0}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "{Company — {Deal Name}"\n', 'columns.name "{Company — {Deal Name}" has a stray or empty brace'),
        ('name = "{Company} {Stage}"\n', "the mapping's columns.name \"{Company} {Stage}\" names 'Stage', which the"),
        (
            '[lookup.amount]\nfile = "nowhere.csv"\nkey = "Product"\nmatch = "SKU"\nvalue = "List price"\n',
            "[lookup.amount] file nowhere.csv: no such file (looked for",
        ),
        (
            '[lookup.amount]\nfile = "prices.csv"\nkey = "Product"\nmatch = "Code"\nvalue = "List price"\n',
            "[lookup.amount]: prices.csv has no column 'Code' (its columns: SKU, List price, Currency)",
        ),
        ('[lookup.amount]\nfile = "prices.csv"\nkey = "Product"\n', "[lookup.amount] needs file ="),
        (
            '[constants]\namount = "5"\n[lookup.amount]\nfile = "prices.csv"\nkey = "Product"\nmatch = "SKU"\n'
            'value = "List price"\n',
            "amount has a [lookup.amount] and a constant or derivation",
        ),
    ],
)
def test_bad_templates_and_lookups_say_what_to_fix(db: Database, tmp_path: Path, body: str, message: str) -> None:
    seeded(db, tmp_path)
    write(tmp_path, "prices.csv", PRICES)
    path = write(tmp_path, "deals.csv", HEADER + "D-1,Acme,Pilot,direct,PLAT-1,,2026-05-01,open\n")
    with pytest.raises(ImportFileError) as error:
        load(db, "deals", path, mapping=mapping(tmp_path, body))
    assert message in str(error.value)
    assert deals(db) == {}


def test_a_price_list_naming_a_key_twice_with_two_prices(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    write(tmp_path, "prices.csv", PRICES + "Plat-1,13000,USD\n")
    path = write(tmp_path, "deals.csv", HEADER + "D-1,Acme,Pilot,direct,PLAT-1,,2026-05-01,open\n")
    body = '[lookup.amount]\nfile = "prices.csv"\nkey = "Product"\nmatch = "SKU"\nvalue = "List price"\n'
    with pytest.raises(ImportFileError) as error:
        load(db, "deals", path, mapping=mapping(tmp_path, body))
    assert str(error.value) == (
        "prices.csv: SKU 'PLAT-1' is on lines 2 and 4 with different List price values: keep one of them"
    )
