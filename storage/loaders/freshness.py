"""How fresh the data is at an as-of: the newest record time and each source's last delivery, loaded once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.config import ProgramConfig
from reports.freshness import Freshness
from reports.timeframe import dates_before, day_start
from storage.models import Activity, Deal, Intro, StageChange
from storage.sources import load_last_deliveries


def load_freshness(session: Session, *, as_of: datetime, config: ProgramConfig) -> Freshness:
    return Freshness(
        as_of=as_of,
        newest_record_at=_newest_record(session, as_of=as_of, config=config),
        deliveries=load_last_deliveries(session, as_of=as_of),
        limit_hours=config.freshness_limit_hours,
    )


def _newest_record(session: Session, *, as_of: datetime, config: ProgramConfig) -> datetime | None:
    """The latest activity, intro, stage change or deal date before as-of (each one index probe)."""
    tz = config.tz
    end_day = dates_before(as_of, tz)
    moments = [
        session.execute(select(func.max(Activity.occurred_at)).where(Activity.occurred_at < as_of)).scalar(),
        session.execute(select(func.max(Intro.introduced_at)).where(Intro.introduced_at < as_of)).scalar(),
        session.execute(select(func.max(StageChange.entered_at)).where(StageChange.entered_at < as_of)).scalar(),
    ]
    for column in (Deal.created_on, Deal.closed_on):
        last_day = session.execute(select(func.max(column)).where(column < end_day)).scalar()
        if last_day is not None:
            moments.append(day_start(last_day, tz))
    return max((m for m in moments if m is not None), default=None)
