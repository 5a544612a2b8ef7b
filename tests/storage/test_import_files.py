"""Files and mappings: what a person can get wrong about a file is one clear ImportFileError and no change to the
store; byte order marks, CRLF, semicolons and other encodings import once they are said."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.importing import ImportFileError, ImportRejected
from storage.models import Deal, Partner
from tests.storage.test_import_support import DEALS, load, seeded, snapshot, write


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "empty.csv is empty: export it again with a header row and at least one record"),
        ("blank.csv", "\n \r\n", "blank.csv is empty"),
        ("bom-only.csv", "\ufeff", "bom-only.csv is empty"),
        (
            "semicolons.csv",
            "partner_id;name\nP-7;Seven\n",
            'semicolons.csv looks semicolon-delimited (its header has no commas): put delimiter = ";" in a mapping '
            "file and pass it with --mapping",
        ),
        ("tabs.csv", "partner_id\tname\nP-7\tSeven\n", 'put delimiter = "\\t" in a mapping file'),
        (
            "noheader.csv",
            "P-7,Seven,reseller\nP-8,Eight,msp\n",
            "noheader.csv: the first line (P-7,Seven,reseller) names none of the columns a partners import reads; "
            "expected a header row with 'partner_id', 'name', and any of the other fields",
        ),
        (
            "ragged.csv",
            "partner_id,name\nP-7,Seven\nP-8,Eight,extra\n",
            "ragged.csv line 3: 3 fields where the header has 2: look for an unquoted comma or a missing field on "
            "that line, fix it and import again",
        ),
        ("short.csv", "partner_id,name,type\nP-7,Seven,si\nP-8\n", "short.csv line 3: 1 field where the header has 3"),
        (
            "ragged-after-quotes.csv",
            'partner_id,name\nP-7,"Seven\nSystems"\nP-8,Eight,extra\n',
            "ragged-after-quotes.csv line 4: 3 fields where the header has 2",
        ),
        (
            "unclosed.csv",
            'partner_id,name\nP-7,"Seven\nP-8,Eight\n',
            'unclosed.csv line 2: a quoted field that starts on this line is never closed: look for a stray "',
        ),
        (
            "missing.csv",
            "partner_id,type\nP-7,msp\n",
            "missing.csv: a partners import needs the column name, which the file does not have; add it to the "
            "export or map it in a mapping file",
        ),
        ("twice.csv", "partner_id,name,name\nP-7,Seven,Sept\n", "twice.csv: the header names name twice"),
        (
            "broken.jsonl",
            '{"partner_id": "P-7", "name": "Seven"}\n\n[1, 2]\n',
            'broken.jsonl line 3: a JSON list, not an object; each line must be one object like {"a": 1}',
        ),
        (
            "broken2.ndjson",
            '{"partner_id": "P-7", "name": "Seven"}\n{"partner_id": "P-8"\n',
            "broken2.ndjson line 2: not valid JSON (Expecting ',' delimiter at column 21); each line must be one "
            "JSON object",
        ),
        ("blank.jsonl", "\n\n", "blank.jsonl is empty"),
        (
            "other.jsonl",
            '{"id": "P-7", "title": "Seven"}\n',
            "other.jsonl: its objects (id,title) have none of the fields a partners import reads; expected "
            "'partner_id', 'name'",
        ),
        (
            "latin.csv",
            "partner_id,name\nP-7,Zürich Data\n".encode("cp1252").decode("latin-1"),
            'latin.csv is not UTF-8 text (byte 0xFC on line 2): save it as UTF-8, or put encoding = "cp1252" (or '
            "the encoding it was saved in) in a mapping file and pass it with --mapping",
        ),
    ],
)
def test_malformed_files_are_refused_with_one_clear_line(
    db: Database, tmp_path: Path, name: str, content: str, message: str
) -> None:
    seeded(db, tmp_path)
    before = snapshot(db)
    path = write(tmp_path, name, content, encoding="latin-1" if name == "latin.csv" else "utf-8")
    with pytest.raises(ImportFileError) as error:
        load(db, "partners", path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert snapshot(db) == before


def test_utf16_says_what_it_is(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes("partner_id,name\nP-7,Seven\n".encode("utf-16"))
    with pytest.raises(ImportFileError, match=r'utf16.csv is UTF-16 text, not UTF-8: .*encoding = "utf-16"'):
        load(db, "partners", path)
    mapping = write(tmp_path, "utf16.toml", 'encoding = "utf-16"\n')
    assert load(db, "partners", path, mapping=str(mapping)).inserted == 1


def test_another_encoding_imports_once_the_mapping_names_it(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "latin.csv", "partner_id,name\nP-7,Zürich Data\n", encoding="cp1252")
    mapping = write(tmp_path, "latin.toml", 'encoding = "cp1252"\n')
    assert load(db, "partners", path, mapping=str(mapping)).inserted == 1
    with db.session() as session:
        assert session.execute(select(Partner.name)).scalar_one() == "Zürich Data"


def test_semicolons_import_once_the_mapping_says_so(db: Database, tmp_path: Path) -> None:
    mapping = write(tmp_path, "semi.toml", 'delimiter = ";"\n')
    path = write(tmp_path, "semi.csv", 'partner_id;name;type\nP-7;"Seven; the company";si\nP-8;Eight;msp\n')
    assert load(db, "partners", path, mapping=str(mapping)).inserted == 2
    with db.session() as session:
        assert session.execute(select(Partner.name).where(Partner.external_id == "P-7")).scalar_one() == (
            "Seven; the company"
        )


@pytest.mark.parametrize(("bom", "newline"), [(True, "\n"), (False, "\r\n"), (True, "\r\n")])
def test_bom_and_crlf_import_exactly_like_plain_files(db: Database, tmp_path: Path, bom: bool, newline: str) -> None:
    seeded(db, tmp_path)
    plain = load(db, "deals", write(tmp_path, "plain.csv", DEALS))
    assert plain.inserted == 4
    stored = snapshot(db, without=("import_runs",))
    again = load(db, "deals", write(tmp_path, "other.csv", DEALS, bom=bom, newline=newline))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert snapshot(db, without=("import_runs",)) == stored


def test_bom_and_crlf_line_numbers_and_values(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    content = "partner_id,name,type\nP-7,Seven,si\n,Eight,si\n"
    path = write(tmp_path, "crlf.csv", content, bom=True, newline="\r\n")
    report = load(db, "partners", path, skip_invalid=True)
    assert [str(e) for e in report.errors] == ["line 3: column partner_id: is required"]
    with db.session() as session:
        seven = session.execute(select(Partner).where(Partner.external_id == "P-7")).scalar_one()
    assert (seven.name, seven.type) == ("Seven", "si")  # no stray \r, no BOM in the first header


def test_headers_match_ignoring_case_spaces_and_dashes(db: Database, tmp_path: Path) -> None:
    content = "Partner ID,NAME,owner-email,Onboarded_On,Unused Column\nP-7,Seven,Olga@example.com,2026-01-01,x\n"
    assert load(db, "partners", write(tmp_path, "p.csv", content)).inserted == 1
    with db.session() as session:
        seven = session.execute(select(Partner)).scalar_one()
    assert (seven.owner_email, str(seven.onboarded_on)) == ("olga@example.com", "2026-01-01")


def test_a_header_only_file_imports_nothing(db: Database, tmp_path: Path) -> None:
    report = load(db, "partners", write(tmp_path, "none.csv", "partner_id,name\n"))
    assert report.summary() == "partners: 0 inserted, 0 updated, 0 unchanged, 0 rejected"


def test_blank_records_are_skipped_and_lines_still_count(db: Database, tmp_path: Path) -> None:
    content = 'partner_id,name\n\nP-7,Seven\n,\n"",""\n   \n,Nine\n'
    with pytest.raises(ImportRejected) as rejected:
        load(db, "partners", write(tmp_path, "gaps.csv", content))
    assert [str(e) for e in rejected.value.report.errors] == ["line 7: column partner_id: is required"]


MAPPING_PROBLEMS = [
    (
        "[columns\n",
        "mapping bad.toml: not valid TOML (Expected ']' at the end of a table declaration (at line 1, column 9))",
    ),
    ('[constants]\ncolour = "red"\n', "mapping bad.toml names a field partners do not have: colour (the fields are"),
    ('[columns]\nname = "Name"\n[constants]\nname = "x"\n', "mapping bad.toml: name in both [columns] and [constants]"),
    ('kind = "deals"\n', "mapping bad.toml is for deals, not partners: pass a mapping for partners, or none"),
    ('delimiter = "::"\n', 'mapping bad.toml: delimiter must be one of ",", ";", "\\t" (or "tab") and "|"'),
    ('encoding = "klingon"\n', "mapping bad.toml: unknown encoding 'klingon'"),
    ('[dates]\nformats = ["MM/DD/YYYY"]\n', "mapping bad.toml: dates.formats must be a list of strftime formats"),
    ('[dates]\ntime_zone = "Moon/Base"\n', "mapping bad.toml: dates.time_zone 'Moon/Base' is not a time zone"),
    ('colour = "red"\n', "mapping bad.toml: unknown key or section colour"),
    ("[columns]\nname = 3\n", "mapping bad.toml: columns.name must be a column name"),
    ("[derive.status]\nmap = {}\n", 'mapping bad.toml: [derive.status] needs from = "<column>"'),
]


@pytest.mark.parametrize(("toml", "message"), MAPPING_PROBLEMS)
def test_mapping_problems_are_clear(db: Database, tmp_path: Path, toml: str, message: str) -> None:
    path = write(tmp_path, "p.csv", "partner_id,name\nP-7,Seven\n")
    with pytest.raises(ImportFileError) as error:
        load(db, "partners", path, mapping=str(write(tmp_path, "bad.toml", toml)))
    assert message in str(error.value)
    assert snapshot(db, without=("program_settings",))["partners"] == []


def test_unknown_kind_and_unknown_mapping(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "partner_id,name\nP-7,Seven\n")
    with pytest.raises(ImportFileError, match="unknown kind 'opportunities': use one of partners, people, deals"):
        load(db, "opportunities", path)
    with pytest.raises(
        ImportFileError,
        match=r"mapping pipedrive: no such file, and no preset by that name \(presets: "
        r"hubspot, partners, people, salesforce\)",
    ):
        load(db, "partners", path, mapping="pipedrive")


def test_a_mapped_column_the_file_lacks_is_left_out(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    mapping = write(tmp_path, "m.toml", '[columns]\nname = "Partner Name"\ntier = "Partner Tier"\n')
    path = write(tmp_path, "p.csv", "partner_id,Partner Name\nP-1,Acme Two\n")
    assert load(db, "partners", path, mapping=str(mapping)).updated == 1
    with db.session() as session:
        acme = session.execute(select(Partner).where(Partner.external_id == "P-1")).scalar_one()
    assert (acme.name, acme.tier) == ("Acme Two", "Gold")
    missing = write(tmp_path, "m2.toml", '[columns]\nname = ["Partner Name", "Account Name"]\n')
    with pytest.raises(
        ImportFileError, match=r"import needs the column name \(column 'Partner Name' or 'Account Name'\)"
    ):
        load(db, "partners", write(tmp_path, "q.csv", "partner_id,Title\nP-1,x\n"), mapping=str(missing))


def test_constants_values_and_derived_fields(db: Database, tmp_path: Path) -> None:
    seeded(db, tmp_path)
    mapping = write(
        tmp_path,
        "crm.toml",
        """kind = "deals"
