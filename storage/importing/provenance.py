"""Where each record's attribution came from, for the attribution trace ("why is this deal sourced?").

A file's record names the column (or template, or the mapping's constant) that gave the value and the value as
the file said it, before any value map ("Partner Type" = "Referral partner"), and the line it is on; an API
event names its field and its event id. The writer records it for each deal whose attribution or credited
partner changes (see `AttributionChange`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from reports.attribution import API, HELD, IMPORT
from storage.importing.files import RawTable
from storage.importing.mapping import Selected

FIELD = "attribution"
MAX_TEXT = 300
__all__ = ["API", "HELD", "IMPORT", "Provenance", "provenance_of"]


@dataclass(frozen=True)
class Provenance:
    """One import's or batch's origin, and per record (indexed like the table's rows) where its value came from.

    Only what varies is kept per record, so that the common file (one column, values as stored) stages nothing
    but its line numbers: `field` is one label for every record, or a label per record; `raw` is None when each
    record's value is the one stored; a file has `lines`, a batch of events `references` (the event ids)."""

    origin: str  # import or api
    source: str  # the file's name, or the API source
    field: str | pd.Series
    raw: pd.Series | None
    lines: pd.Series | None = None
    references: pd.Series | None = None


def provenance_of(
    selected: Selected, table: RawTable, *, origin: str, source: str, references: Sequence[str] | None = None
) -> Provenance:
    """Each row's source of the attribution: the first of the field's columns that is not empty on that row
    (the one the value was read from), else the field's label (a lookup filled it)."""
    index = pd.RangeIndex(table.rows)
    label = selected.labels.get(FIELD, FIELD)[:MAX_TEXT]
    candidates = selected.origins.get(FIELD, ())
    stored = selected.frame[FIELD] if FIELD in selected.frame else pd.Series("", index=index, dtype=str)
    field: str | pd.Series = candidates[0][0][:MAX_TEXT] if len(candidates) == 1 else label
    raw = candidates[0][1] if len(candidates) == 1 else stored
    if len(candidates) > 1:
        field = pd.Series(label, index=index, dtype=object)
        raw = stored.astype(object).copy()
        for name, text in reversed(candidates):  # the first filled one wins: set it last
            filled = (text != "").to_numpy()
            field[filled] = name[:MAX_TEXT]
            raw[filled] = text[filled]
    as_said = None if raw.equals(stored) else raw.astype(str).str.slice(0, MAX_TEXT)
    if references is not None:
        events = pd.Series(list(references), index=index, dtype=object).str.slice(0, 200)
        return Provenance(origin, source[-500:], field, as_said, references=events)
    return Provenance(origin, source[-500:], field, as_said, lines=pd.Series(table.lines, index=index))
