"""Small builders for hand-made fixtures: rows go in through the ORM, then the rollups are refreshed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from reports.config import ProgramConfig
from storage.db import Database
from storage.models import Activity, Deal, Goal, Intro, Partner, Person, StageChange, Survey
from storage.program import load_config, record_settings
from storage.rollups import refresh_milestones, refresh_stage_stays

STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: date, hour: int = 0, minute: int = 0, tz: str = "UTC") -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))


@dataclass
class Fixture:
    """Collects rows, writes them in one transaction, and refreshes rollups."""

    settings: dict[str, Any] = field(default_factory=dict)
    partners: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    deals: list[dict[str, Any]] = field(default_factory=list)
    stages: list[tuple[str, str, datetime]] = field(default_factory=list)
    intros: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)

    def partner(self, key: str, name: str | None = None, **values: Any) -> str:
        self.partners.append({"external_id": key, "name": name or key.title(), **values})
        return key

    def person(self, email: str, **values: Any) -> None:
        self.people.append({"email": email, **values})

    def deal(
        self,
        key: str,
        *,
        partner: str | None,
        attribution: str,
        created: date,
        outcome: str = "open",
        closed: date | None = None,
        amount: float | None = None,
        stages: tuple[tuple[str, datetime], ...] = (),
        **values: Any,
    ) -> str:
        self.deals.append(
            {
                "external_id": key,
                "partner": partner,
                "attribution": attribution,
                "created_on": created,
                "outcome": outcome,
                "closed_on": closed,
                "amount_minor": None if amount is None else round(amount * 100),
                "amount_base_minor": None if amount is None else round(amount * 100),
                **values,
            }
        )
        for stage, entered in stages:
            self.stages.append((key, stage, entered))
        return key

    def intro(self, key: str, *, partner: str, introduced: datetime, **values: Any) -> None:
        self.intros.append({"external_id": key, "partner": partner, "introduced_at": introduced, **values})

    def activity(
        self, partner: str, kind: str, occurred: datetime, *, contact: str = "", detail: str | None = None
    ) -> None:
        self.activities.append(
            {"partner": partner, "kind": kind, "occurred_at": occurred, "contact": contact, "detail": detail}
        )

    def survey(self, partner: str, responded: date, score: int, respondent: str = "") -> None:
        self.surveys.append({"partner": partner, "responded_on": responded, "score": score, "respondent": respondent})

    def goal(
        self,
        partner: str,
        metric: str,
        start: date,
        end: date,
        *,
        target: float | None = None,
        target_date: date | None = None,
        period: str | None = None,
    ) -> None:
        self.goals.append(
            {
                "partner": partner,
                "metric": metric,
                "period_start": start,
                "period_end": end,
                "target": target,
                "target_date": target_date,
                "period": period or f"{start}..{end}",
            }
        )

    def write(self, database: Database) -> ProgramConfig:
        with database.transaction() as session:
            if self.settings:
                record_settings(session, values=self.settings)
            config = load_config(session)
            for values in self.people:
                session.add(Person(updated_at=STAMP, **values))
            for values in self.partners:
                session.add(Partner(updated_at=STAMP, **values))
            session.flush()
            ids = dict(session.execute(select(Partner.external_id, Partner.id)).all())
            for values in self.deals:
                partner = values.pop("partner")
                session.add(Deal(partner_id=ids[partner] if partner else None, updated_at=STAMP, **values))
            session.flush()
            deal_ids = dict(session.execute(select(Deal.external_id, Deal.id)).all())
            for key, stage, entered in self.stages:
                session.add(StageChange(deal_id=deal_ids[key], stage=stage, entered_at=entered))
            for values in self.intros:
                partner = values.pop("partner")
                session.add(Intro(partner_id=ids[partner], updated_at=STAMP, **values))
            for values in self.activities:
                partner = values.pop("partner")
                session.add(Activity(partner_id=ids[partner], **values))
            for values in self.surveys:
                partner = values.pop("partner")
                session.add(Survey(partner_id=ids[partner], **values))
            for values in self.goals:
                partner = values.pop("partner")
                session.add(Goal(partner_id=ids[partner], **values))
            session.flush()
            refresh_stage_stays(session, deal_ids=None, config=config)
            refresh_milestones(session, partner_ids=None, config=config)
        return config

    def partner_id(self, database: Database, key: str) -> int:
        with database.session() as session:
            return session.execute(select(Partner.id).where(Partner.external_id == key)).scalar_one()
