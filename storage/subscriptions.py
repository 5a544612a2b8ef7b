"""Digest subscriptions, stored by channel id (a renamed channel keeps its digest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import DigestSubscription


def record_subscription(
    session: Session,
    *,
    channel_id: str,
    weekday: int,
    local_time: str,
    time_zone: str,
    segment: str | None,
    region: str | None,
    owner_email: str | None,
    created_by: str | None,
    at: datetime,
) -> None:
    session.merge(
        DigestSubscription(
            channel_id=channel_id,
            weekday=weekday,
            local_time=local_time,
            time_zone=time_zone,
            segment=segment,
            region=region,
            owner_email=owner_email,
            created_by=created_by,
            created_at=at,
        )
    )
    session.flush()


def forget_subscription(session: Session, *, channel_id: str) -> bool:
    result = session.execute(delete(DigestSubscription).where(DigestSubscription.channel_id == channel_id))
    return bool(getattr(result, "rowcount", 0))


def load_subscriptions(session: Session) -> list[DigestSubscription]:
    return list(session.execute(select(DigestSubscription).order_by(DigestSubscription.channel_id)).scalars())


def load_subscription(session: Session, *, channel_id: str) -> DigestSubscription | None:
    return session.get(DigestSubscription, channel_id)
