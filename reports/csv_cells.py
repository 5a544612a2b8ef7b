"""CSV files a spreadsheet can open safely: every CSV the product writes goes through `safe_writer`.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel, LibreOffice
and Google Sheets (a partner named `=CMD|' /C calc'!A0` would run). Such a cell is written with a leading `'`,
which spreadsheets show as text and hide. Numbers are written as numbers: -5 stays -5.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Sink(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: object) -> object:
    """The value as a cell: text that would start a formula is prefixed with `'`; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose rows are neutralised cell by cell. Rows end in CRLF (RFC 4180): the writer quotes a cell
    holding any line-ending character, so a name with a carriage return stays one cell."""

    def __init__(self, sink: _Sink) -> None:
        self._writer = csv.writer(sink, lineterminator="\r\n")

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(sink: _Sink) -> SafeWriter:
    return SafeWriter(sink)
