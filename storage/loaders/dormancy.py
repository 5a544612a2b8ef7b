"""Partners with no motion in the dormancy window, and what is known about their past."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.kpis.dormancy import LastDeal, QuietPartner
from reports.model import PartnerProfile
from reports.timeframe import day_start, first_day_at_or_after, local_day, shift_days
from storage.alerts import load_first_dormant_alerts
from storage.loaders.enablement import load_completed_courses_of
from storage.memo import FEW_PARTNERS, figure_cache, memoized
from storage.models import PARTNER_ATTRIBUTIONS, Activity, Deal, Intro, Partner, StageChange
from storage.rollups import chunked


def load_last_motion(
    session: Session, *, partner_ids: Sequence[int], as_of: datetime, config: ProgramConfig
) -> dict[int, datetime | None]:
    """Each partner's latest activity, intro, deal registration or stage change before as-of.

    Motion before the as-of's program-local day is cached for the data version (it does not move with as-of);
    the day so far is read each time and merged in.
    """
    tz = config.tz
    end_day = first_day_at_or_after(as_of, tz)
    ids = tuple(sorted(set(partner_ids)))
    # a few partners (a scorecard): four index probes each, not cached; without a cache, one read up to as-of
    if len(ids) <= FEW_PARTNERS or figure_cache(session) is None:
        return dict(_last_motion_before.fresh(session, ids=ids, cut=as_of, end_day=end_day, tz=tz))
    cut = day_start(local_day(as_of, tz), tz)
    out = dict(_last_motion_before(session, ids=ids, cut=cut, end_day=end_day, tz=tz))
    if cut < as_of:
        for pid, moment in _motion_between(session, cut, as_of):
            if pid in out:
                last = out[pid]
                out[pid] = moment if last is None else max(last, moment)
    return out


@memoized
def _last_motion_before(
    session: Session, *, ids: tuple[int, ...], cut: datetime, end_day: date, tz: ZoneInfo
) -> tuple[tuple[int, datetime | None], ...]:
    """(partner id, its latest motion before `cut`, counting registrations on days before `end_day`)."""
    out: list[tuple[int, datetime | None]] = []
    for chunk in chunked(ids):
        # correlated "latest before the cut" per kind of motion: one index probe each per partner
        last_activity = (
            select(func.max(Activity.occurred_at))
            .where(Activity.partner_id == Partner.id, Activity.occurred_at < cut)
            .scalar_subquery()
        )
        last_intro = (
            select(func.max(Intro.introduced_at))
            .where(Intro.partner_id == Partner.id, Intro.introduced_at < cut)
            .scalar_subquery()
        )
        last_registration = (
            select(func.max(Deal.registered_on))
            .where(Deal.partner_id == Partner.id, Deal.registered_on < end_day)
            .scalar_subquery()
        )
        last_stage_change = (
            select(func.max(StageChange.entered_at))
            .where(StageChange.partner_id == Partner.id, StageChange.entered_at < cut)
            .scalar_subquery()
        )
        statement = select(Partner.id, last_activity, last_intro, last_registration, last_stage_change).where(
            Partner.id.in_(chunk)
        )
        for pid, activity, intro, registered, stage in session.execute(statement):
            moments = [m for m in (activity, intro, stage) if m is not None]
            if registered is not None:
                moments.append(day_start(registered, tz))
            out.append((pid, max(moments, default=None)))
    return tuple(out)


def _motion_between(session: Session, start: datetime, end: datetime) -> list[tuple[int, datetime]]:
    """(partner id, latest moment) of the activities, intros and stage changes in [start, end), by time index."""
    kinds = (
        (Activity.partner_id, Activity.occurred_at),
        (Intro.partner_id, Intro.introduced_at),
        (StageChange.partner_id, StageChange.entered_at),
    )
    out: list[tuple[int, datetime]] = []
    for partner, moment in kinds:
        rows = session.execute(
            select(partner, func.max(moment))
            .where(moment >= start, moment < end, partner.is_not(None))
            .group_by(partner)
        )
        out.extend((pid, last) for pid, last in rows if pid is not None)
    return out


def load_quiet_partners(
    session: Session,
    *,
    partners: Sequence[PartnerProfile],
    as_of: datetime,
    config: ProgramConfig,
    alerted_at: Mapping[int, datetime] | None = None,
) -> list[QuietPartner]:
    """Active partners onboarded at least the dormancy window ago with no motion inside the window (a partner
    without an onboarding date has no clock: it is a data-quality finding, never dormant for that alone).

    `alerted_at` (partner id → first dormancy alert) defaults to what the alert log says.
    """
    if alerted_at is None:
        alerted_at = load_first_dormant_alerts(session)
    tz = config.tz
    window_start = shift_days(as_of, -config.dormancy_days, tz)
    candidates = {
        p.id: p
        for p in partners
        if p.is_active(as_of, tz) and p.onboarded_on is not None and day_start(p.onboarded_on, tz) <= window_start
    }
    last_motion = load_last_motion(session, partner_ids=sorted(candidates), as_of=as_of, config=config)
    quiet_ids = sorted(pid for pid, last in last_motion.items() if last is None or last < window_start)
    end_day = first_day_at_or_after(as_of, tz)
    completed = load_completed_courses_of(session, partner_ids=quiet_ids, courses=config.required_courses, as_of=as_of)
    last_deals = _last_deals(session, partner_ids=quiet_ids, end_day=end_day)
    with_intros = _with_intros(session, partner_ids=quiet_ids, as_of=as_of)
    out = []
    for pid in quiet_ids:
        done = completed.get(pid, set())
        missing = tuple(c for c in config.required_courses if c.casefold() not in done)
        deal = last_deals.get(pid)
        last_deal = None
        if deal is not None:
            name, external_id, outcome, closed_on, created_on = deal
            closed = closed_on if closed_on is not None and closed_on < end_day else None
            last_deal = LastDeal(name or external_id, outcome if closed is not None else "opened", closed or created_on)
        out.append(
            QuietPartner(
                partner=candidates[pid],
                last_motion_at=last_motion[pid],
                missing_courses=missing,
                had_deals_or_intros=deal is not None or pid in with_intros,
                last_deal=last_deal,
                alerted_at=alerted_at.get(pid),
            )
        )
    return out


def _last_deals(session: Session, *, partner_ids: Sequence[int], end_day: date) -> dict[int, tuple[Any, ...]]:
    """partner id → its latest partner deal created before the as-of day (by close, else creation, date); over
    whole days, so cached for the data version."""
    ids = tuple(sorted(set(partner_ids)))
    read = _latest_deals.fresh if len(ids) <= FEW_PARTNERS else _latest_deals
    return dict(read(session, partner_ids=ids, end_day=end_day))


@memoized
def _latest_deals(session: Session, *, partner_ids: tuple[int, ...], end_day: date) -> tuple[tuple[int, Any], ...]:
    out: dict[int, tuple[Any, ...]] = {}
    for ids in chunked(list(partner_ids)):
        rank = (
            func.row_number()
            .over(
                partition_by=Deal.partner_id,
                # a close after as-of is not known yet: such a deal is still open, dated by its creation
                order_by=(
                    case((Deal.closed_on < end_day, Deal.closed_on), else_=Deal.created_on).desc(),
                    Deal.external_id,
                ),
            )
            .label("rank")
        )
        ranked = (
            select(Deal.partner_id, Deal.name, Deal.external_id, Deal.outcome, Deal.closed_on, Deal.created_on, rank)
            .where(Deal.partner_id.in_(ids), Deal.attribution.in_(PARTNER_ATTRIBUTIONS), Deal.created_on < end_day)
            .subquery()
        )
        for pid, *deal in session.execute(
            select(
                ranked.c.partner_id,
                ranked.c.name,
                ranked.c.external_id,
                ranked.c.outcome,
                ranked.c.closed_on,
                ranked.c.created_on,
            ).where(ranked.c.rank == 1)
        ):
            out[pid] = tuple(deal)
    return tuple(out.items())


def _with_intros(session: Session, *, partner_ids: Sequence[int], as_of: datetime) -> set[int]:
    out: set[int] = set()
    for ids in chunked(list(partner_ids)):
        found = exists().where(Intro.partner_id == Partner.id, Intro.introduced_at < as_of)
        out.update(session.execute(select(Partner.id).where(Partner.id.in_(ids), found)).scalars())
    return out
