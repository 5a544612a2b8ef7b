"""Rollups kept current on ingest: the derived facts of each stage stay and each partner's milestones.

Both are as-of safe: a stay's end and a milestone's first time never change when as-of moves, so any view at
any as-of reads them directly and just ignores what lies after as-of.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast
from zoneinfo import ZoneInfo

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
from reports.kpis.activation import win_rank
from reports.timeframe import day_start
from storage.models import PARTNER_ATTRIBUTIONS, Activity, Deal, Intro, Partner, PartnerMilestone, StageChange

if TYPE_CHECKING:
    import pandas as pd

COURSE_KINDS = ("training_completed", "certification")
SELLING_ACTIVITY_KINDS = ("co_sell_call", "first_selling_action")
CHUNK = 5000
T = TypeVar("T")
S = TypeVar("S", int, "pd.Series[float]")  # a number, or a pandas Series of them
L = TypeVar("L", date, datetime)


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
DEAL_STEPS = (STEP_FIRST_SELLING_ACTION, STEP_FIRST_QUALIFIED, STEP_FIRST_WIN)  # the steps a deal can reach


@dataclass(frozen=True)
class WinCandidate:
    """A won partner deal, ranked as the first win is: by close date, then external id (as Python orders text,
    never by a database collation)."""

    closed_on: date
    external_id: str
    deal_id: int

    def key(self) -> tuple[date, str]:
        return win_rank(self.closed_on, self.external_id)


@dataclass(frozen=True)
class MilestoneCandidates:
    """A partner's earliest candidate of each kind among some of its rows: all of them (`compute_milestones`), or
    its stored milestones and its new deals (`merge_new_deals`). `earliest` keeps the earlier of two, so any split
    of the rows gives the same candidates, and `derive_milestones` the same steps."""

    registered_on: date | None = None  # a partner deal's registration day: a selling action at its midnight
    qualified_at: datetime | None = None  # a partner deal's stage change into the qualified stage or later
    win: WinCandidate | None = None  # the best-ranked won partner deal
    selling_at: datetime | None = None  # an intro, co-sell call or selling activity
    plain: Mapping[str, datetime] = field(default_factory=dict)  # steps no deal reaches: enabled, activity steps

    def earliest(self, other: MilestoneCandidates) -> MilestoneCandidates:
        plain = dict(self.plain)
        for step, moment in other.plain.items():
            plain[step] = min(plain.get(step, moment), moment)
        return MilestoneCandidates(
            registered_on=_least(self.registered_on, other.registered_on),
            qualified_at=_least(self.qualified_at, other.qualified_at),
            win=_best_win(self.win, other.win),
            selling_at=_least(self.selling_at, other.selling_at),
            plain=plain,
        )


def derive_milestones(found: MilestoneCandidates, tz: ZoneInfo) -> Steps:
    """A partner's first time at each step, and the deal that made it: the one rule for every path.

    First selling action: the earliest selling action or registration day. First win: the best-ranked won deal, at
    its close day. First qualified: the earlier of the first qualifying stage entry and the first win; on the same
    moment the stage entry stands.
    """
    steps: Steps = {step: (moment, None) for step, moment in found.plain.items()}
    registered = day_start(found.registered_on, tz) if found.registered_on is not None else None
    selling = _least(found.selling_at, registered)
    if selling is not None:
        steps[STEP_FIRST_SELLING_ACTION] = (selling, None)
    win = found.win
    won: tuple[datetime, int | None] | None = (day_start(win.closed_on, tz), win.deal_id) if win is not None else None
    if won is not None:
        steps[STEP_FIRST_WIN] = won
    if found.qualified_at is not None and (won is None or found.qualified_at <= won[0]):
        steps[STEP_FIRST_QUALIFIED] = (found.qualified_at, None)
    elif won is not None:
        steps[STEP_FIRST_QUALIFIED] = won
    return steps


def qualified_stages(config: ProgramConfig) -> list[str]:
    """The casefolded stages a deal is qualified in: the qualified stage and every later one."""
    qualified = config.qualified_index
    return [s.casefold() for s in config.pipeline_stages[qualified:]] if qualified is not None else []


def _least(first: L | None, second: L | None) -> L | None:
    return second if first is None else first if second is None else min(first, second)


def _best_win(*wins: WinCandidate | None) -> WinCandidate | None:
    known = [w for w in wins if w is not None]
    return min(known, key=WinCandidate.key) if known else None


def _offer(found: dict[int, MilestoneCandidates], partner_id: int | None, candidate: MilestoneCandidates) -> None:
    if partner_id is not None:
        known = found.get(partner_id)
        found[partner_id] = candidate if known is None else known.earliest(candidate)


def compute_milestones(session: Session, *, partner_ids: Sequence[int], config: ProgramConfig) -> Milestones:
    """Each partner's first time at every built-in step and configured activity step, from the raw tables."""
    tz = config.tz
    found: dict[int, MilestoneCandidates] = {}
    partner_deal = and_(Deal.attribution.in_(PARTNER_ATTRIBUTIONS))
    activity_steps = [
        s.removeprefix(ACTIVITY_STEP_PREFIX) for s in config.activation_steps if s.startswith(ACTIVITY_STEP_PREFIX)
    ]
    courses = {c.casefold(): c for c in config.required_courses}
    stages = qualified_stages(config)
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
                    _offer(found, pid, MilestoneCandidates(plain={STEP_ENABLED: max(done.values())}))
        else:
            for pid, on in onboarded.items():
                if on is not None:
                    _offer(found, pid, MilestoneCandidates(plain={STEP_ENABLED: day_start(on, tz)}))
        # first selling action: first intro, deal registration or co-sell call
        for pid, first in session.execute(
            select(Intro.partner_id, func.min(Intro.introduced_at))
            .where(Intro.partner_id.in_(ids))
            .group_by(Intro.partner_id)
        ):
            _offer(found, pid, MilestoneCandidates(selling_at=first))
        for pid, first_day in session.execute(
            select(Deal.partner_id, func.min(Deal.registered_on))
            .where(Deal.partner_id.in_(ids), partner_deal, Deal.registered_on.is_not(None))
            .group_by(Deal.partner_id)
        ):
            _offer(found, pid, MilestoneCandidates(registered_on=first_day))
        for pid, kind, first in session.execute(
            select(Activity.partner_id, Activity.kind, func.min(Activity.occurred_at))
            .where(Activity.partner_id.in_(ids), Activity.kind.in_([*SELLING_ACTIVITY_KINDS, *activity_steps]))
            .group_by(Activity.partner_id, Activity.kind)
        ):
            if kind in SELLING_ACTIVITY_KINDS:
                _offer(found, pid, MilestoneCandidates(selling_at=first))
            if kind in activity_steps:
                _offer(found, pid, MilestoneCandidates(plain={ACTIVITY_STEP_PREFIX + kind: first}))
        # first qualified opportunity: a partner deal entering the qualified stage or later (or won, see the rule)
        if stages:
            for pid, first in session.execute(
                select(StageChange.partner_id, func.min(StageChange.entered_at))
                .where(
                    StageChange.partner_id.in_(ids),
                    StageChange.is_partner,
                    func.lower(StageChange.stage).in_(stages),
                )
                .group_by(StageChange.partner_id)
            ):
                _offer(found, pid, MilestoneCandidates(qualified_at=first))
        # first win: the won partner deals on each partner's earliest close day, ranked by the rule
        day_rank = func.rank().over(partition_by=Deal.partner_id, order_by=Deal.closed_on).label("day_rank")
        won = (
            select(Deal.partner_id, Deal.closed_on, Deal.external_id, Deal.id, day_rank)
            .where(Deal.partner_id.in_(ids), partner_deal, Deal.outcome == "won", Deal.closed_on.is_not(None))
            .subquery()
        )
        for pid, closed_on, external_id, deal_id in session.execute(
            select(won.c.partner_id, won.c.closed_on, won.c.external_id, won.c.id).where(won.c.day_rank == 1)
        ):
            _offer(found, pid, MilestoneCandidates(win=WinCandidate(closed_on, external_id, deal_id)))
    return {pid: steps for pid, candidates in found.items() if (steps := derive_milestones(candidates, tz))}


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


