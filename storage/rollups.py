"""Rollups kept current on ingest: the derived facts of each stage stay and each partner's milestones.

Both are as-of safe: a stay's end and a milestone's first time never change when as-of moves, so any view at
any as-of reads them directly and just ignores what lies after as-of.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from reports.config import (
    ACTIVITY_STEP_PREFIX,
    STEP_ENABLED,
    STEP_FIRST_QUALIFIED,
    STEP_FIRST_SELLING_ACTION,
    STEP_FIRST_WIN,
    ProgramConfig,
)
from reports.timeframe import day_start
from storage.models import PARTNER_ATTRIBUTIONS, Activity, Deal, Intro, Partner, PartnerMilestone, StageChange

if TYPE_CHECKING:
    import pandas as pd

COURSE_KINDS = ("training_completed", "certification")
SELLING_ACTIVITY_KINDS = ("co_sell_call", "first_selling_action")
CHUNK = 5000
T = TypeVar("T")
S = TypeVar("S", int, "pd.Series[float]")  # a number, or a pandas Series of them


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class DealFacts:
    """What a deal contributes to its stays."""

    attribution: str
    partner_id: int | None
    outcome: str
    closed_on: date | None


@dataclass(frozen=True)
class StayFacts:
    seq: int
    left_at: datetime | None
    stay_tenths: int | None
    terminal: bool
    first_entry: bool
    advanced_at: datetime | None
    partner_id: int | None
    is_partner: bool
    attribution: str


def tenths_from_seconds(seconds: S) -> S:
    """Whole seconds as tenths of a day, rounded half up: the one rule for a stay's length, on a number or on a
    pandas Series of them (the bulk import's path)."""
    return (seconds * 10 + 43200) // 86400


def tenths_of_day(start: datetime, end: datetime) -> int:
    """Elapsed time in tenths of a day, rounded half up, in whole-second integer arithmetic."""
    return tenths_from_seconds(int((end - start).total_seconds()))


def derive_stays(deal: DealFacts, changes: Sequence[tuple[str, datetime]], config: ProgramConfig) -> list[StayFacts]:
    """The stay that begins at each stage change, `changes` ordered by entry time.

    A stay ends when the next stage is entered or at the close, whichever comes first (the close date stands for
    its local midnight): a stage change recorded after the close never stretches a stay past it, so it cannot
    change what an as-of after the close sees. A stay that begins at or after the close (a "Closed Won" stage) is
    terminal: it is no pipeline time. A pipeline stage's first entry advanced when the deal later entered a later
    pipeline stage before its close, or was won.
    """
    close = None
    if deal.outcome in ("won", "lost") and deal.closed_on is not None:
        close = day_start(deal.closed_on, config.tz)
    won_at = close if deal.outcome == "won" else None
    is_partner = deal.attribution in PARTNER_ATTRIBUTIONS
    indexes = [config.stage_index(stage) for stage, _ in changes]
    seen: set[str] = set()
    out = []
    for position, (stage, entered) in enumerate(changes):
        terminal = close is not None and entered >= close
        left: datetime | None = None
        if not terminal:
            if position + 1 < len(changes):
                left = changes[position + 1][1]
                if close is not None and left > close:
                    left = close
            elif close is not None:
                left = close
        folded = stage.casefold()
        first = folded not in seen
        seen.add(folded)
        advanced = None
        index = indexes[position]
        if first and index is not None and not terminal:
            later = [
                changes[j][1]
                for j in range(position + 1, len(changes))
                if (other := indexes[j]) is not None and other > index and (close is None or changes[j][1] < close)
            ]
            if won_at is not None:
                later.append(max(won_at, entered))
            advanced = min(later) if later else None
        out.append(
            StayFacts(
                seq=position + 1,
                left_at=left,
                stay_tenths=None if left is None else max(0, tenths_of_day(entered, left)),
                terminal=terminal,
                first_entry=first,
                advanced_at=advanced,
                partner_id=deal.partner_id,
                is_partner=is_partner,
                attribution=deal.attribution,
            )
        )
    return out


STAGE_CHANGES = cast(Table, StageChange.__table__)
MILESTONES = cast(Table, PartnerMilestone.__table__)
STAY_COLUMNS = (
    "seq",
    "left_at",
    "stay_tenths",
    "terminal",
    "first_entry",
    "advanced_at",
    "partner_id",
    "is_partner",
    "attribution",
)


def refresh_stage_stays(session: Session, *, deal_ids: Sequence[int] | None, config: ProgramConfig) -> int:
    """Recompute the derived columns of these deals' stage changes (all deals when None); returns rows changed."""
    changed: list[dict[str, object]] = []
    stored_columns = [STAGE_CHANGES.c[c] for c in STAY_COLUMNS]
    for ids in _id_batches(session, Deal.id, deal_ids):
        deals = {
            row.id: DealFacts(row.attribution, row.partner_id, row.outcome, row.closed_on)
            for row in session.execute(
                select(Deal.id, Deal.attribution, Deal.partner_id, Deal.outcome, Deal.closed_on).where(Deal.id.in_(ids))
            )
        }
        by_deal: dict[int, list[Any]] = defaultdict(list)
        rows = session.execute(
            select(StageChange.id, StageChange.deal_id, StageChange.stage, StageChange.entered_at, *stored_columns)
            .where(StageChange.deal_id.in_(ids))
            .order_by(StageChange.deal_id, StageChange.entered_at, StageChange.id)
        )
        for row in rows:
            by_deal[row.deal_id].append(row)
        for deal_id, changes in by_deal.items():
            derived = derive_stays(deals[deal_id], [(c.stage, c.entered_at) for c in changes], config)
            for change, facts in zip(changes, derived, strict=True):
                values = {column: getattr(facts, column) for column in STAY_COLUMNS}
                if any(getattr(change, column) != value for column, value in values.items()):
                    changed.append({"b_id": change.id, **values})
    if changed:
        statement = (
            update(STAGE_CHANGES)
            .where(STAGE_CHANGES.c.id == bindparam("b_id"))
            .values({column: bindparam(column) for column in STAY_COLUMNS})
        )
        session.connection().execute(statement, changed)
    return len(changed)


def _id_batches(session: Session, column: object, ids: Sequence[int] | None) -> Iterable[Sequence[int]]:
    if ids is None:
        ids = list(session.execute(select(column)).scalars())  # type: ignore[call-overload]
    return chunked(sorted(set(ids)))


@dataclass(frozen=True)
class MilestoneChange:
    partner_id: int
    step: str
    before: datetime | None
    after: datetime | None
    deal_id: int | None


Steps = dict[str, tuple[datetime, int | None]]  # step → (first time, the deal that made it, if one did)
Milestones = dict[int, Steps]  # partner id → its steps


def _earliest(steps: Steps, step: str, candidate: tuple[datetime, int | None]) -> None:
    """Keep the candidate if it is strictly earlier: on a tie the first one offered stays."""
    current = steps.get(step)
    if current is None or candidate[0] < current[0]:
        steps[step] = candidate


def _min_into(
    target: Milestones, partner_id: int | None, step: str, moment: datetime | None, deal_id: int | None = None
) -> None:
    if moment is not None and partner_id is not None:
        _earliest(target[partner_id], step, (moment, deal_id))


def compute_milestones(session: Session, *, partner_ids: Sequence[int], config: ProgramConfig) -> Milestones:
    """Each partner's first time at every built-in step and configured activity step, from the raw tables."""
    tz = config.tz
    found: Milestones = defaultdict(dict)
    partner_deal = and_(Deal.attribution.in_(PARTNER_ATTRIBUTIONS))
    activity_steps = [
        s.removeprefix(ACTIVITY_STEP_PREFIX) for s in config.activation_steps if s.startswith(ACTIVITY_STEP_PREFIX)
    ]
    courses = {c.casefold(): c for c in config.required_courses}
    qualified = config.qualified_index
    qualified_stages = [s.casefold() for s in config.pipeline_stages[qualified:]] if qualified is not None else []
    for ids in chunked(sorted(set(partner_ids))):
        onboarded = dict(session.execute(select(Partner.id, Partner.onboarded_on).where(Partner.id.in_(ids))).all())
        # enabled: every required course completed (the last of the first completions), else at onboarding
        if courses:
            per_course: dict[int, dict[str, datetime]] = defaultdict(dict)
            for pid, course, first in session.execute(
                select(Activity.partner_id, func.lower(Activity.detail), func.min(Activity.occurred_at))
                .where(
                    Activity.partner_id.in_(ids),
                    Activity.kind.in_(COURSE_KINDS),
                    func.lower(Activity.detail).in_(list(courses)),
                )
                .group_by(Activity.partner_id, func.lower(Activity.detail))
            ):
                per_course[pid][course] = first
            for pid, done in per_course.items():
                if len(done) == len(courses):
                    _min_into(found, pid, STEP_ENABLED, max(done.values()))
        else:
            for pid, on in onboarded.items():
                if on is not None:
                    _min_into(found, pid, STEP_ENABLED, day_start(on, tz))
        # first selling action: first intro, deal registration or co-sell call
        for pid, first in session.execute(
            select(Intro.partner_id, func.min(Intro.introduced_at))
            .where(Intro.partner_id.in_(ids))
            .group_by(Intro.partner_id)
        ):
            _min_into(found, pid, STEP_FIRST_SELLING_ACTION, first)
        for pid, first_day in session.execute(
            select(Deal.partner_id, func.min(Deal.registered_on))
            .where(Deal.partner_id.in_(ids), partner_deal, Deal.registered_on.is_not(None))
            .group_by(Deal.partner_id)
        ):
            if first_day is not None:
                _min_into(found, pid, STEP_FIRST_SELLING_ACTION, day_start(first_day, tz))
        for pid, kind, first in session.execute(
            select(Activity.partner_id, Activity.kind, func.min(Activity.occurred_at))
            .where(Activity.partner_id.in_(ids), Activity.kind.in_([*SELLING_ACTIVITY_KINDS, *activity_steps]))
            .group_by(Activity.partner_id, Activity.kind)
        ):
            moment = first
            if kind in SELLING_ACTIVITY_KINDS:
                _min_into(found, pid, STEP_FIRST_SELLING_ACTION, moment)
            if kind in activity_steps:
                _min_into(found, pid, ACTIVITY_STEP_PREFIX + kind, moment)
        # first qualified opportunity: a partner deal entering the qualified stage or later, or won
        if qualified_stages:
            for pid, first in session.execute(
                select(StageChange.partner_id, func.min(StageChange.entered_at))
                .where(
                    StageChange.partner_id.in_(ids),
                    StageChange.is_partner,
                    func.lower(StageChange.stage).in_(qualified_stages),
                )
                .group_by(StageChange.partner_id)
            ):
                _min_into(found, pid, STEP_FIRST_QUALIFIED, first)
        # first win: the earliest won partner deal (ties broken by external id), one row per partner from SQL
        rank = (
            func.row_number()
            .over(partition_by=Deal.partner_id, order_by=(Deal.closed_on, Deal.external_id))
            .label("rank")
        )
        won = (
            select(Deal.partner_id, Deal.closed_on, Deal.id, rank)
            .where(Deal.partner_id.in_(ids), partner_deal, Deal.outcome == "won", Deal.closed_on.is_not(None))
            .subquery()
        )
        for pid, closed_on, deal_id in session.execute(
            select(won.c.partner_id, won.c.closed_on, won.c.id).where(won.c.rank == 1)
        ):
            if pid is None or closed_on is None:
                continue
            moment = day_start(closed_on, tz)
            _min_into(found, pid, STEP_FIRST_WIN, moment, deal_id)
            _min_into(found, pid, STEP_FIRST_QUALIFIED, moment, deal_id)
    return found


def refresh_milestones(
    session: Session, *, partner_ids: Sequence[int] | None, config: ProgramConfig
) -> list[MilestoneChange]:
    """Bring the milestone rollup up to date for these partners (all when None) and say what moved."""
    ids = sorted(set(partner_ids)) if partner_ids is not None else list(session.execute(select(Partner.id)).scalars())
    fresh = compute_milestones(session, partner_ids=ids, config=config)
    changes: list[MilestoneChange] = []
    for batch in chunked(ids):
        stored = _stored_milestones(session, batch)
        changes += _rewrite_milestones(session, batch, stored, fresh)
    return changes


@dataclass(frozen=True)
class WinCandidate:
    """A won partner deal, ranked as the first win is: by close date, then external id."""

    closed_on: date
    external_id: str
    deal_id: int

    def key(self) -> tuple[date, str]:
        return (self.closed_on, self.external_id)


@dataclass(frozen=True)
class NewDealFacts:
    """What a partner's newly inserted deals can do to its milestones (the earliest of each kind)."""

    registered_on: date | None = None  # first selling action: a partner deal's registration day
    qualified_at: datetime | None = None  # first qualified: a partner deal's first stage change into a late stage
    win: WinCandidate | None = None  # first win, and first qualified: the best-ranked won partner deal


def merge_new_deals(
    session: Session, *, grown: dict[int, NewDealFacts], config: ProgramConfig
) -> list[MilestoneChange]:
    """The milestone rollup after partners only gained deals (none of theirs changed), without recomputing them.

    Inserting rows can only bring a first time earlier, so each step becomes the earliest of the stored one and
    the new deals' candidates, ties broken exactly as `compute_milestones` breaks them: for first qualified a
    stage entry beats a win at the same moment, and wins rank by (close date, external id).
    """
    changes: list[MilestoneChange] = []
    for batch in chunked(sorted(grown)):
        stored = _stored_milestones(session, batch)
        ranked = _ranked_wins(session, stored)
        after: Milestones = {}
        for pid in batch:
            before = stored.get(pid, {})
            facts = grown[pid]
            steps = dict(before)
            if facts.registered_on is not None:
                _earliest(steps, STEP_FIRST_SELLING_ACTION, (day_start(facts.registered_on, config.tz), None))
            win = _best_win(_stored_win(before, STEP_FIRST_WIN, ranked), facts.win)
            if win is not None:
                steps[STEP_FIRST_WIN] = (day_start(win.closed_on, config.tz), win.deal_id)
            qualified = before.get(STEP_FIRST_QUALIFIED)
            entered = qualified[0] if qualified is not None and qualified[1] is None else None
            if facts.qualified_at is not None and (entered is None or facts.qualified_at < entered):
                entered = facts.qualified_at
            won = _best_win(_stored_win(before, STEP_FIRST_QUALIFIED, ranked), facts.win)
            won_at = day_start(won.closed_on, config.tz) if won is not None else None
            if entered is not None and (won_at is None or entered <= won_at):
                steps[STEP_FIRST_QUALIFIED] = (entered, None)
            elif won is not None and won_at is not None:
                steps[STEP_FIRST_QUALIFIED] = (won_at, won.deal_id)
            after[pid] = steps
        changes += _rewrite_milestones(session, batch, stored, after)
    return changes


def _best_win(*wins: WinCandidate | None) -> WinCandidate | None:
    known = [w for w in wins if w is not None]
    return min(known, key=WinCandidate.key) if known else None


def _stored_win(steps: Steps, step: str, ranked: dict[int, WinCandidate]) -> WinCandidate | None:
    stored = steps.get(step)
    return ranked.get(stored[1]) if stored is not None and stored[1] is not None else None


def _ranked_wins(session: Session, stored: Milestones) -> dict[int, WinCandidate]:
    """The rank keys of the deals stored as first wins (and wins that made a partner qualified)."""
    deal_ids = sorted({deal for steps in stored.values() for _, deal in steps.values() if deal is not None})
    ranked: dict[int, WinCandidate] = {}
    for ids in chunked(deal_ids):
        for deal_id, closed_on, external_id in session.execute(
            select(Deal.id, Deal.closed_on, Deal.external_id).where(Deal.id.in_(ids))
        ):
            if closed_on is not None:
                ranked[deal_id] = WinCandidate(closed_on, external_id, deal_id)
    return ranked


def _stored_milestones(session: Session, ids: Sequence[int]) -> Milestones:
    stored: Milestones = defaultdict(dict)
    for pid, step, reached, deal_id in session.execute(
        select(
            PartnerMilestone.partner_id,
            PartnerMilestone.step,
            PartnerMilestone.reached_at,
            PartnerMilestone.deal_id,
        ).where(PartnerMilestone.partner_id.in_(ids))
    ):
        stored[pid][step] = (reached, deal_id)
    return stored


def _rewrite_milestones(
    session: Session, ids: Sequence[int], stored: Milestones, fresh: Milestones
) -> list[MilestoneChange]:
    """Replace the stored milestones of the partners among `ids` whose fresh ones differ; say what moved."""
    changes: list[MilestoneChange] = []
    rewrite: list[int] = []
    for pid in ids:
        before, after = stored.get(pid, {}), fresh.get(pid, {})
        if before == after:
            continue
        rewrite.append(pid)
        for step in sorted(set(before) | set(after)):
            old, new = before.get(step), after.get(step)
            if old != new:
                changes.append(
                    MilestoneChange(
                        pid, step, old[0] if old else None, new[0] if new else None, new[1] if new else None
                    )
                )
    if rewrite:
        session.execute(delete(PartnerMilestone).where(PartnerMilestone.partner_id.in_(rewrite)))
        rows = [
            {"partner_id": pid, "step": step, "reached_at": reached, "deal_id": deal_id}
            for pid in rewrite
            for step, (reached, deal_id) in fresh.get(pid, {}).items()
        ]
        if rows:
            session.connection().execute(insert(MILESTONES), rows)
    return changes
