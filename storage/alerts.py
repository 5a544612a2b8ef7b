"""What owners have been told, what they put aside, and what they did about it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import AlertNotice, Intro, Partner, Snooze


def load_notices(session: Session) -> dict[str, datetime]:
    """dedup key → when the owner was last told."""
    return dict(session.execute(select(AlertNotice.dedup_key, AlertNotice.last_sent_at)).all())


def load_first_dormant_alerts(session: Session) -> dict[int, datetime]:
    """partner id → the first time its owner was told it was dormant (any diagnosis)."""
    first: dict[int, datetime] = {}
    for key, sent in session.execute(
        select(AlertNotice.dedup_key, AlertNotice.first_sent_at).where(AlertNotice.dedup_key.like("dormant:%"))
    ):
        partner_id = int(key.split(":")[1])
        first[partner_id] = min(sent, first.get(partner_id, sent))
    return first


def record_notice(session: Session, *, dedup_key: str, owner_email: str, at: datetime) -> None:
    existing = session.get(AlertNotice, dedup_key)
    if existing is None:
        session.add(AlertNotice(dedup_key=dedup_key, owner_email=owner_email, first_sent_at=at, last_sent_at=at))
    else:
        existing.last_sent_at = at
    session.flush()


def record_snooze(
    session: Session,
    *,
    rule: str,
    subject: str,
    label: str,
    owner_email: str | None,
    user_id: str | None,
    reason: str | None,
    until: datetime,
    at: datetime,
) -> None:
    session.add(
        Snooze(
            rule=rule,
            subject=subject,
            label=label,
            owner_email=owner_email,
            user_id=user_id,
            reason=reason,
            until=until,
            created_at=at,
        )
    )
    session.flush()


def record_intro_response(session: Session, *, intro_id: int, at: datetime) -> bool:
    """Record the first response on an intro (never overwrites an earlier one); True when it was new."""
    result = session.execute(
        update(Intro)
        .where(Intro.id == intro_id, Intro.first_response_at.is_(None))
        .values(first_response_at=at, updated_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


def record_next_step(session: Session, *, intro_id: int, at: datetime) -> bool:
    """Record the next step after a response (a next step implies the response, if none was recorded)."""
    result = session.execute(
        update(Intro)
        .where(Intro.id == intro_id, Intro.next_step_at.is_(None))
        .values(next_step_at=at, updated_at=at, first_response_at=func.coalesce(Intro.first_response_at, at))
    )
    return bool(getattr(result, "rowcount", 0))


def load_intro_names(session: Session, *, intro_id: int) -> tuple[str | None, str, str] | None:
    """(account, external id, partner name) of an intro, for naming it in an alert."""
    row = session.execute(
        select(Intro.account, Intro.external_id, Partner.name)
        .join(Partner, Partner.id == Intro.partner_id)
        .where(Intro.id == intro_id)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def load_partner_name(session: Session, *, partner_id: int) -> str | None:
    return session.execute(select(Partner.name).where(Partner.id == partner_id)).scalar_one_or_none()
