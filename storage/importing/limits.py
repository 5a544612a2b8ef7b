"""What the stores can hold, checked in one place for every kind, so that the file import and the ingestion API
reject the same values with the same reasons on SQLite and PostgreSQL, and nothing reaches a store that would
refuse it (PostgreSQL) or keep it silently (SQLite).

- **Characters**: a NUL byte or an unpaired surrogate (JSON can carry `\\u0000` and `\\ud800`) is refused in any
  field: PostgreSQL cannot store NUL, and neither store can encode a lone surrogate. Other control characters
  (tabs, line breaks) are ordinary text on both stores and are kept.
- **Lengths**: every stored text fits its model column: the limit is the column's `String(n)`, read from the
  model, never a number kept here.
- **Numbers**: amounts are at most `MAX_AMOUNT` units (in the deal's currency and converted to the base
  currency), stored as 64-bit integer hundredths: 10^15 of the 9.2 × 10^18 an integer holds, so that sums of
  hundreds of the largest deals still fit; goal targets likewise. Scores are 0–10 (`parse_score`).
- **Dates and times** lie in 1900–2100.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import String, Table

if TYPE_CHECKING:
    from storage.importing.kinds import Batch, KindSpec

MAX_AMOUNT = 10**13  # currency units: ten trillion
MAX_AMOUNT_MINOR = MAX_AMOUNT * 100
MAX_NUMBER = 10**13  # goal targets (deals, or currency units)
FIRST_DAY = pd.Timestamp("1900-01-01")
END_DAY = pd.Timestamp("2101-01-01")  # exclusive: 2100-12-31 is the last day
UNSAFE = r"[\x00\ud800-\udfff]"
UNSAFE_REASON = "holds a NUL character or an unpaired surrogate, which cannot be stored: remove it"
DATE_REASON = "is outside 1900–2100"
# values derived from a field, and the field a problem with them is reported on
ORIGIN = {"partner_ref": "partner_id", "deal_ref": "deal_id", "amount_base": "amount", "period_start": "period"}


def unsafe_text(raw: pd.Series) -> pd.Series:
    """Rows of a text column holding a character no store can keep."""
    return raw.str.contains(UNSAFE, regex=True).fillna(False).astype(bool)


def column_lengths(table: Table) -> dict[str, int]:
    """Each text column's length limit, from the model."""
    return {c.name: c.type.length for c in table.columns if isinstance(c.type, String) and c.type.length}


def check_limits(batch: Batch, spec: KindSpec) -> None:
    """Reject stored texts longer than their column and dates and times outside 1900–2100, per row and field."""
    lengths = column_lengths(spec.model.__table__)  # type: ignore[arg-type]
    for stored in spec.stored:
        limit = lengths.get(stored.column)
        values = batch.values.get(stored.source)
        if limit is not None and values is not None and pd.api.types.is_string_dtype(values.dtype):
            _fail_long(batch, ORIGIN.get(stored.source, stored.source), values.str.len(), limit)
    for source in batch.values.columns:
        name = source if source in spec.names else ORIGIN.get(source)
        values = batch.values[source]
        if name is None or not pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        _fail_outside(batch, name, values)


def _fail_long(batch: Batch, name: str, size: pd.Series, limit: int) -> None:
    batch.fail(
        name,
        size > limit,
        lambda rows: "is " + size[rows].astype(int).astype(str) + f" characters: at most {limit} fit",
    )


def _fail_outside(batch: Batch, name: str, values: pd.Series) -> None:
    batch.fail(
        name,
        (values < FIRST_DAY) | (values >= END_DAY),
        lambda rows: values[rows].dt.strftime("%Y-%m-%d") + f" {DATE_REASON}",
    )
