"""A yardstick for the digest: DuckDB computing the digest's program-level aggregates from the same rows, held in
memory. Loading the rows is not timed; only the queries are.

The aggregates, for the week ending at the as-of and the eleven before it (the digest's trend) plus the week
before: sourced revenue won per week; first wins per week; partners in runway at each week's end; owners over
the WIP limit; handoff response time (median) of each week's intros; stalled open partner deals (time in the
current stage beyond max(threshold, that stage's p75 stay)) now and a week ago; dormant partners (no activity,
intro, deal or stage change in the trailing 60 days) now and a week ago.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd
from sqlalchemy import text

from benchmarks.profiles import ANCHOR
from storage.db import Database

DAY = 86_400
WEEKS = 13
RUNWAY_DAYS = 180
DORMANT_DAYS = 60
STALL_DAYS = 14
WIP_LIMIT = 8


@dataclass(frozen=True)
class Reference:
    seconds: float
    rows: int
    figures: dict[str, Any]


def _epoch(dialect: str, column: str) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)" if dialect == "postgresql" else column


def _days(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        moments = pd.to_datetime(frame[column], errors="coerce")
        frame[column] = (moments - pd.Timestamp("1970-01-01")).dt.days.astype("Int64")
    return frame


def load_rows(database: Database) -> dict[str, pd.DataFrame]:
    dialect = database.engine.dialect.name

    def e(column: str) -> str:
        return _epoch(dialect, column)

    queries = {
        "partners": "SELECT id, onboarded_on, status, owner_email FROM partners",
        "deals": "SELECT id, partner_id, attribution, outcome, created_on, closed_on, amount_base_minor FROM deals",
        "stage_changes": f"SELECT deal_id, stage, {e('entered_at')} AS entered_at FROM stage_changes",
        "activities": f"SELECT partner_id, {e('occurred_at')} AS occurred_at FROM activities",
        "intros": f"SELECT partner_id, {e('introduced_at')} AS introduced_at, "
        f"{e('first_response_at')} AS first_response_at FROM intros",
    }
    frames = {}
    with database.engine.connect() as connection:
        for name, sql in queries.items():
            frames[name] = pd.read_sql_query(text(sql), connection)
    _days(frames["partners"], "onboarded_on")
    _days(frames["deals"], "created_on", "closed_on")
    return frames


SQL = f"""
WITH weeks AS (
    SELECT w, end_s - 7 * {DAY} AS start_s, end_s, CAST(end_s / {DAY} AS BIGINT) AS end_d
    FROM (SELECT w, $as_of - w * 7 * {DAY} AS end_s FROM range({WEEKS}) t(w))
),
first_wins AS (
    SELECT partner_id, min(closed_on) AS won_d FROM deals
    WHERE outcome = 'won' AND attribution <> 'direct' AND partner_id IS NOT NULL GROUP BY partner_id
),
revenue AS (
    SELECT weeks.w, sum(amount_base_minor) AS sourced FROM deals JOIN weeks
      ON deals.closed_on * {DAY} >= weeks.start_s AND deals.closed_on * {DAY} < weeks.end_s
    WHERE outcome = 'won' AND attribution = 'sourced' GROUP BY weeks.w
),
runway AS (
    SELECT weeks.w,
           count(*) FILTER (WHERE f.won_d * {DAY} >= weeks.start_s AND f.won_d * {DAY} < weeks.end_s) AS first_wins,
           count(*) FILTER (WHERE p.onboarded_on > weeks.end_d - {RUNWAY_DAYS} AND p.onboarded_on <= weeks.end_d
                            AND (f.won_d IS NULL OR f.won_d > weeks.end_d)) AS in_runway
    FROM partners p LEFT JOIN first_wins f ON f.partner_id = p.id CROSS JOIN weeks
    WHERE p.status = 'active' GROUP BY weeks.w
),
wip AS (
    SELECT count(*) AS owners_over FROM (
        SELECT p.owner_email FROM partners p LEFT JOIN first_wins f ON f.partner_id = p.id
        WHERE p.status = 'active' AND p.onboarded_on > $as_of / {DAY} - {RUNWAY_DAYS}
          AND (f.won_d IS NULL OR f.won_d > $as_of / {DAY})
        GROUP BY p.owner_email HAVING count(*) > {WIP_LIMIT})
),
handoff AS (
    SELECT weeks.w, median(first_response_at - introduced_at) / 3600.0 AS hours FROM intros JOIN weeks
      ON introduced_at >= weeks.start_s AND introduced_at < weeks.end_s
    WHERE first_response_at IS NOT NULL GROUP BY weeks.w
),
stays AS (
    SELECT s.deal_id, s.stage, s.entered_at,
           lead(s.entered_at) OVER (PARTITION BY s.deal_id ORDER BY s.entered_at) AS left_at
    FROM stage_changes s
),
p75 AS (
    SELECT stage, quantile_cont(left_at - entered_at, 0.75) AS p75 FROM stays WHERE left_at IS NOT NULL
    GROUP BY stage HAVING count(*) >= 5
),
moments AS (SELECT 0 AS back, $as_of AS at UNION ALL SELECT 1, $as_of - 7 * {DAY}),
current_stage AS (
    SELECT m.back, m.at, s.deal_id, arg_max(s.stage, s.entered_at) AS stage, max(s.entered_at) AS since
    FROM moments m JOIN stays s ON s.entered_at <= m.at
    GROUP BY m.back, m.at, s.deal_id
),
stalled AS (
    SELECT c.back, count(*) AS deals, sum(d.amount_base_minor) AS value
    FROM current_stage c JOIN deals d ON d.id = c.deal_id
    LEFT JOIN p75 ON p75.stage = c.stage
    WHERE d.partner_id IS NOT NULL AND d.attribution <> 'direct' AND d.created_on * {DAY} <= c.at
      AND (d.outcome = 'open' OR d.closed_on * {DAY} > c.at)
      AND c.at - c.since > greatest({STALL_DAYS * DAY}, coalesce(p75.p75, 0))
    GROUP BY c.back
),
touches AS (
    SELECT partner_id, occurred_at AS at FROM activities
    UNION ALL SELECT partner_id, introduced_at FROM intros
    UNION ALL SELECT partner_id, created_on * {DAY} FROM deals WHERE partner_id IS NOT NULL
    UNION ALL SELECT d.partner_id, s.entered_at FROM stage_changes s JOIN deals d ON d.id = s.deal_id
    WHERE d.partner_id IS NOT NULL
),
last_touch AS (
    SELECT m.back, m.at, t.partner_id, max(t.at) AS last_at
    FROM moments m JOIN touches t ON t.at <= m.at GROUP BY m.back, m.at, t.partner_id
),
dormant AS (
    SELECT m.back, count(*) AS partners FROM moments m CROSS JOIN partners p
    LEFT JOIN last_touch l ON l.partner_id = p.id AND l.back = m.back
    WHERE p.status = 'active' AND p.onboarded_on * {DAY} <= m.at - {DORMANT_DAYS * DAY}
      AND coalesce(l.last_at, 0) <= m.at - {DORMANT_DAYS * DAY}
    GROUP BY m.back
)
SELECT 'revenue' AS figure, w AS key, CAST(sourced AS DOUBLE) AS value FROM revenue
UNION ALL SELECT 'first_wins', w, first_wins FROM runway
UNION ALL SELECT 'in_runway', w, in_runway FROM runway
UNION ALL SELECT 'owners_over_wip', 0, owners_over FROM wip
UNION ALL SELECT 'handoff_hours', w, hours FROM handoff
UNION ALL SELECT 'stalled', back, deals FROM stalled
UNION ALL SELECT 'dormant', back, partners FROM dormant
"""


def measure_reference(database: Database, repeats: int = 3) -> Reference:
    import duckdb

    frames = load_rows(database)
    connection = duckdb.connect(":memory:")
    for name, frame in frames.items():
        connection.register(f"{name}_frame", frame)
        connection.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_frame")
        connection.unregister(f"{name}_frame")
    del frames
    as_of = int((ANCHOR + timedelta(0)).timestamp())
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = connection.execute(SQL, {"as_of": as_of}).fetchall()
        times.append(time.perf_counter() - started)
    rows = 0
    for name in ("partners", "deals", "stage_changes", "activities", "intros"):
        (count,) = connection.execute(f"SELECT count(*) FROM {name}").fetchall()[0]
        rows += int(count)
    connection.close()
    figures: dict[str, Any] = {}
    for figure, key, value in result or []:
        figures.setdefault(figure, {})[int(key)] = value
    return Reference(sorted(times)[len(times) // 2], rows, figures)
