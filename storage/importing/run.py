"""One import, start to finish: read, map, parse, check, then write everything valid in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.csv_cells import safe_writer
from reports.freshness import IMPORT_SOURCE
from storage.db import Database, analyze, bulk_write_cache
from storage.importing.duplicates import check_duplicates, drop_identical, drop_repeated_keys, duplicates_note
from storage.importing.files import RawTable, read_table, table_from_records
from storage.importing.kinds import KINDS, Batch, Context, KindSpec, References, parse_batch
from storage.importing.limits import DATE_REASON, END_DAY, FIRST_DAY, UNSAFE_REASON, check_limits, unsafe_text
from storage.importing.mapping import Mapping, Selected, load_mapping, select_fields
from storage.importing.onboarding import (
    load_first_deal_days,
    load_given_onboarding,
    moved_note,
    onboarding_notes,
    rederive_onboarding,
)
from storage.importing.parse import parse_instants
from storage.importing.provenance import API, IMPORT, Provenance, provenance_of
from storage.importing.report import ImportFileError, ImportRejected, ImportReport, RowError
from storage.importing.writer import Held, Written, write_batch
from storage.models import Deal, ImportRun, Intro, Partner
from storage.people import load_emails_by_name
from storage.program import load_config
from storage.rollups import MilestoneChange, merge_new_deals, refresh_milestones, refresh_stage_stays
from storage.sources import record_delivery

LOOKUP_CHUNK = 5000
ANALYZE_AFTER_ROWS = 100_000  # a bulk load this large refreshes the planner's statistics


def run_import(
    database: Database,
    *,
    kind: str,
    path: Path,
    mapping: str | None = None,
    skip_invalid: bool = False,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import one CSV or JSON Lines file of `kind`.

    By default any invalid row stops the import (`ImportRejected`, nothing written); with `skip_invalid` the valid
    rows are committed and the rejected ones written beside the file. A file that cannot be read as an export
    raises `ImportFileError`. Either way the store changes in one transaction or not at all.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ImportFileError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    chosen = load_mapping(mapping)
    chosen.check_for(kind, spec.names)
    table = read_table(path, delimiter=chosen.delimiter, encoding=chosen.encoding)
    identical = 0
    if chosen.drop_duplicates is not None:
        table, identical = drop_identical(table)
    selected = select_fields(table, chosen, spec.names, spec.required, kind)
    with database.transaction() as session, bulk_write_cache(session.connection()):
        config = load_config(session)
        outcome = _import_table(
            session,
            spec=spec,
            table=table,
            selected=selected,
            chosen=chosen,
            config=config,
            now=now,
            skip_invalid=skip_invalid,
            progress=progress,
            provenance=provenance_of(selected, table, origin=IMPORT, source=path.name),
        )
        bad, errors = outcome.bad, outcome.errors
        note = duplicates_note(spec, identical=identical, repeated=outcome.repeated, keep=chosen.keep)
        notes = ([note] if note else []) + outcome.notes
        if errors and not skip_invalid:
            raise ImportRejected(
                ImportReport(
                    kind,
                    str(path),
                    rejected=len(bad),
                    errors=errors,
                    identical_dropped=identical,
                    repeated_dropped=outcome.repeated,
                    notes=notes,
                )
            )
        written, changes = outcome.written, outcome.changes
        session.add(
            ImportRun(
                kind=kind,
                source=str(path)[-500:],
                finished_at=now,
                inserted=written.inserted,
                updated=written.updated,
                unchanged=written.unchanged,
                rejected=len(bad),
            )
        )
        delivered = written.inserted + written.updated + written.unchanged
        if delivered:  # a file whose every row was rejected delivered nothing
            record_delivery(session, source=IMPORT_SOURCE, kind=kind, records=delivered, at=now)
        session.flush()
        rejected_path = _write_rejected(path, table, bad, errors) if len(bad) else None
    if written.inserted >= ANALYZE_AFTER_ROWS:
        with database.engine.connect() as connection:
            analyze(connection)
    return ImportReport(
        kind=kind,
        source=str(path),
        inserted=written.inserted,
        updated=written.updated,
        unchanged=written.unchanged,
        rejected=len(bad),
        errors=errors,
        rejected_path=rejected_path,
        milestone_changes=changes,
        identical_dropped=identical,
        repeated_dropped=outcome.repeated,
        notes=notes,
    )


@dataclass
class _Outcome:
    bad: np.ndarray
    errors: list[RowError]
    repeated: int = 0  # rows left out as repeating a key
    notes: list[str] = field(default_factory=list)
    written: Any = None
    changes: list[MilestoneChange] = field(default_factory=list)


def _import_table(
    session: Session,
    *,
    spec: KindSpec,
    table: RawTable,
    selected: Selected,
    chosen: Mapping,
    config: ProgramConfig,
    now: datetime,
    skip_invalid: bool,
    progress: Callable[[int, int], None] | None,
    provenance: Provenance,
    in_order: bool = False,
) -> _Outcome:
    """Parse, check and (when every row is valid, or invalid rows may be skipped) write, in the caller's
    transaction. Records sharing a key are rejected after the first, or, `in_order`, applied one after another."""
    zone = ZoneInfo(chosen.time_zone) if chosen.time_zone else config.tz
    context = Context(config, chosen.date_formats, zone, chosen.onboarding)
    batch = parse_batch(selected.frame, selected.labels, spec, context)
    for name, reasons in selected.problems.items():  # what the mapping itself rejects (a lookup's missing key)
        batch.fail_each(name, reasons)
    if spec.check is not None:
        spec.check(batch, context, _references(session, spec, batch, context))
    repeated = drop_repeated_keys(batch, spec, chosen.keep) if chosen.drop_duplicates == "key" else 0
    check_limits(batch, spec)
    if not in_order:
        check_duplicates(batch, spec, table.lines)
    errors = _row_errors(batch, table)
    bad = batch.bad_rows()
    outcome = _Outcome(bad, errors, repeated)
    if errors and not skip_invalid:
        return outcome
    valid = batch.values[~batch.values.index.isin(bad)]
    outcome.written = Written()
    for records in _rounds(valid, spec):
        outcome.written.add(
            write_batch(
                session,
                spec=spec,
                records=records,
                present=batch.present,
                now=now,
                config=config,
                progress=progress,
                provenance=provenance,
            )
        )
    if spec.kind == "partners":
        ids = valid["partner_id"].dropna().astype(str).tolist()
        outcome.notes += onboarding_notes(session, external_ids=ids, rule=chosen.onboarding)
    outcome.notes += held_notes(outcome.written.held)
    notes, outcome.changes = follow_writes(session, outcome.written, deals=spec.kind == "deals", now=now, config=config)
    outcome.notes += notes
    return outcome


def follow_writes(
    session: Session, written: Written, *, deals: bool, now: datetime, config: ProgramConfig
) -> tuple[list[str], list[MilestoneChange]]:
    """What follows a write to deals or their stages, in the same transaction: the stays' derived facts, derived
    onboarding dates (when deals changed) and the milestones. The importer and a dispute's decision both use it."""
    notes: list[str] = []
    if written.deal_ids:
        refresh_stage_stays(session, deal_ids=sorted(written.deal_ids), config=config)
    if deals:  # derived onboarding dates follow the deals, and the milestones follow them
        moved = rederive_onboarding(session, now=now)
        written.partner_ids |= set(moved)
        notes += [moved_note(len(moved))] if moved else []
    return notes, _update_milestones(session, written, config)


