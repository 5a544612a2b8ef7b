"""Import throughput: a deals CSV through the real importer, next to a raw bulk insert of the same rows.

The raw insert is the floor any importer pays: read the CSV, convert amounts to minor units, resolve partner ids,
and load the rows with the store's fastest bulk path (one executemany on SQLite, COPY on PostgreSQL; on SQLite
under the same page cache as the importer) into the deals table, with no validation, no upsert, no stage history
and no rollups, then roll it back. The same load into an unindexed copy of the table is timed too: the difference
is what the store's indexes cost any writer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Column, MetaData, Table, delete, select

from benchmarks.profiles import ANCHOR
from demodata.catalogue import STAGES  # the profile's pipeline, as the generator configured it
from reports.freshness import IMPORT_SOURCE
from storage.db import Database, bulk_write_cache
from storage.importing import run_import
from storage.models import Deal, ImportRun, Partner, SourceDelivery, StageChange
from storage.program import load_config
from storage.rollups import refresh_milestones

RAW_TABLE = "bench_raw_deals"
CSV_PREFIX = "bench-deals-"
BENCH_DEALS = "BENCH-%"  # the external ids of every deal the benchmark adds (the import's, the events')


@dataclass(frozen=True)
class ImportResult:
    rows: int
    importer_seconds: float
    raw_seconds: float  # into the deals table, with its indexes: the baseline
    scratch_seconds: float  # into an unindexed copy: what the indexes cost, for reference
    inserted: int

    @property
    def importer_rows_per_s(self) -> float:
        return self.rows / self.importer_seconds

    @property
    def raw_rows_per_s(self) -> float:
        return self.rows / self.raw_seconds

    @property
    def scratch_rows_per_s(self) -> float:
        return self.rows / self.scratch_seconds

    @property
    def ratio(self) -> float:
        return self.importer_rows_per_s / self.raw_rows_per_s


def write_deals_csv(database: Database, path: Path, rows: int, seed: int) -> None:
    """`rows` new partner deals over the store's partners, as a CRM export would list them (deterministic)."""
    with database.session() as session:
        partners = np.asarray(session.execute(select(Partner.external_id).order_by(Partner.id)).scalars().all())
    rng = np.random.default_rng(seed)
    outcome = rng.choice(np.array(["open", "won", "lost"]), rows, p=[0.45, 0.35, 0.2])
    anchor = np.datetime64(ANCHOR.date(), "D")
    created = anchor - rng.integers(20, 700, rows).astype("timedelta64[D]")
    closed = np.minimum(created + rng.integers(5, 150, rows).astype("timedelta64[D]"), anchor - 1)
    closed_text = np.where(outcome == "open", "", np.datetime_as_string(closed, unit="D"))
    amount = np.round(rng.lognormal(np.log(40_000), 0.8, rows), 2)
    frame = pd.DataFrame(
        {
            "deal_id": [f"BENCH-{i:07d}" for i in range(rows)],
            "partner_id": partners[rng.integers(0, len(partners), rows)],
            "attribution": rng.choice(np.array(["sourced", "influenced"]), rows, p=[0.6, 0.4]),
            "outcome": outcome,
            "created_on": np.datetime_as_string(created, unit="D"),
            "closed_on": closed_text,
            "amount": amount,
            "currency": "USD",
            "stage": np.where(outcome == "open", np.asarray(STAGES)[rng.integers(0, len(STAGES), rows)], ""),
            "name": [f"Bench opportunity {i}" for i in range(rows)],
        }
    )
    frame.to_csv(path, index=False)


