"""Partners with no motion in the dormancy window, and what is known about their past."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.kpis.dormancy import LastDeal, QuietPartner
from reports.model import PartnerProfile
from reports.timeframe import day_start, first_day_at_or_after, shift_days
from storage.alerts import load_first_dormant_alerts
from storage.loaders.enablement import load_completed_courses
from storage.models import PARTNER_ATTRIBUTIONS, Activity, Deal, Intro, Partner, StageChange
from storage.rollups import chunked


def load_last_motion(
    session: Session, *, partner_ids: Sequence[int], as_of: datetime, config: ProgramConfig
) -> dict[int, datetime | None]:
    """Each partner's latest activity, intro, deal registration or stage change before as-of."""
    tz = config.tz
    end_day = first_day_at_or_after(as_of, tz)
    out: dict[int, datetime | None] = {}
    for ids in chunked(list(partner_ids)):
        # correlated "latest before as-of" per kind of motion: one index probe each per partner
        last_activity = (
            select(func.max(Activity.occurred_at))
            .where(Activity.partner_id == Partner.id, Activity.occurred_at < as_of)
            .scalar_subquery()
        )
        last_intro = (
            select(func.max(Intro.introduced_at))
            .where(Intro.partner_id == Partner.id, Intro.introduced_at < as_of)
            .scalar_subquery()
        )
        last_registration = (
            select(func.max(Deal.registered_on))
            .where(Deal.partner_id == Partner.id, Deal.registered_on < end_day)
            .scalar_subquery()
        )
        last_stage_change = (
            select(func.max(StageChange.entered_at))
            .where(StageChange.partner_id == Partner.id, StageChange.entered_at < as_of)
            .scalar_subquery()
        )
        statement = select(Partner.id, last_activity, last_intro, last_registration, last_stage_change).where(
            Partner.id.in_(ids)
        )
        for pid, activity, intro, registered, stage in session.execute(statement):
            moments = [m for m in (activity, intro, stage) if m is not None]
            if registered is not None:
                moments.append(day_start(registered, tz))
            out[pid] = max(moments, default=None)
    return out


def load_quiet_partners(
    session: Session,
    *,
    partners: Sequence[PartnerProfile],
    as_of: datetime,
    config: ProgramConfig,
    alerted_at: Mapping[int, datetime] | None = None,
) -> list[QuietPartner]:
    """Active partners onboarded at least the dormancy window ago with no motion inside the window.

    `alerted_at` (partner id → first dormancy alert) defaults to what the alert log says.
    """
    if alerted_at is None:
        alerted_at = load_first_dormant_alerts(session)
    tz = config.tz
    window_start = shift_days(as_of, -config.dormancy_days, tz)
    candidates = {
        p.id: p
        for p in partners
        if p.is_active(as_of, tz) and (p.onboarded_on is None or day_start(p.onboarded_on, tz) <= window_start)
    }
    last_motion = load_last_motion(session, partner_ids=sorted(candidates), as_of=as_of, config=config)
    quiet_ids = sorted(pid for pid, last in last_motion.items() if last is None or last < window_start)
    end_day = first_day_at_or_after(as_of, tz)
    out = []
    for pid in quiet_ids:
        missing = tuple(
            c
            for c in config.required_courses
            if c.casefold()
            not in load_completed_courses(session, partner_id=pid, courses=config.required_courses, as_of=as_of)
        )
        deal = session.execute(
            select(Deal.name, Deal.external_id, Deal.outcome, Deal.closed_on, Deal.created_on)
            .where(Deal.partner_id == pid, Deal.attribution.in_(PARTNER_ATTRIBUTIONS), Deal.created_on < end_day)
            .order_by(func.coalesce(Deal.closed_on, Deal.created_on).desc(), Deal.external_id)
            .limit(1)
        ).first()
        had_intro = session.execute(
            select(Intro.id).where(Intro.partner_id == pid, Intro.introduced_at < as_of).limit(1)
        ).first()
        last_deal = None
        if deal is not None:
            closed = deal.closed_on if deal.closed_on is not None and deal.closed_on < end_day else None
            last_deal = LastDeal(
                deal.name or deal.external_id,
                deal.outcome if closed is not None else "opened",
                closed or deal.created_on,
            )
        out.append(
            QuietPartner(
                partner=candidates[pid],
                last_motion_at=last_motion[pid],
                missing_courses=missing,
                had_deals_or_intros=deal is not None or had_intro is not None,
                last_deal=last_deal,
                alerted_at=alerted_at.get(pid),
            )
        )
    return out
