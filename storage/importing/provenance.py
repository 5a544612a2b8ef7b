"""Where each record's attribution came from, for the attribution trace ("why is this deal sourced?").

A file's record names the column (or template, or the mapping's constant) that gave the value and the value as
the file said it, before any value map ("Partner Type" = "Referral partner"), and the line it is on; an API
event names its field and its event id. The writer records it for each deal whose attribution or credited
partner changes (see `AttributionChange`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.attribution import API, HELD, IMPORT
from storage.importing.files import RawTable
from storage.importing.mapping import Selected

FIELD = "attribution"
MAX_TEXT = 300
__all__ = ["API", "HELD", "IMPORT", "Provenance", "provenance_of"]


@dataclass(frozen=True)
class Provenance:
    """One import's or batch's origin, and per record (indexed like the table's rows) its field, raw value and
    reference."""

    origin: str  # import or api
    source: str  # the file's name, or the API source
    field: pd.Series
    raw: pd.Series
    reference: pd.Series


def provenance_of(
    selected: Selected, table: RawTable, *, origin: str, source: str, references: Sequence[str] | None = None
) -> Provenance:
    """Each row's source of the attribution: the first of the field's columns that is not empty on that row
    (the one the value was read from), else the field's label (a lookup filled it)."""
    index = pd.RangeIndex(table.rows)
    label = selected.labels.get(FIELD, FIELD)
    field = pd.Series(label, index=index, dtype=object)
    raw = selected.frame[FIELD].astype(object) if FIELD in selected.frame else pd.Series(None, index=index)
    raw = raw.copy()
    for name, text in reversed(selected.origins.get(FIELD, ())):  # the first filled one wins: set it last
        filled = (text != "").to_numpy()
        field[filled] = name
        raw[filled] = text[filled]
    if references is None:
        reference = pd.Series(np.char.add("line ", table.lines.astype(str)).astype(object), index=index)
    else:
        reference = pd.Series(list(references), index=index, dtype=object)
    return Provenance(
        origin,
        source[-500:],
        field.str.slice(0, MAX_TEXT),
        raw.astype(str).str.slice(0, MAX_TEXT).astype(object).where(raw.notna(), None),
        reference.str.slice(0, 200),
    )
