"""Values taken from another file: a mapping's `[lookup.<field>]`, like an open deal's amount from a price list.

The lookup fills the field where the export leaves it empty (every row when the export has no column for it): the
row's key (a column of the export) is matched, ignoring case and surrounding spaces, against a column of the
lookup file, and the value comes from another of its columns. A key the lookup file does not have takes the
`default`, or, without one, rejects the row; a row whose key is empty is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from storage.importing.files import RawTable, read_table
from storage.importing.report import ImportFileError


@dataclass(frozen=True)
class Lookup:
    field: str
    path: Path
    key: tuple[str, ...]  # the export's column (or columns, or templates, as in [columns]) holding the key
    match: str  # the lookup file's column the key is matched against
    value: str  # the lookup file's column the field's value comes from
    default: str | None = None
    delimiter: str | None = None

    def where(self, name: str) -> str:
        return f"mapping {name}: [lookup.{self.field}]"

    def read(self, name: str) -> dict[str, str]:
        """The lookup file as folded match → value (stripped); a key listed twice with two values is an error."""
        try:
            table = read_table(self.path, delimiter=self.delimiter, encoding=None)
        except ImportFileError as error:
            raise ImportFileError(f"{self.where(name)} file {self.path.name}: {error}") from None
        match, value = (self._column(table, column, name) for column in (self.match, self.value))
        keys = table.frame[match].str.strip().str.casefold()
        values = table.frame[value].str.strip()
        listed = keys != ""
        pairs = pd.DataFrame({"key": keys[listed], "value": values[listed], "line": table.lines[listed.to_numpy()]})
        unique = pairs.drop_duplicates(["key", "value"])
        clash = unique[unique["key"].duplicated(keep=False)]
        if not clash.empty:
            first = clash[clash["key"] == clash["key"].iloc[0]]
            raw = table.frame[match].str.strip()[first.index[0]]
            raise ImportFileError(
                f"{self.path.name}: {self.match} '{raw}' is on lines {' and '.join(map(str, first['line'][:2]))} "
                f"with different {self.value} values: keep one of them"
            )
        return dict(zip(unique["key"], unique["value"], strict=True))

    def _column(self, table: RawTable, column: str, name: str) -> str:
        if column in table.columns:
            return column
        folded = {c.strip().casefold(): c for c in table.columns}
        if column.strip().casefold() in folded:
            return folded[column.strip().casefold()]
        raise ImportFileError(
            f"{self.where(name)}: {self.path.name} has no column '{column}' (its columns: "
            f"{', '.join(table.columns)[:200]}); name one of them"
        )

    def fill(self, keys: pd.Series, current: pd.Series | None, name: str) -> tuple[pd.Series, pd.Series]:
        """The field's values with the empty ones looked up, and the reason for each row whose key is not listed.

        `keys` and `current` are stripped text ("" when empty); `current` is None when the export has no column for
        the field."""
        table = self.read(name)
        wanted = keys != "" if current is None else (current == "") & (keys != "")
        found = keys[wanted].str.casefold().map(table)
        if self.default is not None:
            found = found.fillna(self.default)
        missing = found.isna()
        out = pd.Series("", index=keys.index, dtype=str) if current is None else current.copy()
        out.loc[found.index] = found.fillna("").to_numpy()
        reasons = (
            "'"
            + keys[found.index[missing.to_numpy()]]
            + f"' is not a {self.match} in {self.path.name}, which gives the {self.field}: add it there, or give "
            f"[lookup.{self.field}] a default"
        )
        return out.astype(str), reasons.astype(object)
