"""Reading CSV and JSON Lines exports into columns of text, with the physical line each record starts on.

Everything a person can get wrong about a file (encoding, delimiter, ragged rows, emptiness, a line that is not
JSON) becomes one `ImportFileError` that says what is wrong and how to fix it. CSV is parsed by pandas' C reader;
line numbers and field counts come from the same text with its quoted sections removed, so both stay exact when
quoted fields hold newlines or delimiters. When the two disagree, the standard `csv` module reads the file again
and has the last word (slower, only for files pandas and the quick check read differently).
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from storage.importing.report import ImportFileError

JSON_LINES = {".jsonl", ".ndjson"}
BOMS = {b"\xef\xbb\xbf": "utf-8", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}
QUOTED = re.compile(r'"[^"]*"')
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class RawTable:
    """The file as text: one str column per file column (header order), and the line each record starts on."""

    name: str
    columns: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    from_json: bool = False  # JSON Lines: columns are the objects' keys

    @property
    def rows(self) -> int:
        return len(self.lines)


def read_table(path: Path, *, delimiter: str | None, encoding: str | None) -> RawTable:
    text = decode(path, encoding)
    if path.suffix.lower() in JSON_LINES:
        return _read_jsonl(text, path.name)
    return _read_csv(text, path.name, delimiter)


def decode(path: Path, encoding: str | None) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from None
    codec = (encoding or "utf-8").lower().replace("_", "-")
    if codec in ("utf-8", "utf8"):
        data = data.removeprefix(b"\xef\xbb\xbf")
        for bom, name in BOMS.items():
            if name != "utf-8" and data.startswith(bom):
                raise ImportFileError(
                    f"{path.name} is {name.upper()} text, not UTF-8: save it as UTF-8 (CSV UTF-8 in Excel), or put "
                    f'encoding = "{name}" in a mapping file and pass it with --mapping'
                )
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        fix = (
            'save it as UTF-8, or put encoding = "cp1252" (or the encoding it was saved in) in a mapping file and '
            "pass it with --mapping"
            if encoding is None
            else "check the encoding the mapping names, or save the file as UTF-8 and drop the encoding line"
        )
        raise ImportFileError(
            f"{path.name} is not {codec.upper()} text (byte 0x{data[exc.start]:02X} on line {line}): {fix}"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFileError(f"{path.name} is empty: export it again with a header row and at least one record")
    return text


def _read_csv(text: str, name: str, delimiter: str | None) -> RawTable:
    chosen = delimiter or ","
    header = _header(text, name, chosen)
    if delimiter is None and len(header) == 1:
        for other in (";", "\t", "|"):
            if other in header[0]:
                label = "\\t" if other == "\t" else other
                raise ImportFileError(
                    f"{name} looks {DELIMITER_NAMES[other]}-delimited (its header has no commas): put "
                    f'delimiter = "{label}" in a mapping file and pass it with --mapping'
                )
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise ImportFileError(f"{name}: the header names {', '.join(duplicated)} twice; rename one and import again")
    table = _read_csv_quickly(text, name, chosen, header)
    return table if table is not None else _read_csv_exactly(text, name, chosen, header)


def _header_cells(text: str, delimiter: str) -> list[str]:
    """The first record as the csv module reads it (from the start of the text: headers are short)."""
    head = text[:1_000_000]
    return next(
        csv.reader(
            io.StringIO(head if len(head) < len(text) and "\n" in head else text, newline=""), delimiter=delimiter
        )
    )


def _header(text: str, name: str, delimiter: str) -> list[str]:
    try:
        return [h.strip() for h in _header_cells(text, delimiter)]
    except (csv.Error, StopIteration) as exc:
        raise ImportFileError(f"{name} line 1: the header is not readable as CSV ({exc}); check its quoting") from None


def _read_csv_quickly(text: str, name: str, delimiter: str, header: list[str]) -> RawTable | None:
    """pandas' C reader, checked against a field count per line; None when anything looks unusual."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                index_col=False,
                engine="c",
            )
    except (ValueError, Warning):  # pandas.errors.ParserError is a ValueError; extra fields warn
        return None
    outside = QUOTED.sub("", text)  # the text outside quoted fields: the delimiters and newlines that count
    counts, blank = _fields_per_line(outside, delimiter)
    if len(counts) - 1 != len(frame) or frame.shape[1] != len(header):
        return None
    counts, blank = counts[1:], blank[1:]
    if blank.any():
        blank = _blank_records(frame, blank)
    if (~blank & (counts != len(header))).any():
        return None  # ragged, or quoting the quick check cannot follow: the exact reader explains
    inside = np.zeros(len(frame), dtype=np.int64)  # newlines inside each record's quoted fields
    if text.count("\n") != outside.count("\n"):
        for column in frame.columns:
            inside += frame[column].str.count("\n").to_numpy(dtype=np.int64)
    first = 2 + sum(cell.count("\n") for cell in _header_cells(text, delimiter))
    lines = first + np.arange(len(frame)) + np.concatenate(([0], np.cumsum(inside)[:-1]))
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(frame) and lines[-1] + inside[-1] != physical:
        return None
    frame.columns = pd.Index(header)
    keep = ~blank
    return RawTable(name, header, frame.loc[keep].reset_index(drop=True), lines[keep])


