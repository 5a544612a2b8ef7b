"""CI's smoke test of the benchmark: `partnerbot bench --profile small` runs end to end and reports every
measure. Never timed: the figures are checked for presence and sense, not speed."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.profiles import PROFILES
from benchmarks.run import counts, run_bench, table
from storage.db import open_database

MEASURES = (
    "ack_p50_s",
    "ack_p99_s",
    "scorecard_p50_s",
    "scorecard_p95_s",
    "scorecard_cold_s",
    "program_s",
    "program_cold_s",
    "digest_s",
    "digest_cold_s",
    "alerts_s",
    "duckdb_digest_s",
    "digest_vs_duckdb",
    "import_rows_per_s",
    "raw_insert_rows_per_s",
    "raw_unindexed_rows_per_s",
    "import_vs_raw",
    "peak_rss_mib",
)


def test_the_small_profile_runs_end_to_end_and_reports_every_measure(tmp_path: Path) -> None:
    profile = PROFILES["small"]
    result = run_bench("small", None, out=tmp_path)
    for key in MEASURES:
        assert result[key] > 0, key
    assert result["ack_p50_s"] <= result["ack_p99_s"]
    assert result["scorecard_p50_s"] <= result["scorecard_p95_s"]
    assert result["acks"] == profile.concurrent * profile.rounds
    assert result["scorecards"] == profile.scorecards
    assert result["alert_dms"] > 0  # the alert run renders and queues real DMs, not just plans them
    assert result["rows"]["partners"] == profile.size.partners
    assert result["import_rows"] == profile.import_rows
    assert result["import_inserted"] == profile.import_rows
    written = json.loads((tmp_path / "small-sqlite.json").read_text(encoding="utf-8"))
    assert written["program_s"] == result["program_s"]
    printed = table(result)
    for label in ("ack latency", "scorecard end to end", "program view", "weekly digest", "DuckDB", "import"):
        assert label in printed
    # the import's rows were taken out again: a reused store holds the profile and nothing else
    database = open_database(f"sqlite:///{tmp_path / 'bench-small.db'}")
    try:
        assert counts(database) == result["rows"]
    finally:
        database.dispose()