[columns]
deal_id = "Id"
partner_id = ["Partner", "Reseller"]
created_on = "Opened"
closed_on = "Closed"
amount = "Value"
stage = "Phase"
[constants]
currency = "EUR"
[values.attribution]
"Via Partner" = "sourced"
"*" = "direct"
[values.stage]
"Won" = "Closed Won"
[derive.attribution]
from = "Channel"
[derive.outcome]
from = ["Result", "Phase"]
map = { "Won" = "won", "LOST" = "lost" }
default = "open"
[dates]
formats = ["%d.%m.%Y"]
""",
    )
    content = (
        "Id,Reseller,Partner,Channel,Opened,Closed,Value,Phase,Result\n"
        "A-1,P-1,,via partner,03.02.2026,10.03.2026,1000.00,won,\n"
        "A-2,,,,2026-02-04,,,Discovery,\n"
        "A-3,,P-2,Via Partner,05.02.2026,06.03.2026,10,Discovery,lost\n"
    )
    report = load(db, "deals", write(tmp_path, "crm.csv", content), mapping=str(mapping))
    assert report.summary() == "deals: 3 inserted, 0 updated, 0 unchanged, 0 rejected"
    with db.session() as session:
        deals = {d.external_id: d for d in session.execute(select(Deal)).scalars()}
    won, open_, lost = deals["A-1"], deals["A-2"], deals["A-3"]
    assert (won.attribution, won.outcome, won.stage, str(won.closed_on), won.amount_minor, won.amount_base_minor) == (
        "sourced",
        "won",
        "Closed Won",
        "2026-03-10",
        100_000,
        110_000,
    )
    assert (open_.attribution, open_.outcome, open_.stage, open_.currency) == ("direct", "open", "Discovery", "EUR")
    assert (lost.outcome, lost.partner_id is not None) == ("lost", True)