def held_notes(held: list[Held], *, shown: int = 5) -> list[str]:
    """What an import or batch said about deals whose attribution a decided dispute holds: not applied, and said."""
    if not held:
        return []
    listed = "; ".join(
        f"{h.deal} ({h.reference or 'record'}) said {h.said}, kept {h.kept} (dispute #{h.dispute_id})"
        for h in held[:shown]
    )
    more = f"; and {len(held) - shown} more" if len(held) > shown else ""
    return [
        f"{len(held)} deal(s) kept the attribution an admin decided in a dispute: {listed}{more}. To change one, "
        "open a new dispute on it in Slack (Why? → Dispute)."
    ]


def _rounds(records: pd.DataFrame, spec: KindSpec) -> list[pd.DataFrame]:
    """The records in rounds by how often their key came before: each key's first record in the first round, its
    second in the next, … Written round after round, later records update what earlier ones wrote."""
    keys = [s.source for s in spec.stored[: len(spec.key)]]
    if records.empty or not records.duplicated(keys).any():
        return [records]
    seen = records.groupby(keys, sort=False, dropna=False).cumcount()
    return [records[seen == count] for count in range(int(seen.max()) + 1)]


def _update_milestones(session: Session, written: Written, config: ProgramConfig) -> list[MilestoneChange]:
    """Partners whose rows changed are recomputed; partners that only gained deals take the earlier of their
    stored milestones and the new deals' candidates (the same result, without reading their whole history)."""
    changes: list[MilestoneChange] = []
    if written.partner_ids:
        changes += refresh_milestones(session, partner_ids=sorted(written.partner_ids), config=config)
    grown = {pid: facts for pid, facts in written.grown.items() if pid not in written.partner_ids}
    if grown:
        changes += merge_new_deals(session, grown=grown, config=config)
    return sorted(changes, key=lambda change: (change.partner_id, change.step))


