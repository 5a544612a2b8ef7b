"""Activity aggregates for enablement engagement and dormancy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from reports.config import STEP_ENABLED
from reports.kpis.enablement import KindUsage
from reports.timeframe import Window
from storage.models import Activity, Partner, PartnerMilestone
from storage.rollups import COURSE_KINDS, chunked


def load_activity_recorded(session: Session, *, as_of: datetime) -> bool:
    """Whether the store holds any activity at all before as-of (any partner, any kind): without any, an activity
    rate of 0 % would be a statement about the import, not about the partners."""
    return session.execute(select(exists().where(Activity.occurred_at < as_of))).scalar_one()


def load_engaged_ids(session: Session, *, partner_ids: frozenset[int], window: Window) -> frozenset[int]:
    """Of these partners, those with any activity in the window (one index probe per partner)."""
    if not partner_ids:
        return frozenset()
    found = exists().where(
        Activity.partner_id == Partner.id,
        Activity.occurred_at >= window.start,
        Activity.occurred_at < window.end,
    )
    rows = session.execute(select(Partner.id).where(Partner.id.in_(sorted(partner_ids)), found))
    return frozenset(rows.scalars())


def load_enabled_ids(session: Session, *, partner_ids: frozenset[int], as_of: datetime) -> frozenset[int]:
    if not partner_ids:
        return frozenset()
    rows = session.execute(
        select(PartnerMilestone.partner_id).where(
            PartnerMilestone.step == STEP_ENABLED,
            PartnerMilestone.reached_at < as_of,
            PartnerMilestone.partner_id.in_(sorted(partner_ids)),
        )
    )
    return frozenset(rows.scalars())


def load_engagement_usage(
    session: Session, *, partner_id: int, as_of: datetime, last_30: datetime, last_60: datetime, last_90: datetime
) -> list[KindUsage]:
    rows = session.execute(
        select(
            Activity.kind,
            func.count(case((Activity.occurred_at >= last_30, 1))),
            func.count(case((Activity.occurred_at >= last_60, 1))),
            func.count(case((Activity.occurred_at >= last_90, 1))),
            func.max(Activity.occurred_at),
        )
        .where(Activity.partner_id == partner_id, Activity.occurred_at < as_of)
        .group_by(Activity.kind)
    )
    return [KindUsage(kind, n30, n90, last, n60) for kind, n30, n60, n90, last in rows]


def load_completed_courses(session: Session, *, partner_id: int, courses: tuple[str, ...], as_of: datetime) -> set[str]:
    """Which of the required courses (case-insensitive ids) the partner completed before as-of."""
    return load_completed_courses_of(session, partner_ids=[partner_id], courses=courses, as_of=as_of).get(
        partner_id, set()
    )


def load_completed_courses_of(
    session: Session, *, partner_ids: Sequence[int], courses: tuple[str, ...], as_of: datetime
) -> dict[int, set[str]]:
    """partner id → the required courses (case-insensitive ids) it completed before as-of, for many partners."""
    out: dict[int, set[str]] = defaultdict(set)
    if not courses:
        return out
    detail = func.lower(Activity.detail)
    for ids in chunked(list(partner_ids)):
        rows = session.execute(
            select(Activity.partner_id, detail)
            .where(
                Activity.partner_id.in_(ids),
                Activity.kind.in_(COURSE_KINDS),
                Activity.occurred_at < as_of,
                detail.in_([c.casefold() for c in courses]),
            )
            .distinct()
        )
        for pid, course in rows:
            out[pid].add(course)
    return out
