"""Importing CRM and PRM exports (CSV and JSON Lines) for every data kind, with mapping files and presets."""

from storage.importing.report import ImportFileError, ImportRejected, ImportReport, RowError
from storage.importing.run import RecordError, RecordsResult, import_records, run_import

__all__ = [
    "ImportFileError",
    "ImportRejected",
    "ImportReport",
    "RecordError",
    "RecordsResult",
    "RowError",
    "import_records",
    "run_import",
]
