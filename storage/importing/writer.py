"""Writing validated records set-based, a chunk at a time.

Each chunk goes into a temporary staging table (one executemany of plain driver values), is classified against
the store in SQL (new, changed or unchanged: one index probe per record), and is written with one
`INSERT … SELECT … ON CONFLICT (key) DO UPDATE SET … WHERE <a stored column IS DISTINCT FROM the new value>`.
Only the columns the file provides are compared and written, so a narrower export never blanks a stored value,
and an unchanged record is never touched (its `updated_at` stays). Deals also get their stage history here: a new
deal its first stage change, with the derived facts of its one stay; a known deal whose stage moved, a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from reports.config import ProgramConfig
from storage.importing.kinds import ALWAYS, KindSpec
from storage.importing.new_deals import new_deal_facts
from storage.importing.parse import day_starts
from storage.importing.provenance import HELD, Provenance
from storage.models import PARTNER_ATTRIBUTIONS, AttributionChange, AttributionHold, Deal, StageChange
from storage.rollups import STAY_COLUMNS, MilestoneCandidates, tenths_from_seconds
from storage.types import UtcDateTime
from storage.versioning import writes

CHUNK = 50_000
NEW, CHANGED, SAME = 1, 2, 0
STAGING = "partnerbot_import_staging"
STAYS = "partnerbot_import_stays"
MILESTONE_KINDS = {"partners", "deals", "stage_changes", "intros", "activities"}
Progress = Callable[[int, int], None]


@dataclass
class Written:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deal_ids: set[int] = field(default_factory=set)  # deals whose stage stays must be derived again
    partner_ids: set[int] = field(default_factory=set)  # partners whose milestones must be computed again
    new_deal_rows: list[int] = field(default_factory=list)  # positions of the records inserted as new deals
    grown: dict[int, MilestoneCandidates] = field(default_factory=dict)  # new deals' milestone candidates
    held: list[Held] = field(default_factory=list)  # values a decided attribution dispute kept out

    def add(self, other: Written) -> None:
        """Fold in a later write of the same import (`new_deal_rows` are positions in each write's own records)."""
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deal_ids |= other.deal_ids
        self.partner_ids |= other.partner_ids | (self.grown.keys() & other.grown.keys())  # recomputed in full
        self.grown |= other.grown
        self.held += other.held


@dataclass(frozen=True)
class Held:
    """A deal whose attribution (or credited partner) the record would have changed, kept as a dispute decided."""

    deal: str  # its external id
    said: str  # what the record said
    kept: str  # the decided attribution, kept
    dispute_id: int
    reference: str | None  # the line or event


def table_of(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


DEALS = table_of(Deal)
STAGE_CHANGES = table_of(StageChange)
CHANGES = table_of(AttributionChange)
HOLDS = table_of(AttributionHold)
TRACE = ("trace_field", "trace_raw", "trace_ref")  # the trace's field, raw value and reference, as staged


def write_batch(
    session: Session,
    *,
    spec: KindSpec,
    records: pd.DataFrame,
    present: set[str],
    now: datetime,
    config: ProgramConfig,
    progress: Progress | None = None,
    provenance: Provenance | None = None,
) -> Written:
    """Upsert these validated records (one per key) and say what changed. Deals record each change of their
    attribution with its `provenance`, and keep the attribution of a decided dispute (`Written.held`)."""
    target = table_of(spec.model)
    stored = [s for s in spec.stored if s.when == ALWAYS or present.intersection(s.when)]
    columns: dict[str, tuple[TypeEngine[Any], pd.Series]] = {
        s.column: (target.c[s.column].type, records[s.source]) for s in stored
    }
    stays: dict[str, tuple[TypeEngine[Any], pd.Series]] = {}
    if spec.kind == "deals" and "stage" in present:
        moments, stays = _deal_moments(records, config, present)
        columns |= moments
    if spec.kind == "deals" and provenance is not None:
        columns |= _staged_provenance(provenance, records.index)
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    staging = _Staged(STAGING, columns, dialect, state=True)
    first_stays = _Staged(STAYS, stays, dialect) if stays else None
    for staged in (staging, first_stays):
        if staged is not None:
            staged.create(connection)
    key = list(spec.key_columns)
    plan = _Plan(
        spec,
        target,
        staging.table,
        key,
        [s.column for s in stored if s.column not in key],
        now,
        config,
        dialect,
        present,
        first_stays,
        provenance,
        spec.kind == "deals" and session.execute(select(exists().select_from(HOLDS))).scalar() is True,
    )
    result = Written()
    total = len(records)
    for start in range(0, total, CHUNK):
        rows = range(start, min(start + CHUNK, total))
        session.execute(delete(staging.table))
        staging.load(connection, rows)
        plan.write(session, result)
        if progress is not None:
            progress(rows.stop, total)
    for staged in (staging, first_stays):
        if staged is not None:
            staged.table.drop(connection)
    if result.new_deal_rows:
        entered = stays["entered_at"][1] if stays else None
        result.grown = new_deal_facts(
            session, records=records, entered=entered, rows=result.new_deal_rows, config=config
        )
    return result


def _staged_provenance(provenance: Provenance, index: pd.Index) -> dict[str, tuple[TypeEngine[Any], pd.Series]]:
    """The parts of the provenance that vary by record, to stage beside them (see `_Plan.trace_columns`)."""
    staged: dict[str, tuple[TypeEngine[Any], pd.Series]] = {}
    if isinstance(provenance.field, pd.Series):
        staged["trace_field"] = (String(), provenance.field.reindex(index))
    if provenance.raw is not None:
        staged["trace_raw"] = (String(), provenance.raw.reindex(index))
    if provenance.lines is not None:
        staged["trace_line"] = (Integer(), provenance.lines.reindex(index))
    if provenance.references is not None:
        staged["trace_ref"] = (String(), provenance.references.reindex(index))
    return staged


class _Staged:
    """A temporary table of plain driver values, loaded a range of rows at a time with one executemany."""

    def __init__(
        self, name: str, columns: dict[str, tuple[TypeEngine[Any], pd.Series]], dialect: str, *, state: bool = False
    ) -> None:
        self.dialect = dialect
        self.table = Table(
            name,
            MetaData(),
            Column("row", Integer, primary_key=True, autoincrement=False),
            *([Column("state", Integer)] if state else []),
            *(Column(column, kind) for column, (kind, _) in columns.items()),
            prefixes=["TEMPORARY"],
        )
        self.columns = list(columns.values())
        self.writes = writes(name)  # raw SQL on the temporary table only: the data version does not move
        names = ", ".join(["row", *columns])
        if dialect == "postgresql":
            self.sql = f"COPY {name} ({names}) FROM STDIN"
        else:
            self.sql = f"INSERT INTO {name} ({names}) VALUES ({', '.join(['?'] * (len(columns) + 1))})"

    def create(self, connection: Connection) -> None:
        schema = "temp" if self.dialect == "sqlite" else "pg_temp"  # a rolled-back import may have left it behind
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {schema}.{self.table.name}", execution_options=self.writes)
        self.table.create(connection)

    def load(self, connection: Connection, rows: Sequence[int]) -> None:
        """Stage these rows (positions in the records), converted a chunk at a time to bound memory."""
        if not rows:
            return
        positions = slice(rows.start, rows.stop) if isinstance(rows, range) else list(rows)
        columns = [_driver_values(values.iloc[positions], kind, self.dialect) for kind, values in self.columns]
        records = zip(rows, *columns, strict=True)
        if self.dialect == "postgresql":  # COPY: PostgreSQL's bulk load, several times faster than executemany
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(self.sql) as copy:
                for record in records:
                    copy.write_row(record)
            return
        connection.exec_driver_sql(self.sql, list(records), execution_options=self.writes)


@dataclass(frozen=True)
class _Plan:
    """The statements that classify and write one staged chunk."""

    spec: KindSpec
    target: Table
    staging: Table
    key: list[str]
    values: list[str]  # non-key columns written
    now: datetime
    config: ProgramConfig
    dialect: str
    present: set[str]
    first_stays: _Staged | None = None
    provenance: Provenance | None = None
    holds: bool = False  # some deal's attribution is held by a decided dispute

    @property
    def match(self) -> ColumnElement[bool]:
        return and_(*(self.target.c[k] == self.staging.c[k] for k in self.key))

    def differs(self, new: Any) -> ColumnElement[bool]:
        """Any written column whose stored value is distinct from `new`'s (the staging table or `excluded`)."""
        if not self.values:
            return false()
        return or_(*(self.target.c[c].is_distinct_from(new[c]) for c in self.values))

    def write(self, session: Session, result: Written) -> None:
        target, staging, kind = self.target, self.staging, self.spec.kind
        if self.holds:
            result.held += self._keep_held(session)
        probe = select(case((self.differs(staging.c), CHANGED), else_=SAME)).where(self.match).scalar_subquery()
        session.execute(update(staging).values(state=func.coalesce(probe, NEW)))
        counts: dict[int, int] = dict(
            session.execute(select(staging.c.state, func.count()).group_by(staging.c.state)).all()
        )
        result.inserted += counts.get(NEW, 0)
        result.updated += counts.get(CHANGED, 0)
        result.unchanged += counts.get(SAME, 0)
        if not counts.get(NEW) and not counts.get(CHANGED):
            return
        moved = staging.c.state != SAME
        new_rows: list[int] = []
        if kind == "deals" and counts.get(NEW):
            new_rows = list(session.execute(select(staging.c.row).where(staging.c.state == NEW)).scalars())
            result.new_deal_rows += new_rows  # their partners' milestones only move earlier: see new_deals.py
        if "partner_id" in staging.c and kind in MILESTONE_KINDS:
            recompute = staging.c.state == CHANGED if kind == "deals" else moved
            pairs = session.execute(
                select(target.c.partner_id, staging.c.partner_id)
                .select_from(staging.outerjoin(target, self.match))
                .where(recompute)
            )
            result.partner_ids |= {pid for pair in pairs for pid in pair if pid is not None}
        if kind == "deals":
            result.deal_ids |= set(
                session.execute(
                    select(target.c.id).select_from(staging.join(target, self.match)).where(staging.c.state == CHANGED)
                ).scalars()
            )
            if "stage" in self.present:
                self._append_stage_changes(session)
            self._trace(session, new=False)
        session.execute(self._upsert())
        if kind == "deals" and counts.get(NEW):
            self._trace(session, new=True)
        if self.first_stays is not None and new_rows:
            self._start_stage_histories(session, self.first_stays, new_rows)
        if kind == "stage_changes":
            added = select(staging.c.deal_id).where(staging.c.state == NEW)
            result.deal_ids |= set(session.execute(added).scalars())
            result.partner_ids |= set(
                session.execute(
                    select(DEALS.c.partner_id).where(DEALS.c.id.in_(added), DEALS.c.partner_id.is_not(None)).distinct()
                ).scalars()
            )
        if kind == "partners":
            result.partner_ids |= set(
                session.execute(
                    select(target.c.id).select_from(staging.join(target, self.match)).where(moved)
                ).scalars()
            )

    @property
    def origin(self) -> tuple[str, str]:
        """(import or api, the file or API source) the chunk's records came from."""
        return (self.provenance.origin, self.provenance.source) if self.provenance else ("import", "")

    def trace_columns(self) -> list[Any]:
        """The field, the value as the record said it and its reference (line or event), each from the staged
        column when it varies by record, else as one value for all (see `Provenance`), labelled as in TRACE."""
        staging, provenance = self.staging, self.provenance
        field: Any = (
            staging.c.trace_field
            if "trace_field" in staging.c
            else literal(
                provenance.field if provenance is not None and isinstance(provenance.field, str) else None, String()
            )
        )
        raw: Any = staging.c.trace_raw if "trace_raw" in staging.c else staging.c.attribution
        reference: Any = literal(None, String())
        if "trace_ref" in staging.c:
            reference = staging.c.trace_ref
        elif "trace_line" in staging.c:
            reference = literal("line ", String()) + sql_cast(staging.c.trace_line, String())
        return [field.label(TRACE[0]), raw.label(TRACE[1]), reference.label(TRACE[2])]

    def _trace(self, session: Session, *, new: bool) -> None:
        """Record the deals whose attribution or credited partner this chunk sets: new deals (after the upsert,
        with no previous value), and changed ones (before it, with the value they had)."""
        staging = self.staging
        trace = self.trace_columns()
        origin, source = self.origin
        previous: list[Any] = (
            [literal(None, String()), literal(None, Integer())] if new else [DEALS.c.attribution, DEALS.c.partner_id]
        )
        changed = (
            staging.c.state == NEW
            if new
            else and_(
                staging.c.state == CHANGED,
                or_(
                    DEALS.c.attribution.is_distinct_from(staging.c.attribution),
                    DEALS.c.partner_id.is_distinct_from(staging.c.partner_id),
                ),
            )
        )
        rows = (
            select(
                DEALS.c.id,
                staging.c.attribution,
                previous[0],
                staging.c.partner_id,
                previous[1],
                literal(origin, String()),
                literal(source, String()),
                *trace,
                literal(self.now, UtcDateTime()),
            )
            .select_from(staging.join(DEALS, DEALS.c.external_id == staging.c.external_id))
            .where(changed)
        )
        names = ["deal_id", "attribution", "previous", "partner_id", "previous_partner_id", "origin", "source"]
        names += ["field", "raw_value", "reference", "changed_at"]
        session.execute(CHANGES.insert().from_select(names, rows))

    def _keep_held(self, session: Session) -> list[Held]:
        """Deals whose attribution a decided dispute holds keep it: the staged value is replaced by the decided
        one (before the chunk is classified), and what the record said is recorded once, as "held"."""
        staging = self.staging
        trace = self.trace_columns()
        found = session.execute(
            select(
                staging.c.row,
                DEALS.c.id.label("deal_id"),
                DEALS.c.external_id,
                staging.c.attribution.label("said"),
                staging.c.partner_id.label("said_partner"),
                HOLDS.c.attribution.label("kept"),
                HOLDS.c.partner_id.label("kept_partner"),
                HOLDS.c.dispute_id,
                *trace,
            )
            .select_from(
                staging.join(DEALS, DEALS.c.external_id == staging.c.external_id).join(
                    HOLDS, HOLDS.c.deal_id == DEALS.c.id
                )
            )
            .where(
                or_(
                    staging.c.attribution.is_distinct_from(HOLDS.c.attribution),
                    staging.c.partner_id.is_distinct_from(HOLDS.c.partner_id),
                )
            )
        ).all()
        if not found:
            return []
        session.execute(
            update(staging)
            .where(staging.c.row == bindparam("r"))
            .values(attribution=bindparam("a"), partner_id=bindparam("p")),
            [{"r": f.row, "a": f.kept, "p": f.kept_partner} for f in found],
        )
        said_before = set(
            session.execute(
                select(CHANGES.c.deal_id, CHANGES.c.attribution, CHANGES.c.partner_id)
                .join(HOLDS, HOLDS.c.deal_id == CHANGES.c.deal_id)
                .where(
                    CHANGES.c.deal_id.in_([f.deal_id for f in found]),
                    CHANGES.c.origin == HELD,
                    CHANGES.c.changed_at >= HOLDS.c.decided_at,
                )
            ).all()
        )
        origin, source = self.origin
        fresh = [f for f in found if (f.deal_id, f.said, f.said_partner) not in said_before]
        if fresh:  # a file imported every night says it once, not every night
            session.execute(
                CHANGES.insert(),
                [
                    {
                        "deal_id": f.deal_id,
                        "attribution": f.said,
                        "previous": f.kept,
                        "partner_id": f.said_partner,
                        "previous_partner_id": f.kept_partner,
                        "origin": HELD,
                        "source": f"{origin}: {source}"[:500],
                        "field": f.trace_field,
                        "raw_value": f.trace_raw,
                        "reference": f.trace_ref,
                        "changed_at": self.now,
                    }
                    for f in fresh
                ],
            )
        return [Held(f.external_id, f.said, f.kept, f.dispute_id, f.trace_ref) for f in found]

    def _insert(self, table: Table) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def _upsert(self) -> Any:
        target, staging = self.target, self.staging
        names = [*self.key, *self.values]
        chosen: list[Any] = [staging.c[c] for c in names]
        stamped = "updated_at" in target.c
        if stamped:
            names.append("updated_at")
            chosen.append(literal(self.now, UtcDateTime()))
        statement = self._insert(target).from_select(names, select(*chosen).where(staging.c.state != SAME))
        if not self.values:
            return statement.on_conflict_do_nothing(index_elements=self.key)
        changes: dict[str, Any] = {c: statement.excluded[c] for c in self.values}
        if stamped:
            changes["updated_at"] = statement.excluded.updated_at
        if self.spec.kind == "deals" and "currency" in self.present and "amount" not in self.present:
            # the file moves currencies but carries no amounts: convert the stored amount at the new rate
            rates = {self.config.base_currency: 1.0, **self.config.currency_rates}
            changes["amount_base_minor"] = func.round(
                target.c.amount_minor * case(rates, value=statement.excluded.currency, else_=None)
            )
        return statement.on_conflict_do_update(
            index_elements=self.key, set_=changes, where=self.differs(statement.excluded)
        )

    def _append_stage_changes(self, session: Session) -> None:
        """Known deals whose stage moved enter the new stage at stage_entered_at, else now, or at the close when the
        deal closed before now: no stage begins after its deal closed (run before the upsert)."""
        staging = self.staging
        now = literal(self.now, UtcDateTime())
        entered: Any = case((staging.c.closed_at < now, staging.c.closed_at), else_=now)
        if "stage_entered_at" in staging.c:
            entered = func.coalesce(staging.c.stage_entered_at, entered)
        moved = (
            select(DEALS.c.id, staging.c.stage, entered)
            .select_from(staging.join(DEALS, DEALS.c.external_id == staging.c.external_id))
            .where(
                staging.c.state == CHANGED,
                staging.c.stage.is_not(None),
                DEALS.c.stage.is_distinct_from(staging.c.stage),
            )
        )
        statement = self._insert(STAGE_CHANGES).from_select(["deal_id", "stage", "entered_at"], moved)
        session.execute(statement.on_conflict_do_nothing(index_elements=["deal_id", "stage", "entered_at"]))

    def _start_stage_histories(self, session: Session, first_stays: _Staged, new_rows: list[int]) -> None:
        """A new deal's first stage change, its stay's facts already derived (see `_deal_moments`); they are staged
        for the new deals only, so a re-import never pays for them."""
        staging, stays = self.staging, first_stays.table
        new = staging.c.state == NEW
        first_stays.load(session.connection(), new_rows)
        first = (
            select(
                DEALS.c.id,
                staging.c.stage,
                stays.c.entered_at,
                literal(1),
                stays.c.left_at,
                stays.c.stay_tenths,
                stays.c.terminal,
                true(),
                stays.c.advanced_at,
                DEALS.c.partner_id,
                DEALS.c.attribution.in_(PARTNER_ATTRIBUTIONS),
                DEALS.c.attribution,
            )
            .select_from(
                staging.join(stays, stays.c.row == staging.c.row).join(
                    DEALS, DEALS.c.external_id == staging.c.external_id
                )
            )
            .where(new, staging.c.stage.is_not(None))
        )
        statement = self._insert(STAGE_CHANGES).from_select(["deal_id", "stage", "entered_at", *STAY_COLUMNS], first)
        session.execute(statement.on_conflict_do_nothing(index_elements=["deal_id", "stage", "entered_at"]))
        session.execute(delete(stays))


def _deal_moments(
    records: pd.DataFrame, config: ProgramConfig, present: set[str]
) -> tuple[dict[str, tuple[TypeEngine[Any], pd.Series]], dict[str, tuple[TypeEngine[Any], pd.Series]]]:
    """Each deal's close instant (and stage_entered_at) to stage, and the stay of a new deal's first stage change.

    The stay is `storage.rollups.derive_stays` for a one-entry history. It enters its stage at stage_entered_at,
    else on its created date; a deal first seen already closed whose stage is no pipeline stage ("Closed Won")
    entered it on its close date. A stay that begins at or after the close is terminal; otherwise it ends at the
    close, and a pipeline stage of a won deal advanced then.
    """
    tz = config.tz
    closed = records["outcome"].isin(("won", "lost")) & records["closed_on"].notna()
    close = day_starts(records["closed_on"], tz).where(closed)
    stage = records["stage"].astype(str).str.casefold()
    pipeline = records["stage"].notna() & stage.isin([s.casefold() for s in config.pipeline_stages])
    entered = day_starts(records["created_on"], tz).where(~(closed & ~pipeline), close)
    moments: dict[str, tuple[TypeEngine[Any], pd.Series]] = {"closed_at": (UtcDateTime(), close)}
    if "stage_entered_at" in present:
        given = records["stage_entered_at"]
        entered = given.where(given.notna(), entered)
        moments["stage_entered_at"] = (UtcDateTime(), given)
    terminal = closed & (entered >= close)
    left = close.where(closed & ~terminal)
    seconds = (left - entered).dt.total_seconds()
    tenths = tenths_from_seconds(seconds).clip(lower=0).astype("Int64").where(left.notna())
    advanced = close.where((records["outcome"] == "won") & pipeline & closed & ~terminal)
    stays: dict[str, tuple[TypeEngine[Any], pd.Series]] = {
        "entered_at": (UtcDateTime(), entered),
        "left_at": (UtcDateTime(), left),
        "stay_tenths": (Integer(), tenths),
        "terminal": (Boolean(), terminal),
        "advanced_at": (UtcDateTime(), advanced),
    }
    return moments, stays


def _driver_values(values: pd.Series, kind: TypeEngine[Any], dialect: str) -> list[Any]:
    """Plain driver values for a column, as the dialect stores them: no per-value SQLAlchemy processing."""
    if isinstance(kind, UtcDateTime):
        moments = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]")
        missing = np.isnat(moments)
        if dialect == "sqlite":
            out = moments.astype(np.int64).astype(object)  # epoch seconds, as UtcDateTime stores them
        else:
            out = np.char.add(np.datetime_as_string(moments, unit="s"), "Z").astype(object)
        out[missing] = None
        return cast(list[Any], out.tolist())
    if isinstance(kind, Date):  # ISO text, as SQLAlchemy stores a date on SQLite; each distinct day formatted once
        codes, days = pd.factorize(values.to_numpy().astype("datetime64[D]"))
        text = np.concatenate(
            [np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D").astype(object), [None]]
        )
        return cast(list[Any], text[codes].tolist())  # code -1 (no date) picks the None at the end
    if isinstance(kind, Boolean):
        return [bool(v) for v in values.fillna(False).to_numpy()]
    if isinstance(kind, Integer):
        values = values.astype("Int64")  # Python ints: the sqlite3 driver refuses numpy's
    elif isinstance(kind, Float):
        values = values.astype("float64")
    return values.astype(object).where(values.notna(), None).tolist()
