"""Rows an export repeats: rows identical to an earlier one, and rows sharing a record's key.

By default a repeated key is a rejected row naming the line that had it first. A mapping's `[duplicates]` drops
them instead, counted in the import report and never an error: `drop = "exact"` the rows identical in every column
to an earlier row, `drop = "key"` those and the rows whose key another row has, keeping the `first` or the `last`
row of each key.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from storage.importing.files import RawTable
from storage.importing.kinds import Batch, KindSpec


def drop_identical(table: RawTable) -> tuple[RawTable, int]:
    """The table without the rows identical in every column to an earlier row, and how many those were."""
    repeated = table.frame.duplicated(keep="first").to_numpy(dtype=bool)
    if not repeated.any():
        return table, 0
    kept = table.frame[~repeated].reset_index(drop=True)
    return replace(table, frame=kept, lines=table.lines[~repeated]), int(repeated.sum())


def drop_repeated_keys(batch: Batch, spec: KindSpec, keep: str) -> int:
    """Leave out every row whose key (once parsed and resolved) another row has, but the `keep` ("first" or "last")
    one of each key; how many rows were left out."""
    repeated = _complete_keys(batch, spec).duplicated(keep="first" if keep == "first" else "last")
    if not repeated.any():
        return 0
    batch.drop(repeated.reindex(batch.values.index, fill_value=False))
    return int(repeated.sum())


def duplicates_note(spec: KindSpec, *, identical: int, repeated: int, keep: str) -> str | None:
    """What the report says about the rows left out as duplicates, if any were."""
    parts = []
    if identical:
        parts.append(f"{identical:,} row{'s' if identical != 1 else ''} identical to an earlier one")
    if repeated:
        key = ", ".join(spec.key)
        parts.append(f"{repeated:,} row{'s' if repeated != 1 else ''} repeating a {key} (the {keep} of each was kept)")
    return f"dropped as duplicates: {' and '.join(parts)}" if parts else None


def _key_sources(spec: KindSpec) -> list[str]:
    return [s.source for s in spec.stored[: len(spec.key)]]


def _complete_keys(batch: Batch, spec: KindSpec) -> pd.DataFrame:
    """Each row's key (its key fields' values), for the rows that have every one of them."""
    keys = batch.values[_key_sources(spec)]
    return keys[keys.notna().all(axis=1)]


def check_duplicates(batch: Batch, spec: KindSpec, lines: np.ndarray) -> None:
    """A record whose key an earlier record has is rejected, naming the first one's line."""
    key_sources = _key_sources(spec)
    keyed = _complete_keys(batch, spec)
    repeated = keyed.duplicated(keep="first")
    if not repeated.any():
        return
    first_line = (
        pd.Series(lines[keyed.index.to_numpy()], index=keyed.index)
        .groupby([keyed[c] for c in key_sources], sort=False)
        .transform("first")
    )
    rows = repeated.reindex(batch.values.index, fill_value=False)

    def reason(rows: pd.Series) -> pd.Series:
        index = rows.index[rows.to_numpy()]
        seen: pd.Series = " (first seen on line " + first_line.loc[index].astype(str) + ")"
        if len(spec.key) == 1:
            named: pd.Series = f"duplicate {spec.key[0]} '" + keyed.loc[index, key_sources[0]].astype(str) + "'"
            return named + seen
        return f"duplicate {', '.join(spec.key)}" + seen

    batch.fail(spec.key[0], rows, reason)
