"""A small hand-made program in America/New_York shared by the metamorphic tests, and the helpers they share:
emptying a store between generated examples, writing later rows through the import and the ingestion API, and
reading every figure of the JSON export.

The program has partners in every state at each of its as-ofs: the start of June (00:00 local, a period start), the
middle of a June afternoon, and the end of June 30 (`--as-of 2026-06-30`, the last day of Q2).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, text

from bot.ingest import ingest
from commands.export import export_kpis
from reports.timeframe import end_of_day
from storage.db import Database
from storage.importing import run_import
from storage.models import Base
from tests.factories import Fixture

NY = ZoneInfo("America/New_York")
TZ_NAME = "America/New_York"
COURSE = "Sales 101"

JUNE_START = datetime(2026, 6, 1, tzinfo=NY)  # a month's first instant: the end of May 31
MID_JUNE = datetime(2026, 6, 17, 13, 37, tzinfo=NY)  # mid-afternoon on a weekday
END_OF_Q2 = end_of_day(date(2026, 6, 30), NY)  # `--as-of 2026-06-30`: 2026-07-01 00:00 EDT
AS_OFS = {"june-start": JUNE_START, "mid-june": MID_JUNE, "end-of-q2": END_OF_Q2}

# fields a partner row is re-imported with when only its status changes
PARTNER_ROWS: dict[str, dict[str, str]] = {
    "ACT": {"name": "Activated Co", "type": "reseller", "tier": "Gold", "region": "NA", "onboarded_on": "2026-01-05"},
    "RUN": {"name": "Runway Co", "type": "referral", "tier": "Silver", "region": "EMEA", "onboarded_on": "2026-04-20"},
    "OLD": {"name": "Old Co", "type": "msp", "tier": "Silver", "region": "NA", "onboarded_on": "2025-06-01"},
    "QUIET": {"name": "Quiet Co", "type": "si", "tier": "Bronze", "region": "APAC", "onboarded_on": "2025-09-01"},
    "MID": {"name": "Mid Co", "type": "reseller", "tier": "Bronze", "region": "NA", "onboarded_on": "2026-06-10"},
    "NODATE": {"name": "No Date Inc", "type": "referral", "tier": "", "region": "EMEA", "onboarded_on": ""},
    "LATER": {"name": "Later Co", "type": "msp", "tier": "Gold", "region": "APAC", "onboarded_on": "2026-09-01"},
}
OWNERS = {"ACT": "olga@example.com", "RUN": "olga@example.com", "MID": "olga@example.com"}

# open deals at every as-of, as the deals export gives them (re-imported when they close later)
OPEN_DEALS: dict[str, dict[str, str]] = {
    "D-A4": {
        "partner_id": "ACT",
        "attribution": "sourced",
        "account": "Hooli",
        "amount": "30000",
        "stage": "Proposal",
        "created_on": "2026-05-01",
        "registered_on": "2026-04-28",
    },
    "D-O1": {
        "partner_id": "OLD",
        "attribution": "sourced",
        "account": "Initrode",
        "amount": "20000",
        "stage": "Qualification",
        "created_on": "2025-11-01",
        "registered_on": "",
    },
    "D-R1": {
        "partner_id": "RUN",
        "attribution": "influenced",
        "account": "Vandelay",
        "amount": "8000",
        "stage": "",
        "created_on": "2026-05-15",
        "registered_on": "",
    },
    "D-X3": {
        "partner_id": "",
        "attribution": "direct",
        "account": "Wayne",
        "amount": "10000",
        "stage": "Proposal",
        "created_on": "2026-05-02",
        "registered_on": "",
    },
}
WAITING_INTRO = {"intro_id": "I-R1", "partner_id": "RUN", "introduced_at": "2026-05-10T09:00:00-04:00"}


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def base_program() -> Fixture:
    """Partners in every state; revenue on the edges of May, June and Q2; open, stalled, won and lost deals with
    stage histories; intros answered, waiting and stale; activities, surveys and goals."""
    f = Fixture(settings={"time_zone": TZ_NAME, "required_courses": COURSE, "program_name": "Metamorphic"})
    for key, row in PARTNER_ROWS.items():
        f.partner(
            key,
            row["name"],
            type=row["type"],
            tier=row["tier"] or None,
            region=row["region"],
            owner_email=OWNERS.get(key, "sam@example.com"),
            onboarded_on=date.fromisoformat(row["onboarded_on"]) if row["onboarded_on"] else None,
        )
    f.partner("GONE", "Gone Co", type="si", onboarded_on=date(2025, 3, 1), status="sunset", sunset_on=date(2026, 2, 1))

    def won(key: str, partner: str | None, attribution: str, created: date, closed: date, amount: float) -> None:
        f.deal(key, partner=partner, attribution=attribution, created=created, outcome="won", closed=closed,
               amount=amount, stage="Closed Won", account=f"{key} account")  # fmt: skip

    # Activated Co: trained, introduced, won in March; revenue on the last days of May and of Q2
    f.activity("ACT", "training_completed", local(date(2026, 1, 20), 10), detail=COURSE)
    f.intro("I-A1", partner="ACT", introduced=local(date(2026, 2, 1), 9), first_response_at=local(date(2026, 2, 1), 11),
            next_step_at=local(date(2026, 2, 3), 11), seller_email="sel@example.com")  # fmt: skip
    f.deal("D-A1", partner="ACT", attribution="sourced", created=date(2026, 2, 10), outcome="won",
           closed=date(2026, 3, 10), amount=40_000, registered_on=date(2026, 2, 8), stage="Closed Won",
           stages=(("Prospecting", local(date(2026, 2, 10))), ("Proposal", local(date(2026, 2, 25), 15))))  # fmt: skip
    won("D-A2", "ACT", "influenced", date(2026, 4, 1), date(2026, 6, 30), 15_000)  # Q2's last day
    won("D-A3", "ACT", "sourced", date(2026, 4, 2), date(2026, 5, 31), 5_000)  # May's last day
    won("D-A6", "ACT", "sourced", date(2026, 5, 3), date(2026, 6, 17), 2_500)  # the mid-June as-of's own day
    f.deal("D-A5", partner="ACT", attribution="sourced", created=date(2026, 3, 1), outcome="lost",
           closed=date(2026, 4, 15), amount=9_000, stage="Closed Lost",
           stages=(("Prospecting", local(date(2026, 3, 1))), ("Qualification", local(date(2026, 3, 20)))))  # fmt: skip
    a4 = OPEN_DEALS["D-A4"]
    f.deal("D-A4", partner="ACT", attribution="sourced", created=date(2026, 5, 1), amount=30_000, stage="Proposal",
           account=a4["account"], registered_on=date(2026, 4, 28),
           stages=(("Prospecting", local(date(2026, 5, 1))), ("Proposal", local(date(2026, 6, 10), 10))))  # fmt: skip
    f.activity("ACT", "login", local(date(2026, 5, 20), 8))
    f.activity("ACT", "login", local(date(2026, 6, 16), 8))
    f.survey("ACT", date(2026, 5, 10), 9, "a@act.example")
    f.goal("ACT", "sourced_revenue", date(2026, 4, 1), date(2026, 7, 1), target=50_000_00, period="2026-Q2")
    f.goal("ACT", "registered_deals", date(2026, 6, 1), date(2026, 7, 1), target=2, period="2026-06")

    # Runway Co: onboarded in April, a stale intro, an influenced deal without stage history, a first-win goal
    f.intro("I-R1", partner="RUN", introduced=local(date(2026, 5, 10), 9), account="Vandelay", seller_email="s@x.io")
    f.activity("RUN", "login", local(date(2026, 5, 25), 9))
    f.deal("D-R1", partner="RUN", attribution="influenced", created=date(2026, 5, 15), amount=8_000,
           account="Vandelay")  # fmt: skip
    f.survey("RUN", date(2026, 6, 5), 6)
    f.goal("RUN", "first_win_by", date(2026, 4, 20), date(2026, 10, 1), target_date=date(2026, 9, 30),
           period="2026-04-20..2026-09-30")  # fmt: skip

    # Old Co: past its runway, still busy; a deal stalled in Qualification since December
    f.activity("OLD", "login", local(date(2026, 5, 28), 9))
    f.activity("OLD", "co_sell_call", local(date(2026, 6, 12), 14))
    f.deal("D-O1", partner="OLD", attribution="sourced", created=date(2025, 11, 1), amount=20_000,
           stage="Qualification", account="Initrode",
           stages=(("Prospecting", local(date(2025, 11, 1))), ("Qualification", local(date(2025, 12, 1)))))  # fmt: skip
    f.intro(
        "I-O1", partner="OLD", introduced=local(date(2026, 6, 16), 10), first_response_at=local(date(2026, 6, 17), 9)
    )
    f.survey("OLD", date(2026, 3, 1), 10)

    # Quiet Co: sold with us once, quiet since January: dormant (momentum)
    f.deal("D-Q1", partner="QUIET", attribution="sourced", created=date(2025, 10, 1), outcome="lost",
           closed=date(2025, 12, 15), amount=12_000, stage="Closed Lost")  # fmt: skip
    f.activity("QUIET", "login", local(date(2026, 1, 10), 9))

    # Gone Co: sunset in February, with a win the year before
    won("D-G1", "GONE", "sourced", date(2025, 8, 1), date(2025, 9, 10), 10_000)
    f.activity("NODATE", "login", local(date(2026, 6, 1), 12))
    f.activity("MID", "login", local(date(2026, 6, 12), 12))

    # direct deals: the baselines
    won("D-X1", None, "direct", date(2026, 4, 5), date(2026, 5, 20), 25_000)
    won("D-X4", None, "direct", date(2026, 6, 1), date(2026, 6, 17), 7_000)
    f.deal("D-X2", partner=None, attribution="direct", created=date(2026, 2, 1), outcome="lost",
           closed=date(2026, 3, 1), amount=3_000, stage="Closed Lost")  # fmt: skip
    f.deal("D-X3", partner=None, attribution="direct", created=date(2026, 5, 2), amount=10_000, stage="Proposal",
           account="Wayne", stages=(("Proposal", local(date(2026, 6, 1), 9)),))  # fmt: skip
    return f


def empty(database: Database) -> None:
    """Every data row gone (the version rows stay, and the delete moves them on), for the next example."""
    kept = ("data_versions", "table_versions", "alembic_version")
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in kept]
    if database.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with database.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    with database.engine.begin() as connection:
        for table in tables:
            connection.execute(delete(table))


def csv_text(rows: Iterable[Mapping[str, str]]) -> str:
    rows = list(rows)
    columns = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in columns})
    return buffer.getvalue()


def import_rows(database: Database, directory: Path, kind: str, rows: list[dict[str, str]], now: datetime) -> None:
    """Rows through the import, as `partnerbot import <kind> file.csv` writes them (all or nothing)."""
    path = directory / f"{kind}-{len(list(directory.iterdir()))}.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    report = run_import(database, kind=kind, path=path, now=now)
    assert report.rejected == 0 and not report.errors, report


EVENT_TYPES = {
    "deals": "deal.upsert",
    "stage_changes": "deal.stage_changed",
    "intros": "intro.created",
    "intro_responses": "intro.responded",
    "activities": "activity",
}


def post_events(database: Database, kind: str, rows: list[dict[str, str]], now: datetime, serial: list[int]) -> None:
    """Rows through `POST /api/v1/events` (the handler behind the route), one event each."""
    events = []
    for row in rows:
        serial[0] += 1
        data = {name: value for name, value in row.items() if value != ""}
        events.append({"id": f"evt-{serial[0]}", "type": EVENT_TYPES[kind], "data": data})
    answer = ingest(database, source="crm", raw=json.dumps({"events": events}).encode(), now=now)
    assert answer.status == 200, answer.body


# --- the export ----------------------------------------------------------------------------------------------

# When data arrived, not what it says: a delivery after the as-of is a fact of the delivery, not of the data, and
# the export states it (the last delivery and whether the data is stale) so nobody acts on stale data.
ARRIVAL_FIELDS = ("last_delivery_at", "data_stale")


def export(database: Database, as_of: datetime) -> dict[str, Any]:
    """The JSON export at as-of (every program figure and every partner's), as `partnerbot kpis --json` gives it,
    without the data-arrival fields; partners keyed by id."""
    data = export_kpis(database, as_of=as_of)
    out = {key: value for key, value in data.items() if key not in ARRIVAL_FIELDS}
    out["partners"] = {row["partner_id"]: row for row in data["partners"]}
    return out


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as dotted paths (for a readable failure)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in before or key not in after:
                out.append(f"{path}.{key}: {before.get(key, '<absent>')!r} → {after.get(key, '<absent>')!r}")
            else:
                out += differences(before[key], after[key], f"{path}.{key}")
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            d for i, (b, a) in enumerate(zip(before, after, strict=True)) for d in differences(b, a, f"{path}[{i}]")
        ]
    return [] if before == after else [f"{path}: {before!r} → {after!r}"]


def day_after(day: date, days: int) -> str:
    return (day + timedelta(days=days)).isoformat()
