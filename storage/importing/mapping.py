"""Mapping files: how an export's columns and values become partnerbot's fields.

A mapping is a TOML file, or the name of a shipped preset (`salesforce`, `hubspot`, `partners`, `people`):

```toml
kind = "deals"                 # optional: refuse the mapping for any other kind
description = "CRM deals"      # optional: what the mapping is for
delimiter = ","                # optional: ";", "\\t" (or "tab") or "|" for such exports
encoding = "utf-8"             # optional: e.g. "cp1252" for a file Excel saved as "CSV" on Windows

[columns]                      # our field = the export's column name
deal_id = "Opportunity ID"
partner_id = "Partner Account ID"
amount = "Amount"
owner_email = ["Opportunity Owner Email", "Owner Email"]   # a list: in each row, the first that has a value
name = ["{Account Name} — {Opportunity Name}", "Opportunity Name"]   # a template: {column} is its value

[constants]                    # our field = one value for every row
currency = "USD"

[values.attribution]           # value maps, matched ignoring case and surrounding spaces;
"Partner Sourced" = "sourced"  # "*" is the value for anything else, empty included
"Partner Influenced" = "influenced"
"*" = "direct"

[derive.outcome]               # a field computed from another column's values
from = "Stage"                 # a column name, or a list of them like [columns]
map = { "Closed Won" = "won", "Closed Lost" = "lost" }
default = "open"               # for values the map does not list; without it they pass through unchanged

[lookup.amount]                # a value from another file, where the export leaves the field empty
file = "prices.csv"            # a CSV file; a relative path starts in the mapping file's folder
key = "Product"                # the export's column holding the key (or a list or template, as in [columns])
match = "SKU"                  # the file's column to find the key in, ignoring case and surrounding spaces
value = "List price"           # the file's column to take
default = "0"                  # optional: for keys the file lacks; without it such a row is rejected

[duplicates]                   # optional: leave repeated rows out, counted in the report, instead of rejecting them
drop = "key"                   # "exact": rows identical to an earlier one; "key": those, and rows repeating a key
keep = "last"                  # with drop = "key": the "first" or the "last" row of each key stays

[onboarding]                   # partners only: a partner the export gives no onboarding date
when_missing = "first_deal"    # takes its first partner deal's day, stored and shown as derived

[dates]
formats = ["%m/%d/%Y", "%Y-%m-%d %H:%M"]   # strftime formats, tried in order; ISO 8601 is always accepted
time_zone = "America/New_York"             # for times without an offset (default: the program time zone)
```

Rules:
- Without a mapping, and for every field a mapping does not name, a column matches a field when its header is the
  field's name, ignoring case and treating spaces and dashes as underscores (`Deal ID`, `deal-id` and `DEAL_ID`
  all match `deal_id`). Columns that match no field are ignored.
- A field may come from one of `[columns]`, `[constants]` or `[derive]`, not from two. `[values]` applies to the
  field's value after it is read, whichever way it came.
- A column name with `{Column}` placeholders is a template: in each row where every column it names has a value,
  its text with those values; elsewhere it is empty, so that a list goes on to its next entry (above: the account
  and opportunity names, or the opportunity name alone when the account is empty). `{{` and `}}` are literal
  braces. A template naming some columns the file lacks stops the import and names them.
- A `[lookup.<field>]` fills the field where its own column is empty (every row when the file has none): the
  row's key is found in the lookup file and the value taken from the same line. A key the file lacks takes the
  `default`, or is a rejected row (`line 6: column Amount: 'ZZ-9' is not a SKU in prices.csv, which gives the
  amount: add it there, or give [lookup.amount] a default`); an empty key leaves the field empty. A lookup file
  listing a key twice with two different values stops the import. A lookup goes with `[columns]`, not with
  `[constants]` or `[derive]`.
- Without `[duplicates]`, a row repeating an earlier row's key (`deal_id`, or `partner_id, kind, occurred_at,
  contact` for activities, …) is rejected, naming the line that had it first. With it, identical rows (every
  column the same) are left out, and with `drop = "key"` so are the other rows of a key but the first or the last
  one (as written in the file; a kept row that is invalid is rejected, the key's other rows stay left out). The
  report counts them on a line of its own (`dropped as duplicates: 1 row identical to an earlier one and 2 rows
  repeating a deal_id (the last of each was kept)`); they are not errors.
- `[onboarding] when_missing = "first_deal"` (partners): a partner whose row has no onboarding date (or, when the
  export has no such column, that no earlier export gave one) takes the day of its first partner deal, sourced or
  influenced: the deal's registration or creation day, the earlier. The date is stored as derived
  (`partners.onboarding_source`) and shown so (`onboarded 2026-04-01 (derived: first deal)` on the scorecard). It
  follows the deals: each deals import works it out again, so partners imported before their deals get their date
  when the deals come, an earlier deal moves it, and their activation is worked out again. A date the export
  gives wins and clears the mark. The KPIs take the derived date as the onboarding date, so the activation clock
  of those partners starts at their first deal: their runway (onboarded → first selling action) and time to first
  revenue read shorter than from a real onboarding date. The import report says so, with how many partners got a
  date and how many wait for a deal. Without the rule, a partners import reports how many partners have no date.
- A mapped column the file does not have is left out, as if the mapping did not name it: an import never blanks
  stored values for a column the export does not carry. A required field whose column is missing stops the
  import with the columns that were expected.
- Fields are the import kind's field names (the kinds table in the README; `storage.importing.kinds.KINDS`);
  naming any other field, or a section or key not shown above, is an error that says which.
- Dates (`*_on`) accept ISO `YYYY-MM-DD` and the formats; a date with a time and an offset counts on its date in
  the program time zone. Times (`*_at`) accept ISO 8601 with or without an offset and the formats; a bare date is
  midnight. Times are kept in whole seconds.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from reports.model import DERIVED_ONBOARDING
from storage.importing.files import RawTable
from storage.importing.lookups import Lookup
from storage.importing.parse import distinct
from storage.importing.report import ImportFileError
from storage.importing.templates import Template, parse_template

TOP_KEYS = (
    "kind",
    "description",
    "delimiter",
    "encoding",
    "columns",
    "constants",
    "values",
    "derive",
    "lookup",
    "duplicates",
    "onboarding",
    "dates",
)
LOOKUP_KEYS = ("file", "key", "match", "value", "default", "delimiter")
DUPLICATES = ("exact", "key")  # what [duplicates] drop takes
KEEP = ("first", "last")
ONBOARDING_RULES = tuple(DERIVED_ONBOARDING)  # what [onboarding] when_missing takes
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "tab": "\t", "|": "|"}
ANY_VALUE = "*"


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def fold(value: str) -> str:
    return value.strip().casefold()


@dataclass(frozen=True)
class Derived:
    sources: tuple[str, ...]
    values: dict[str, str]  # folded source value → our value
    default: str | None  # for anything else; None passes the source value through


@dataclass(frozen=True)
class Mapping:
    name: str = "no mapping"
    kind: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field → folded value → our value
    derive: dict[str, Derived] = field(default_factory=dict)
    lookups: dict[str, Lookup] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)  # by their text in [columns], [derive] or [lookup]
    drop_duplicates: str | None = None  # None: a repeated key is a rejected row; else one of DUPLICATES
    keep: str = "last"  # with drop_duplicates = "key": which row of a key stays
    onboarding: str | None = None  # partners: how a missing onboarding date is derived (one of ONBOARDING_RULES)
    date_formats: tuple[str, ...] = ()
    time_zone: str | None = None

    def check_for(self, kind: str, fields: Sequence[str]) -> None:
        """Refuse a mapping written for another kind, or one naming fields this kind does not have."""
        if self.kind is not None and self.kind != kind:
            raise ImportFileError(
                f"mapping {self.name} is for {self.kind}, not {kind}: pass a mapping for {kind}, or none"
            )
        if self.onboarding is not None and kind != "partners":
            raise ImportFileError(
                f"mapping {self.name}: [onboarding] is for partners imports, not {kind}: remove it from this mapping"
            )
        named = [*self.columns, *self.constants, *self.values, *self.derive, *self.lookups]
        unknown = sorted(set(named) - set(fields))
        if unknown:
            raise ImportFileError(
                f"mapping {self.name} names {'a field' if len(unknown) == 1 else 'fields'} {kind} do not have: "
                f"{', '.join(unknown)} (the fields are {', '.join(fields)})"
            )


@dataclass(frozen=True)
class Selected:
    """The text of each field the file provides, the column to name it by in messages, and the rows the mapping
    itself rejects (a lookup key the lookup file lacks), by field: reasons by row."""

    frame: pd.DataFrame
    labels: dict[str, str]
    problems: dict[str, pd.Series] = field(default_factory=dict)
    # field → the columns (or templates) it is read from, first first, each with its text before any value map:
    # row by row, the first that is not empty gave the value (the attribution trace names it)
    origins: dict[str, tuple[tuple[str, pd.Series], ...]] = field(default_factory=dict)


def select_fields(
    table: RawTable, mapping: Mapping, fields: Sequence[str], required: Sequence[str], kind: str
) -> Selected:
    """Our fields as text columns (stripped), from the file's columns and templates, the mapping's constants,
    derivations and lookups."""
    by_name: dict[str, str] = {}
    for column in table.columns:
        by_name.setdefault(column, column)
    normalised: dict[str, str] = {}
    for column in table.columns:
        normalised.setdefault(normalise_header(column), column)

    def header(name: str) -> str | None:
        return by_name.get(name) or normalised.get(normalise_header(name))

    origins: dict[str, tuple[tuple[str, pd.Series], ...]] = {}

    def read(entries: Sequence[str], where: str, name: str) -> tuple[pd.Series, str] | None:
        """Row by row the first of these columns or templates that has a value, and the first one's label; None
        when the file has none of them."""
        texts: list[pd.Series] = []
        labels: list[str] = []
        for entry in entries:
            template = mapping.templates.get(entry)
            if template is None:
                found = header(entry)
                if found is not None:
                    texts.append(_stripped(table.frame[found]))
                    labels.append(found)
                continue
            columns = [header(c) for c in template.columns]
            if all(c is None for c in columns):
                continue
            absent = [c for c, found in zip(template.columns, columns, strict=True) if found is None]
            if absent:
                raise ImportFileError(
                    f'{table.name}: the mapping\'s {where} "{template.text}" names {_names(absent)}, which the file '
                    "does not have; fix the name in the mapping, or add the column to the export"
                )
            texts.append(template.fill([_stripped(table.frame[c]) for c in columns if c is not None]))
            labels.append(template.text)
        if not texts:
            return None
        origins[name] = tuple(zip(labels, texts, strict=True))
        return _first_filled(texts), labels[0]

    n = table.rows
    out: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    problems: dict[str, pd.Series] = {}
    missing: list[str] = []
    matched_any = False
    for name in fields:
        if name in mapping.constants:
            out[name] = pd.Series([mapping.constants[name].strip()] * n, dtype=str)
            labels[name] = name
            origins[name] = ((f"the mapping's constant {name}", out[name]),)
            continue
        if name in mapping.derive:
            derived = mapping.derive[name]
            source = read(derived.sources, f"derive.{name}.from", name)
            if source is None:
                missing.append(f"{name} (derived from {_names(derived.sources)})")
                continue
            matched_any = True
            text, labels[name] = source
            mapped = text.str.casefold().map(derived.values)
            fallback = text if derived.default is None else pd.Series([derived.default] * n, dtype=str)
            out[name] = mapped.where(mapped.notna(), fallback).astype(str)
            continue
        wanted = mapping.columns.get(name, (name,))
        found = read(wanted, f"columns.{name}", name)
        lookup = mapping.lookups.get(name)
        keys = None if lookup is None else read(lookup.key, f"lookup.{name}.key", f"{name} (lookup key)")
        if lookup is not None and keys is not None:
            text, reasons = lookup.fill(keys[0], None if found is None else found[0], mapping.name)
            found = (text, keys[1] if found is None else found[1])
            if len(reasons):
                problems[name] = reasons
        if found is not None:
            matched_any = True
            out[name], labels[name] = found
        elif name in required:
            by_lookup = f" or a lookup by {_names(lookup.key)}" if lookup is not None else ""
            missing.append(f"{name} (column {_names(wanted)}{by_lookup})" if name in mapping.columns else name)
    if not matched_any and table.columns:
        expected = ", ".join(_names(mapping.columns.get(f, (f,))) for f in required if f not in mapping.constants)
        found_text = ",".join(table.columns)[:80]
        if table.from_json:
            raise ImportFileError(
                f"{table.name}: its objects ({found_text}) have none of the fields a {kind} import reads; expected "
                f"{expected}, and any of the other fields; rename the keys, or pass a mapping file that names them"
            )
        raise ImportFileError(
            f"{table.name}: the first line ({found_text}) names none of the columns a {kind} import reads; expected "
            f"a header row with {expected}, and any of the other fields; add the header row, or pass a mapping file "
            "that names the export's columns"
        )
    if missing:
        plural = len(missing) > 1
        raise ImportFileError(
            f"{table.name}: a {kind} import needs the column{'s' if plural else ''} {', '.join(missing)}, which "
            f"the file does not have; add {'them' if plural else 'it'} to the export or map "
            f"{'them' if plural else 'it'} in a mapping file"
        )
    for name, value_map in mapping.values.items():
        if name not in out:
            continue
        text = out[name]
        mapped = text.str.casefold().map(value_map)
        default = value_map.get(ANY_VALUE)
        fallback = text if default is None else pd.Series([default] * n, dtype=str)
        out[name] = mapped.where(mapped.notna(), fallback).astype(str)
    frame = pd.DataFrame(out, index=pd.RangeIndex(n)) if out else pd.DataFrame(index=pd.RangeIndex(n))
    return Selected(frame, labels, problems, origins)


def _names(names: Sequence[str]) -> str:
    return " or ".join(f"'{n}'" for n in names)


def _first_filled(texts: list[pd.Series]) -> pd.Series:
    """Row by row, the first of these texts that is not empty."""
    text = texts[0]
    for other in texts[1:]:
        text = text.where(text != "", other)
    return text


def _stripped(text: pd.Series) -> pd.Series:
    """Without surrounding whitespace (each distinct value stripped once)."""
    found = distinct(text)
    if found is None:
        return text.str.strip()
    codes, uniques = found
    return pd.Series(uniques.str.strip().to_numpy()[codes], index=text.index, dtype=str)


# --- reading mapping files ---------------------------------------------------------------------------------------


def preset_names() -> list[str]:
    folder = resources.files("storage").joinpath("presets")
    return sorted(item.name.removesuffix(".toml") for item in folder.iterdir() if item.name.endswith(".toml"))


def load_mapping(spec: str | None) -> Mapping:
    """No mapping, a preset by name, or a mapping file by path."""
    if spec is None:
        return Mapping()
    if re.fullmatch(r"[A-Za-z0-9_\-]+", spec) and spec in preset_names():
        text = resources.files("storage").joinpath("presets", f"{spec}.toml").read_text(encoding="utf-8")
        return parse_mapping(_toml(text, f"preset {spec}"), f"preset {spec}")
    path = Path(spec)
    if not path.is_file():
        raise ImportFileError(
            f"mapping {spec}: no such file, and no preset by that name (presets: {', '.join(preset_names())})"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"mapping {path.name}: not UTF-8 text; save the mapping file as UTF-8") from None
    except OSError as exc:
        raise ImportFileError(f"mapping {path}: cannot be read ({exc.strerror})") from None
    return parse_mapping(_toml(text, path.name), path.name, folder=path.parent)


def _toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportFileError(
            f'mapping {name}: not valid TOML ({exc}); write lines like deal_id = "Opportunity ID" under [columns]'
        ) from None


def parse_mapping(raw: dict[str, Any], name: str, *, folder: Path | None = None) -> Mapping:
    """A mapping from its TOML; `folder` is where a lookup's relative file path starts (the mapping file's)."""
    unknown = sorted(set(raw) - set(TOP_KEYS))
    if unknown:
        raise ImportFileError(
            f"mapping {name}: unknown key or section {', '.join(unknown)} (known: {', '.join(TOP_KEYS)})"
        )
    kind = raw.get("kind")
    if kind is not None and not isinstance(kind, str):
        raise ImportFileError(f'mapping {name}: kind must be text, like kind = "deals"')
    columns = {key: _column_names(value, f"columns.{key}", name) for key, value in _table(raw, "columns", name).items()}
    constants = _texts(_table(raw, "constants", name), "constants", name)
    values: dict[str, dict[str, str]] = {}
    for key, table in _table(raw, "values", name).items():
        if not isinstance(table, dict):
            raise ImportFileError(f'mapping {name}: [values.{key}] must be a table of "file value" = "our value" lines')
        values[key] = {
            fold(k) if k != ANY_VALUE else ANY_VALUE: v for k, v in _texts(table, f"values.{key}", name).items()
        }
    derive: dict[str, Derived] = {}
    for key, spec in _table(raw, "derive", name).items():
        if not isinstance(spec, dict) or "from" not in spec or set(spec) - {"from", "map", "default"}:
            raise ImportFileError(
                f'mapping {name}: [derive.{key}] needs from = "<column>", a map = {{ ... }} and optionally a default'
            )
        mapped = spec.get("map", {})
        if not isinstance(mapped, dict):
            raise ImportFileError(f'mapping {name}: derive.{key}.map must be a table like {{ "Closed Won" = "won" }}')
        default = spec.get("default")
        if default is not None and not isinstance(default, str | int | float | bool):
            raise ImportFileError(f"mapping {name}: derive.{key}.default must be a text value")
        derive[key] = Derived(
            _column_names(spec["from"], f"derive.{key}.from", name),
            {fold(k): v for k, v in _texts(mapped, f"derive.{key}.map", name).items()},
            None if default is None else str(default),
        )
    lookups = {key: _lookup(key, spec, folder or Path.cwd(), name) for key, spec in _table(raw, "lookup", name).items()}
    both = sorted(set(lookups) & (set(constants) | set(derive)))
    if both:
        raise ImportFileError(
            f"mapping {name}: {both[0]} has a [lookup.{both[0]}] and a constant or derivation; a lookup fills the "
            "empty values of a column: keep one of them"
        )
    entries = [(f"columns.{key}", e) for key, es in columns.items() for e in es]
    entries += [(f"derive.{key}.from", e) for key, d in derive.items() for e in d.sources]
    entries += [(f"lookup.{key}.key", e) for key, lookup in lookups.items() for e in lookup.key]
    templates = {e: t for where, e in entries if (t := parse_template(e, where, name)) is not None}
    sources = [("columns", set(columns)), ("constants", set(constants)), ("derive", set(derive))]
    for position, (first, names) in enumerate(sources):
        for second, others in sources[position + 1 :]:
            both = sorted(names & others)
            if both:
                raise ImportFileError(
                    f"mapping {name}: {', '.join(both)} in both [{first}] and [{second}]; keep one of them"
                )
    dates = _table(raw, "dates", name)
    if set(dates) - {"formats", "time_zone"}:
        raise ImportFileError(f"mapping {name}: [dates] takes formats and time_zone only")
    formats = dates.get("formats", [])
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
        raise ImportFileError(f'mapping {name}: dates.formats must be a list of strftime formats like ["%m/%d/%Y"]')
    time_zone = dates.get("time_zone")
    if time_zone is not None:
        try:
            ZoneInfo(str(time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ImportFileError(
                f"mapping {name}: dates.time_zone {time_zone!r} is not a time zone; use an IANA name like "
                "America/New_York"
            ) from None
    drop, keep = _duplicates(_table(raw, "duplicates", name), name)
    rule = _onboarding(_table(raw, "onboarding", name), name)
    return Mapping(
        name=name,
        kind=kind,
        delimiter=_delimiter(raw.get("delimiter"), name),
        encoding=_encoding(raw.get("encoding"), name),
        columns=columns,
        constants=constants,
        values=values,
        derive=derive,
        lookups=lookups,
        templates=templates,
        drop_duplicates=drop,
        keep=keep or "last",
        onboarding=rule,
        date_formats=tuple(formats),
        time_zone=None if time_zone is None else str(time_zone),
    )


def _duplicates(section: dict[str, Any], name: str) -> tuple[str | None, str | None]:
    drop, keep = section.get("drop"), section.get("keep")
    if set(section) - {"drop", "keep"} or (section and drop not in DUPLICATES) or keep not in (None, *KEEP):
        raise ImportFileError(
            f'mapping {name}: [duplicates] takes drop = "exact" (rows identical to an earlier one) or drop = "key" '
            '(also rows repeating a key), and with drop = "key" keep = "first" or keep = "last"'
        )
    if drop == "key" and keep is None:
        raise ImportFileError(
            f'mapping {name}: [duplicates] drop = "key" needs keep = "first" or keep = "last": which row of a '
            "repeated key stays"
        )
    if drop == "exact" and keep is not None:
        raise ImportFileError(f'mapping {name}: [duplicates] keep goes with drop = "key" only: identical rows are one')
    return drop, keep


def _onboarding(section: dict[str, Any], name: str) -> str | None:
    rule = section.get("when_missing")
    if set(section) - {"when_missing"} or (section and rule not in ONBOARDING_RULES):
        raise ImportFileError(
            f'mapping {name}: [onboarding] takes when_missing = "first_deal": a partner without an onboarding date '
            "gets its first partner deal's date (created or registered, the earlier), stored and shown as derived"
        )
    return rule


def _lookup(key: str, spec: Any, folder: Path, name: str) -> Lookup:
    where = f"mapping {name}: [lookup.{key}]"
    if not isinstance(spec, dict) or not {"file", "key", "match", "value"} <= set(spec) or set(spec) - set(LOOKUP_KEYS):
        raise ImportFileError(
            f'{where} needs file = "<a CSV file>", key = "<the export\'s column>", match = "<the file\'s column '
            'to find the key in>" and value = "<the file\'s column to take>", and may have a default and a delimiter'
        )
    texts = {k: spec[k] for k in ("file", "match", "value")}
    for part, text in texts.items():
        if not isinstance(text, str) or not text.strip():
            raise ImportFileError(
                f'{where} {part} must be text, like {part} = "{"prices.csv" if part == "file" else "SKU"}"'
            )
    default = spec.get("default")
    if default is not None and not isinstance(default, str | int | float):
        raise ImportFileError(f"{where} default must be a text value")
    path = Path(texts["file"].strip())
    path = path if path.is_absolute() else folder / path
    if not path.is_file():
        raise ImportFileError(
            f"{where} file {texts['file']}: no such file (looked for {path}; a relative path starts in the mapping "
            "file's folder)"
        )
    return Lookup(
        field=key,
        path=path,
        key=_column_names(spec["key"], f"lookup.{key}.key", name),
        match=texts["match"].strip(),
        value=texts["value"].strip(),
        default=None if default is None else str(default),
        delimiter=_delimiter(spec.get("delimiter"), name),
    )


def _table(raw: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ImportFileError(f"mapping {name}: {key} must be a [{key}] section of field = value lines")
    return value


def _texts(table: dict[str, Any], where: str, name: str) -> dict[str, str]:
    out = {}
    for key, value in table.items():
        if not isinstance(value, str | int | float):  # a bool is an int
            raise ImportFileError(f"mapping {name}: {where}.{key} must be a text value")
        out[str(key)] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def _column_names(value: Any, where: str, name: str) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    raise ImportFileError(f'mapping {name}: {where} must be a column name, or a list like ["Owner Email", "Owner"]')


def _delimiter(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in DELIMITERS:
        raise ImportFileError(f'mapping {name}: delimiter must be one of ",", ";", "\\t" (or "tab") and "|"')
    return DELIMITERS[value]


def _encoding(value: Any, name: str) -> str | None:
    if value is None:
        return None
    try:
        return codecs.lookup(str(value)).name
    except LookupError:
        raise ImportFileError(
            f"mapping {name}: unknown encoding {value!r}; use a name like utf-8, cp1252 or latin-1"
        ) from None