def _blank_records(frame: pd.DataFrame, candidates: np.ndarray) -> np.ndarray:
    """Of the candidate rows, those whose every value is blank (checked column by column, narrowing)."""
    rows = np.flatnonzero(candidates)
    for position in range(frame.shape[1]):
        if not len(rows):
            break
        values = pd.Series(frame.iloc[:, position].to_numpy()[rows], dtype=str)
        rows = rows[(values.str.strip() == "").to_numpy(dtype=bool)]
    blank = np.zeros(len(frame), dtype=bool)
    blank[rows] = True
    return blank


def _fields_per_line(outside: str, delimiter: str) -> tuple[np.ndarray, np.ndarray]:
    """For each line of text without its quoted sections: how many fields, and whether it holds only delimiters
    and whitespace (a blank record, if its quoted fields are blank too)."""
    data = outside.encode("utf-8")
    codes = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(codes == ord("\n"))
    if len(codes) and codes[-1] != ord("\n"):
        ends = np.append(ends, len(codes))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lines = len(ends)
    separators = np.bincount(np.searchsorted(ends, np.flatnonzero(codes == ord(delimiter))), minlength=lines)[:lines]
    blank = np.zeros(lines, dtype=bool)
    filler = delimiter.encode() + b" \t\r"
    # Only a line with little besides delimiters can be blank; a longer run of spaces goes to the exact reader.
    for line in np.flatnonzero(ends - starts - separators <= 8):
        blank[line] = not data[starts[line] : ends[line]].strip(filler)
    return separators + 1, blank


def _read_csv_exactly(text: str, name: str, delimiter: str, header: list[str]) -> RawTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        next(reader)
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                if len(record) != len(header):
                    raise ImportFileError(
                        f"{name} line {start}: {len(record)} field{'s' if len(record) != 1 else ''} where the header "
                        f"has {len(header)}: look for an unquoted {DELIMITER_NAMES.get(delimiter, repr(delimiter))} "
                        "or a missing field on that line, fix it and import again"
                    )
                records.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise ImportFileError(
                f'{name} line {start}: a quoted field that starts on this line is never closed: look for a stray " '
                "on that line, fix it and import again"
            ) from None
        raise ImportFileError(
            f'{name} line {reader.line_num}: not readable as CSV ({exc}): a " inside a quoted field must be doubled'
        ) from None
    columns = list(zip(*records, strict=True)) if records else [() for _ in header]
    frame = pd.DataFrame(
        {i: pd.Series(list(c), dtype=str) for i, c in enumerate(columns)}, index=pd.RangeIndex(len(records))
    )
    frame.columns = pd.Index(header)
    return RawTable(name, header, frame, np.asarray(lines, dtype=np.int64))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _read_jsonl(text: str, name: str) -> RawTable:
    records: list[dict[str, object]] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                f"{name} line {number}: not valid JSON ({exc.msg} at column {exc.colno}); each line must be one "
                "JSON object"
            ) from None
        if not isinstance(record, dict):
            kind = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
                type(record), "null"
            )
            raise ImportFileError(
                f'{name} line {number}: a JSON {kind}, not an object; each line must be one object like {{"a": 1}}'
            )
        records.append(record)
        lines.append(number)
    return table_from_records(name, records, lines)


def table_from_records(name: str, records: list[dict[str, object]], lines: list[int]) -> RawTable:
    """JSON objects (a JSON Lines file, or the ingestion API's events) as a table of text."""
    names = list(dict.fromkeys(key for record in records for key in record))
    frame = pd.DataFrame(
        {i: pd.Series([_cell(r.get(key)) for r in records], dtype=str) for i, key in enumerate(names)},
        index=pd.RangeIndex(len(records)),
    )
    frame.columns = pd.Index(names)
    return RawTable(name, names, frame, np.asarray(lines, dtype=np.int64), from_json=True)