@dataclass(frozen=True)
class RecordError:
    """A problem with one field of one record handed to `import_records` (index into the records)."""

    index: int
    field: str
    reason: str


@dataclass(frozen=True)
class RecordsResult:
    written: int  # records inserted or changed
    errors: list[RecordError]
    milestone_changes: list[MilestoneChange]
    held: list[Held] = field(default_factory=list)  # attributions a decided dispute kept


def import_records(
    session: Session,
    *,
    kind: str,
    records: list[dict[str, Any]],
    now: datetime,
    source: str = "api",
    references: list[str] | None = None,
) -> RecordsResult:
    """Records from the ingestion API, checked and written exactly like the rows of an import file, in the caller's
    transaction. Nothing is written when any record is bad: the caller gets every problem instead. Unlike a file,
    a batch of events may hold the same record more than once (a deal sent open, then won): each applies in turn.

    Besides the import kinds, `intro_responses` records ({intro_id, first_response_at, next_step_at}) set the
    response times of intros already known.
    """
    config = load_config(session)
    if kind == "intro_responses":
        return _intro_responses(session, records, config)
    spec = KINDS[kind]
    table = table_from_records("events", records, list(range(1, len(records) + 1)))
    chosen = load_mapping(None)
    try:
        selected = select_fields(table, chosen, spec.names, spec.required, kind)
    except ImportFileError as error:
        return RecordsResult(
            0, [RecordError(i, "data", str(error).removeprefix("events: ")) for i in range(len(records))], []
        )
    outcome = _import_table(
        session,
        spec=spec,
        table=table,
        selected=selected,
        chosen=chosen,
        config=config,
        now=now,
        skip_invalid=False,
        progress=None,
        provenance=provenance_of(
            selected,
            table,
            origin=API,
            source=source,
            references=references or [f"record {i + 1}" for i in range(len(records))],
        ),
        in_order=True,
    )
    if outcome.errors:
        return RecordsResult(0, [RecordError(e.line - 1, e.column, e.reason) for e in outcome.errors], [])
    written = outcome.written
    return RecordsResult(written.inserted + written.updated, [], outcome.changes, written.held)


