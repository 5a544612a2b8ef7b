"""Handoff KPIs against numbers worked out by hand, on every store.

As-of 2026-06-15 12:00 UTC, SLA 24 h, window the trailing 90 days (from 2026-03-17 12:00).

| intro | introduced  | first response  | next step   | note                                   |
|-------|-------------|-----------------|-------------|----------------------------------------|
| H1    | 06-01 09:00 | 06-01 11:00 2 h | 06-02 11:00 | next step after 24 h                   |
| H2    | 06-02 09:00 | 06-02 13:00 4 h | 06-05 13:00 | next step after 72 h                   |
| H3    | 06-03 09:00 | 06-04 09:00 24 h| –           | waiting 267 h for a next step          |
| H4    | 06-14 12:00 | –               | –           | waiting exactly 24 h: not yet stale    |
| H5    | 06-13 00:00 | –               | –           | 60 h: stale, past 2 × SLA              |
| H6    | 06-14 06:00 | –               | –           | 30 h: stale                            |
| H7    | 01-01       | –               | –           | outcome "declined": never stale        |
| H8    | 03-01       | –               | –           | outside the window, stale 2556 h       |
| H9    | 06-10 00:00 | 06-16 (future)  | –           | as of: still waiting, 132 h            |
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.kpis.handoffs import (
    compute_handoff_response_time,
    compute_next_step_time,
    compute_sla_split,
    compute_stale_intros,
)
from reports.model import Scope
from reports.timeframe import trailing
from storage.db import Database
from storage.loaders.handoffs import load_intros, load_unanswered_intros
from tests.factories import Fixture, at

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture
def intros_db(db: Database) -> Database:
    f = Fixture()
    f.partner("A", owner_email="ann@example.com")
    f.partner("B", owner_email="bob@example.com")
    june: Callable[..., datetime] = lambda day, hour=0: at(date(2026, 6, day), hour)  # noqa: E731
    f.intro("H1", partner="A", introduced=june(1, 9), first_response_at=june(1, 11), next_step_at=june(2, 11))
    f.intro("H2", partner="A", introduced=june(2, 9), first_response_at=june(2, 13), next_step_at=june(5, 13))
    f.intro("H3", partner="A", introduced=june(3, 9), first_response_at=june(4, 9))
    f.intro("H4", partner="A", introduced=june(14, 12))
    f.intro("H5", partner="B", introduced=june(13), seller_email="sam@example.com", account="Globex")
    f.intro("H6", partner="B", introduced=june(14, 6))
    f.intro("H7", partner="B", introduced=at(date(2026, 1, 1)), outcome="declined")
    f.intro("H8", partner="B", introduced=at(date(2026, 3, 1)))
    f.intro("H9", partner="A", introduced=june(10), first_response_at=june(16), seller_email="sue@example.com")
    f.write(db)
    return db


def test_response_time_counts_waiting_intros_with_their_age(intros_db: Database) -> None:
    with intros_db.session() as session:
        intros = load_intros(session, scope=Scope(), window=trailing(AS_OF, 90, UTC_ZONE), tz=UTC_ZONE)
    assert sorted(i.external_id for i in intros) == ["H1", "H2", "H3", "H4", "H5", "H6", "H9"]
    result = compute_handoff_response_time(intros, AS_OF)
    # hours: 2, 4, 24, 24 (H4 waiting), 30 (H6), 60 (H5), 132 (H9): median 24, p90 60 + 0.4 × 72
    assert (result.intros, result.waiting) == (7, 4)
    assert result.median.value == 24
    assert result.p90.value == pytest.approx(88.8)
    assert result.worst is not None
    assert (result.worst.intro.external_id, result.worst.hours, result.worst.waiting) == ("H9", 132, True)
    assert (result.worst.intro.seller_email, result.worst.intro.partner_owner_email) == (
        "sue@example.com",
        "ann@example.com",
    )


def test_next_step_time_over_answered_intros(intros_db: Database) -> None:
    with intros_db.session() as session:
        intros = load_intros(session, scope=Scope(), window=trailing(AS_OF, 90, UTC_ZONE), tz=UTC_ZONE)
    result = compute_next_step_time(intros, AS_OF)
    # H1 24 h, H2 72 h, H3 waiting 267 h (since 06-04 09:00)
    assert (result.intros, result.waiting) == (3, 1)
    assert result.median.text() == "not enough data (n=3)"
    assert result.median.raw == 72
    assert result.worst is not None
    assert result.worst.hours == 267


def test_stale_intros_past_sla_with_escalation(intros_db: Database) -> None:
    with intros_db.session() as session:
        candidates = load_unanswered_intros(session, scope=Scope(), as_of=AS_OF, older_than=AS_OF)
    stale = compute_stale_intros(candidates, AS_OF, sla_hours=24)
    assert [(s.intro.external_id, round(s.age_hours), s.escalate) for s in stale] == [
        ("H8", 2556, True),
        ("H9", 132, True),
        ("H5", 60, True),
        ("H6", 30, False),
    ]
    assert stale[2].intro.account == "Globex"


def test_partner_scope(intros_db: Database) -> None:
    from sqlalchemy import select

    from storage.models import Partner

    with intros_db.session() as session:
        beta = session.execute(select(Partner.id).where(Partner.external_id == "B")).scalar_one()
        intros = load_intros(session, scope=Scope.partner(beta), window=trailing(AS_OF, 90, UTC_ZONE), tz=UTC_ZONE)
    assert sorted(i.external_id for i in intros) == ["H5", "H6"]


def test_no_intros() -> None:
    result = compute_handoff_response_time([], AS_OF)
    assert (result.intros, result.worst, result.median.text()) == (0, None, "not enough data (n=0)")
    assert compute_stale_intros([], AS_OF, 24) == ()


def test_sla_split_counts_each_side_of_the_sla_from_the_same_waits(intros_db: Database) -> None:
    with intros_db.session() as session:
        intros = load_intros(session, scope=Scope(), window=trailing(AS_OF, 90, UTC_ZONE), tz=UTC_ZONE)
    handoff = compute_handoff_response_time(intros, AS_OF)
    split = compute_sla_split(handoff, 24)
    # answered: H1 2 h, H2 4 h, H3 exactly 24 h (within); waiting: H4 exactly 24 h (within), H6 30 h, H5 60 h, H9 132 h
    assert (split.answered, split.answered_late, split.waiting, split.waiting_past) == (3, 0, 4, 3)
    assert split.over_sla == 3
    assert split.answered + split.waiting == handoff.intros and split.waiting == handoff.waiting
    assert compute_sla_split(handoff, 2).answered_late == 2  # H2 and H3; H1 is exactly on it