def time_importer(database: Database, path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    report = run_import(database, kind="deals", path=path, now=ANCHOR)
    return time.perf_counter() - started, report.inserted


def time_raw_insert(database: Database, path: Path, *, indexed: bool) -> float:
    """Read, type and bulk-load the same rows: into the deals table itself in a transaction rolled back afterwards
    (`indexed`, the floor for this store: every index the importer maintains is maintained), or into a scratch copy
    without indexes (dropped afterwards)."""
    deals = Deal.__table__
    assert isinstance(deals, Table)
    if indexed:
        return _bulk_load(database, path, deals.name, keep=False)
    metadata = MetaData()
    raw = Table(RAW_TABLE, metadata, *(Column(c.name, c.type, primary_key=c.primary_key) for c in deals.columns))
    metadata.drop_all(database.engine, tables=[raw])
    metadata.create_all(database.engine, tables=[raw])
    try:
        return _bulk_load(database, path, RAW_TABLE, keep=True)
    finally:
        metadata.drop_all(database.engine, tables=[raw])


def _bulk_load(database: Database, path: Path, table: str, *, keep: bool) -> float:
    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    with database.session() as session:
        ids = dict(session.execute(select(Partner.external_id, Partner.id)).all())
    now = datetime.now(UTC)
    minor = (pd.to_numeric(frame["amount"]) * 100).round().astype("int64")
    columns = {
        "external_id": frame["deal_id"].tolist(),
        "partner_id": frame["partner_id"].map(ids).tolist(),
        "attribution": frame["attribution"].tolist(),
        "name": frame["name"].tolist(),
        "amount_minor": minor.tolist(),
        "currency": frame["currency"].tolist(),
        "amount_base_minor": minor.tolist(),
        "stage": [value or None for value in frame["stage"].tolist()],
        "created_on": frame["created_on"].tolist(),  # ISO dates, as both stores take them
        "closed_on": [value or None for value in frame["closed_on"].tolist()],
        "outcome": frame["outcome"].tolist(),
    }
    names = list(columns)
    records = list(zip(*columns.values(), strict=True))
    postgres = database.engine.dialect.name == "postgresql"
    stamp = now if postgres else int(now.timestamp())
    records = [(*record, stamp) for record in records]
    names.append("updated_at")
    with database.engine.connect() as connection, bulk_write_cache(connection):
        driver = connection.connection.driver_connection
        assert driver is not None
        if postgres:
            with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
        else:
            marks = ", ".join("?" for _ in names)
            driver.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", records)
        seconds = time.perf_counter() - started
        if keep:
            connection.commit()
        else:
            connection.rollback()
    if postgres and not keep:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM {table}")  # the rolled-back rows' index entries, before the importer
    return seconds


def measure_import(database: Database, folder: Path, rows: int, seed: int) -> ImportResult:
    path = folder / f"{CSV_PREFIX}{rows}.csv"
    write_deals_csv(database, path, rows, seed)
    scratch_seconds = time_raw_insert(database, path, indexed=False)
    raw_seconds = time_raw_insert(database, path, indexed=True)
    importer_seconds, inserted = time_importer(database, path)
    path.unlink()
    return ImportResult(rows, importer_seconds, raw_seconds, scratch_seconds, inserted)


def forget_import(database: Database) -> None:
    """Remove the deals the benchmark added (the import's, the events') with their stage history, and the import's
    record and delivery, so that a reused store holds the profile and nothing else."""
    with database.transaction() as session:
        touched = sorted(
            {
                pid
                for pid in session.execute(
                    select(Deal.partner_id).where(Deal.external_id.like(BENCH_DEALS)).distinct()
                ).scalars()
                if pid is not None
            }
        )
        bench = select(Deal.id).where(Deal.external_id.like(BENCH_DEALS)).scalar_subquery()
        session.execute(delete(StageChange).where(StageChange.deal_id.in_(bench)))
        session.execute(delete(Deal).where(Deal.external_id.like(BENCH_DEALS)))
        session.execute(delete(ImportRun).where(ImportRun.source.like(f"%{CSV_PREFIX}%")))
        session.execute(
            delete(SourceDelivery).where(SourceDelivery.source == IMPORT_SOURCE, SourceDelivery.kind == "deals")
        )
        refresh_milestones(session, partner_ids=touched, config=load_config(session))
