"""What an import tells the person who ran it: counts, every rejected row, and the errors that stop it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storage.rollups import MilestoneChange


@dataclass(frozen=True, order=True)
class RowError:
    """One problem with one field of one record; `line` is the physical line the record starts on."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: column {self.column}: {self.reason}"


@dataclass(frozen=True)
class ImportReport:
    kind: str
    source: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected_path: Path | None = None
    identical_dropped: int = 0  # rows identical to an earlier one, left out (a mapping's [duplicates])
    repeated_dropped: int = 0  # rows whose key another row kept has, left out
    notes: list[str] = field(default_factory=list)  # what else the person who ran it should know, a line each
    milestone_changes: list[MilestoneChange] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        return (
            f"{self.kind}: {self.inserted:,} inserted, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.rejected:,} rejected"
        )


class ImportFileError(Exception):
    """The file (or its mapping) cannot be read as an export of this kind; the message says why and how to fix it."""


class ImportRejected(Exception):
    """Rows failed validation and skip_invalid was not set: nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        first = f"; first: {report.errors[0]}" if report.errors else ""
        super().__init__(f"{report.summary()}{first}")
        self.report = report
