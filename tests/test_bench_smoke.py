"""CI's smoke test of the benchmark: `partnerbot bench --profile small` runs end to end and reports every
measure. Never timed: the figures are checked for presence and sense, not speed."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.profiles import PROFILES
from benchmarks.run import counts, run_bench, table
from storage.db import open_database
from storage.models import FirstWin, ImportRun, IngestedEvent, SourceDelivery

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
    "program_after_event_s",
    "digest_after_event_s",
    "scorecard_after_event_p95_s",
    "event_ingest_s",
    "program_after_import_s",
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
    assert len(result["program_after_event_runs_s"]) == len(result["digest_after_event_runs_s"]) == 3
    # where the time goes: the slowest view's profile, the whole run first, then functions by cumulative time
    top = result["profile_top"]
    assert result["profiled_view"].endswith("right after one event")
    assert top[0]["function"] == "(the whole run, profiled)" and len(top) > 5
    assert all(row["cumulative_s"] > 0 and row["calls"] > 0 for row in top)
    assert [row["cumulative_s"] for row in top[1:]] == sorted((row["cumulative_s"] for row in top[1:]), reverse=True)
    written = json.loads((tmp_path / "small-sqlite.json").read_text(encoding="utf-8"))
    assert written["program_s"] == result["program_s"]
    printed = table(result)
    for label in (
        "ack latency",
        "scorecard end to end",
        "program view",
        "weekly digest",
        "right after one event",
        "right after the import",
        "DuckDB",
        "import",
        "where the time goes",
    ):
        assert label in printed
    # the import's and the events' rows were taken out again: a reused store holds the profile and nothing else
    database = open_database(f"sqlite:///{tmp_path / 'bench-small.db'}")
    try:
        assert counts(database) == result["rows"]
        with database.session() as session:
            assert session.execute(select(func.count()).select_from(IngestedEvent)).scalar_one() == 0
            assert session.execute(select(func.count()).select_from(FirstWin)).scalar_one() == 0
            assert session.execute(select(func.count()).select_from(ImportRun)).scalar_one() == 0
            assert set(session.execute(select(SourceDelivery.source)).scalars()) == {"demo"}
    finally:
        database.dispose()