def _intro_responses(session: Session, records: list[dict[str, Any]], config: ProgramConfig) -> RecordsResult:
    errors: list[RecordError] = []
    updates: list[tuple[int, dict[str, datetime]]] = []
    ids = pd.Series([str(r.get("intro_id") or "") for r in records], dtype=str)
    unsafe = unsafe_text(ids)
    known = dict(
        session.execute(select(Intro.external_id, Intro.id).where(Intro.external_id.in_(list(ids[~unsafe])))).all()
    )
    for index, record in enumerate(records):
        intro = known.get(ids[index])
        if unsafe[index]:
            errors.append(RecordError(index, "intro_id", UNSAFE_REASON))
        elif intro is None:
            errors.append(
                RecordError(
                    index,
                    "intro_id",
                    f"unknown intro_id {record.get('intro_id')!r}: send the intro.created event first",
                )
            )
        values: dict[str, datetime] = {}
        for name in ("first_response_at", "next_step_at"):
            if record.get(name) in (None, ""):
                continue
            text = pd.Series([str(record[name])], dtype=str)
            if unsafe_text(text).iloc[0]:
                errors.append(RecordError(index, name, UNSAFE_REASON))
                continue
            parsed = parse_instants(text, (), config.tz)
            moment = parsed.values.iloc[0]
            if len(parsed.errors):
                errors.append(RecordError(index, name, str(parsed.errors.iloc[0])))
            elif not FIRST_DAY.tz_localize("UTC") <= moment < END_DAY.tz_localize("UTC"):
                errors.append(RecordError(index, name, f"{moment:%Y-%m-%d} {DATE_REASON}"))
            else:
                values[name] = moment.to_pydatetime()
        if not values and not any(e.index == index and e.field != "intro_id" for e in errors):
            errors.append(RecordError(index, "first_response_at", "give first_response_at, next_step_at or both"))
        if intro is not None:
            updates.append((intro, values))
    if errors:
        return RecordsResult(0, errors, [])
    for intro, values in updates:
        session.execute(update(Intro).where(Intro.id == intro).values(**values))
    return RecordsResult(len(updates), [], [])


def _references(session: Session, spec: KindSpec, batch: Batch, context: Context) -> References:
    partners: dict[str, int] = {}
    if "partner_id" in spec.names:
        partners = dict(session.execute(select(Partner.external_id, Partner.id)).all())
    deals: dict[str, int] = {}
    if spec.kind == "stage_changes":
        wanted = sorted(batch.column("deal_id").dropna().unique())
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            deals.update(session.execute(select(Deal.external_id, Deal.id).where(Deal.external_id.in_(chunk))).all())
    people: dict[str, tuple[str, ...]] = {}
    if spec.kind == "deals":
        owners = batch.column("owner_email").dropna().astype(str)
        if (~owners.str.contains("@", regex=False)).any():  # names to look up
            people = load_emails_by_name(session)
    first_deals: dict[str, date] = {}
    given: dict[str, date | None] = {}
    if spec.kind == "partners" and context.onboarding is not None:
        ids = batch.column("partner_id").dropna().astype(str).tolist()
        first_deals = load_first_deal_days(session, external_ids=ids)
        if "onboarded_on" not in batch.present:
            given = load_given_onboarding(session, external_ids=ids)
    return References(partners, deals, people, first_deals, given)


def _row_errors(batch: Batch, table: RawTable) -> list[RowError]:
    """Every problem as `line N: column X: reason`, by line, then in the file's column order."""
    if not batch.problems:
        return []
    problems = pd.concat(batch.problems, ignore_index=True)
    label = problems["field"].map(lambda name: batch.labels.get(name, name))
    position = {column: index for index, column in enumerate(table.columns)}
    problems["line"] = table.lines[problems["row"].to_numpy()]
    problems["label"] = label
    problems["position"] = label.map(lambda name: position.get(name, len(position)))
    problems = problems.sort_values(["line", "position", "seq"], kind="stable")
    return [
        RowError(int(line), str(column), str(reason))
        for line, column, reason in zip(problems["line"], problems["label"], problems["reason"], strict=True)
    ]


def _write_rejected(path: Path, table: RawTable, bad: np.ndarray, errors: list[RowError]) -> Path:
    """The rejected records as they were in the file, with their line and every reason, beside the input."""
    target = path.with_name(f"{path.stem}.rejected.csv")
    reasons: dict[int, list[str]] = {}
    for error in errors:
        reasons.setdefault(error.line, []).append(f"{error.column}: {error.reason}")
    rows = table.frame.iloc[bad]
    lines = table.lines[bad]
    try:
        with target.open("w", newline="", encoding="utf-8", errors="backslashreplace") as handle:
            writer = safe_writer(handle)
            writer.writerow([*table.columns, "line", "reason"])
            for record, line in zip(rows.itertuples(index=False, name=None), lines, strict=True):
                writer.writerow([*record, int(line), "; ".join(reasons.get(int(line), []))])
    except OSError as exc:
        raise ImportFileError(f"cannot write the rejected rows to {target}: {exc.strerror}") from None
    return target