def merge_new_deals(
    session: Session, *, grown: dict[int, MilestoneCandidates], config: ProgramConfig
) -> list[MilestoneChange]:
    """The milestone rollup after partners only gained deals (none of theirs changed), without recomputing them.

    Inserting rows only adds candidates, so each partner's steps are `derive_milestones` of the earliest of its
    stored milestones (standing for the rows that made them) and its new deals' candidates.
    """
    changes: list[MilestoneChange] = []
    for batch in chunked(sorted(grown)):
        stored = _stored_milestones(session, batch)
        ranked = _ranked_wins(session, stored)
        after = {
            pid: derive_milestones(_stored_candidates(stored.get(pid, {}), ranked).earliest(grown[pid]), config.tz)
            for pid in batch
        }
        changes += _rewrite_milestones(session, batch, stored, after)
    return changes


def _stored_candidates(steps: Steps, ranked: dict[int, WinCandidate]) -> MilestoneCandidates:
    """A partner's stored milestones as candidates. A stored first qualified that a win made stands for no stage
    entry: any entry of the partner's is later than that win, so it cannot matter."""
    selling, qualified, win = (steps.get(step) for step in DEAL_STEPS)
    return MilestoneCandidates(
        qualified_at=qualified[0] if qualified is not None and qualified[1] is None else None,
        win=ranked.get(win[1]) if win is not None and win[1] is not None else None,
        selling_at=selling[0] if selling is not None else None,
        plain={step: moment for step, (moment, _) in steps.items() if step not in DEAL_STEPS},
    )


def _ranked_wins(session: Session, stored: Milestones) -> dict[int, WinCandidate]:
    """The rank keys of the deals stored as first wins."""
    wins = (steps.get(STEP_FIRST_WIN, (None, None))[1] for steps in stored.values())
    deal_ids = sorted({deal for deal in wins if deal is not None})
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
