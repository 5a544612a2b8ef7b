"""Partners and people as plain profiles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.model import PartnerProfile, PersonProfile, Scope
from storage.memo import memoized
from storage.models import Partner, Person
from storage.sql import partner_scope

ALIAS_SEPARATOR = "|"

_PROFILE_COLUMNS = (
    Partner.id,
    Partner.external_id,
    Partner.name,
    Partner.aliases,
    Partner.type,
    Partner.tier,
    Partner.region,
    Partner.segment,
    Partner.owner_email,
    Partner.onboarded_on,
    Partner.onboarding_source,
    Partner.status,
    Partner.sunset_on,
    Partner.slack_channel,
)


def split_aliases(raw: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (raw or "").split(ALIAS_SEPARATOR) if a.strip())


def _profile(row: Any) -> PartnerProfile:
    return PartnerProfile(
        id=row.id,
        external_id=row.external_id,
        name=row.name,
        aliases=split_aliases(row.aliases),
        type=row.type,
        tier=row.tier,
        region=row.region,
        segment=row.segment,
        owner_email=row.owner_email,
        onboarded_on=row.onboarded_on,
        onboarding_source=row.onboarding_source,
        status=row.status,
        sunset_on=row.sunset_on,
        slack_channel=row.slack_channel,
    )


def load_partner_profiles(session: Session, *, scope: Scope) -> list[PartnerProfile]:
    """The scope's partners by id (cached for the data version: profiles do not move with as-of)."""
    return list(_profiles(session, scope=scope))


@memoized
def _profiles(session: Session, *, scope: Scope) -> tuple[PartnerProfile, ...]:
    rows = session.execute(select(*_PROFILE_COLUMNS).where(partner_scope(Partner.id, scope)).order_by(Partner.id))
    return tuple(_profile(row) for row in rows)


def load_partner_profile(session: Session, *, partner_id: int) -> PartnerProfile | None:
    row = session.execute(select(*_PROFILE_COLUMNS).where(Partner.id == partner_id)).first()
    return None if row is None else _profile(row)


def load_people(session: Session, *, emails: Iterable[str] | None = None) -> dict[str, PersonProfile]:
    statement = select(
        Person.email, Person.name, Person.slack_user_id, Person.role, Person.manager_email, Person.time_zone
    )
    if emails is not None:
        wanted = sorted({e.lower() for e in emails if e})
        if not wanted:
            return {}
        statement = statement.where(Person.email.in_(wanted))
    return {
        row.email: PersonProfile(row.email, row.name, row.slack_user_id, row.role, row.manager_email, row.time_zone)
        for row in session.execute(statement)
    }


def load_partner_by_channel(session: Session, *, channel_id: str) -> PartnerProfile | None:
    """The partner whose partner-facing channel this is, if any."""
    row = session.execute(select(*_PROFILE_COLUMNS).where(Partner.slack_channel == channel_id)).first()
    return None if row is None else _profile(row)


def load_person_by_slack_id(session: Session, *, user_id: str) -> PersonProfile | None:
    row = session.execute(
        select(
            Person.email, Person.name, Person.slack_user_id, Person.role, Person.manager_email, Person.time_zone
        ).where(Person.slack_user_id == user_id)
    ).first()
    return None if row is None else PersonProfile(*row)


def load_admins(session: Session) -> list[PersonProfile]:
    rows = session.execute(
        select(Person.email, Person.name, Person.slack_user_id, Person.role, Person.manager_email, Person.time_zone)
        .where(Person.role == "admin")
        .order_by(Person.email)
    )
    return [PersonProfile(*row) for row in rows]


def load_filter_values(session: Session) -> dict[str, tuple[str, ...]]:
    """What a view's filters can match: every segment, region, owner email, tier and type the partners hold,
    sorted."""
    out: dict[str, tuple[str, ...]] = {}
    columns = (
        ("segment", Partner.segment),
        ("region", Partner.region),
        ("owner", Partner.owner_email),
        ("tier", Partner.tier),
        ("type", Partner.type),
    )
    for name, column in columns:
        values = [v for v in session.execute(select(column).where(column.is_not(None)).distinct()).scalars() if v]
        out[name] = tuple(sorted(values, key=lambda value: (value.casefold(), value)))
    return out
