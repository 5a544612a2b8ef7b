"""A seeded demo partner program with every story the KPIs exist to show, written in bulk.

The generator never reads the clock: everything is placed relative to `anchor`, and the same seed, anchor and size
give the same database. Each partner's rows come from its own random stream, so a partner's history does not depend
on how the work is batched. Partners are generated and written a batch at a time (one transaction each) through the
driver's fastest path, executemany on SQLite and COPY on PostgreSQL, so memory stays bounded at millions of rows.

Days are integers counted from the first day of the demo window in the program's time zone; instants are whole epoch
seconds. Both are converted to what each store keeps only at the moment of writing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Index, text

from demodata.catalogue import BATCH_ROWS, SETTINGS
from demodata.plan import Calendar, DemoSize, DemoSummary, PartnerPlan, Planner, partner_stream, plan_staff
from demodata.rows import Batch, RowMaker
from reports.freshness import DEMO_SOURCE
from storage.db import Database, analyze
from storage.importing.kinds import KINDS as IMPORT_KINDS
from storage.models import Base
from storage.program import record_settings
from storage.rollups import STAY_COLUMNS, refresh_milestones
from storage.sources import record_delivery
from storage.versioning import mark_changed

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Columns:
    table: str
    names: tuple[str, ...]
    days: tuple[int, ...] = ()  # positions of calendar days, written as ISO dates
    instants: tuple[int, ...] = ()  # positions of epoch seconds, kept as such on SQLite


PEOPLE = Columns("people", ("id", "email", "name", "role", "manager_email", "time_zone", "updated_at"), (), (6,))
PARTNERS = Columns(
    "partners",
    (
        "id",
        "external_id",
        "name",
        "aliases",
        "type",
        "tier",
        "region",
        "segment",
        "owner_email",
        "onboarded_on",
        "status",
        "sunset_on",
        "slack_channel",
        "updated_at",
    ),
    (9, 11),
    (13,),
)
DEALS = Columns(
    "deals",
    (
        "id",
        "external_id",
        "partner_id",
        "attribution",
        "account",
        "name",
        "amount_minor",
        "currency",
        "amount_base_minor",
        "stage",
        "registered_on",
        "created_on",
        "closed_on",
        "outcome",
        "owner_email",
        "updated_at",
    ),
    (10, 11, 12),
    (15,),
)
STAGE_CHANGES = Columns(
    "stage_changes",
    ("id", "deal_id", "stage", "entered_at", *STAY_COLUMNS),  # the derived columns as storage.rollups names them
    (),
    (3, 5, 9),  # entered_at, left_at, advanced_at
)
INTROS = Columns(
    "intros",
    (
        "id",
        "external_id",
        "partner_id",
        "account",
        "introduced_at",
        "seller_email",
        "first_response_at",
        "next_step_at",
        "outcome",
        "updated_at",
    ),
    (),
    (4, 6, 7, 9),
)
ACTIVITIES = Columns("activities", ("partner_id", "occurred_at", "kind", "contact", "detail"), (), (1,))
SURVEYS = Columns("surveys", ("id", "partner_id", "responded_on", "respondent", "score", "comment"), (2,))
GOALS = Columns(
    "goals",
    ("id", "partner_id", "metric", "period", "period_start", "period_end", "target", "target_date"),
    (4, 5, 7),
)
BATCH_TABLES = (PARTNERS, DEALS, STAGE_CHANGES, INTROS, ACTIVITIES, SURVEYS, GOALS)  # in foreign-key order
SEQUENCED = ("people", "partners", "deals", "stage_changes", "intros", "surveys", "goals")


class Writer:
    """Bulk writes through the driver: executemany on SQLite, COPY on PostgreSQL, in the caller's transaction."""

    def __init__(self, connection: Connection, calendar: Calendar, counts: dict[str, int]) -> None:
        self.raw: Any = connection.connection.driver_connection
        self.postgres = connection.dialect.name == "postgresql"
        self.iso = calendar.iso
        self.counts = counts

    def write(self, columns: Columns, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if columns.days:
            rows = self.convert(rows, columns.days, self.iso.__getitem__)
        names = ", ".join(columns.names)
        if self.postgres:
            rows = self.convert(rows, columns.instants, _utc)
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {columns.table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns.names))
            self.raw.executemany(f"INSERT INTO {columns.table} ({names}) VALUES ({marks})", rows)
        self.counts[columns.table] = self.counts.get(columns.table, 0) + len(rows)

    @staticmethod
    def convert(rows: list[tuple[Any, ...]], positions: tuple[int, ...], to: Any) -> list[tuple[Any, ...]]:
        if not positions:
            return rows
        out = []
        for row in rows:
            values = list(row)
            for position in positions:
                if values[position] is not None:
                    values[position] = to(values[position])
            out.append(tuple(values))
        return out

    def write_batch(self, batch: Batch) -> None:
        for columns in BATCH_TABLES:
            self.write(columns, getattr(batch, columns.table))


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _advance_sequences(connection: Connection) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the rows written."""
    if connection.dialect.name != "postgresql":
        return
    for table in SEQUENCED:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        )


@contextmanager
def _indexes_deferred(database: Database) -> Iterator[None]:
    """Build the secondary indexes of the tables filled once, after the bulk load, instead of row by row.

    Random inserts into several indexes per row dominate the load at millions of rows; one sorted build per index is
    much cheaper (the usual bulk-loading advice for both stores). Unique constraints stay in place. On SQLite the
    builds sort through temporary files, so memory stays bounded whatever the engine's temp_store says.
    """
    tables = {columns.table for columns in (PEOPLE, *BATCH_TABLES)}
    indexes: list[Index] = [
        index
        for table in Base.metadata.sorted_tables
        if table.name in tables
        for index in sorted(table.indexes, key=lambda i: str(i.name))
        if not index.unique
    ]
    with database.transaction() as session:
        for index in indexes:
            index.drop(session.connection())
    try:
        yield
    finally:
        # a plain connection, not a write transaction: SQLite's temp_store cannot change inside one
        with database.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                temp_store = connection.exec_driver_sql("PRAGMA temp_store").scalar()
                connection.exec_driver_sql("PRAGMA temp_store=FILE")
            for index in indexes:
                index.create(connection)
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA temp_store={int(temp_store or 0)}")
            connection.commit()


def _batches(plans: list[PartnerPlan], size: DemoSize) -> Iterator[list[PartnerPlan]]:
    per_partner = size.activities_per_partner + 4 * size.deals_per_partner + size.intros_per_partner + 10
    step = max(20, min(2000, int(BATCH_ROWS // per_partner)))
    for start in range(0, len(plans), step):
        yield plans[start : start + step]


def build_demo(database: Database, *, anchor: datetime, seed: int = 7, size: DemoSize = DemoSize()) -> DemoSummary:
    """Fill an empty store with a demo program as of `anchor`; the same seed, anchor and size give the same rows."""
    if anchor.tzinfo is None or anchor.utcoffset() is None:
        raise ValueError(f"anchor must carry a time zone, got naive {anchor.isoformat()}")
    if size.years < 1:
        raise ValueError("the demo needs at least one year of history (years >= 1)")
    tz = ZoneInfo(SETTINGS["time_zone"])
    calendar = Calendar(anchor.replace(microsecond=0), size.years, tz)
    staff = plan_staff(size, seed)
    plans = Planner(calendar, size, seed).plan()
    counts: dict[str, int] = {}
    with database.transaction() as session:
        config = record_settings(session, values=SETTINGS)
        people = [(index, *row, calendar.anchor) for index, row in enumerate(staff.rows, start=1)]
        Writer(session.connection(), calendar, counts).write(PEOPLE, people)
    maker = RowMaker(calendar, config, staff, seed)
    with _indexes_deferred(database):
        for plans_batch in _batches(plans, size):
            batch = Batch()
            for plan in plans_batch:
                maker.partner(batch, plan, staff)
            with database.transaction() as session:
                Writer(session.connection(), calendar, counts).write_batch(batch)
        remaining, chunk = size.direct_deals, 0
        while remaining > 0:
            batch = Batch()
            maker.direct_deals(batch, min(remaining, 20_000), partner_stream(seed, 3, chunk))
            remaining, chunk = remaining - 20_000, chunk + 1
            with database.transaction() as session:
                Writer(session.connection(), calendar, counts).write_batch(batch)
    with database.transaction() as session:
        _advance_sequences(session.connection())
        mark_changed(session.connection())  # the bulk COPYs above go past the driver-level watch
        counts["partner_milestones"] = len(refresh_milestones(session, partner_ids=None, config=config))
        for kind in IMPORT_KINDS:  # the demo is fresh at its own as-of
            if counts.get(kind):
                record_delivery(session, source=DEMO_SOURCE, kind=kind, records=counts[kind], at=_utc(calendar.anchor))
    with database.engine.connect() as connection:
        analyze(connection)
    stories: dict[str, list[str]] = {}
    for plan in plans:
        for story in plan.stories:
            stories.setdefault(story, []).append(plan.name)
    return DemoSummary(counts=counts, stories=stories)
