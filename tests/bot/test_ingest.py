"""`POST /api/v1/events` over real HTTP on the bot's own server: authentication, validation with every bad field
listed and nothing half-written, idempotency by event id, and first wins exactly once under replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from benchmarks.slack_harness.bot import BOT_TOKEN, INGEST_TOKEN, Answer
from bot.ingest import ingest
from bot.jobs import Jobs
from bot.slack_port import SlackSender, make_client
from reports.freshness import LastDelivery
from storage.models import Activity, Deal, FirstWin, IngestedEvent, Intro, StageChange
from storage.program import apply_settings
from storage.sources import load_last_deliveries
from tests.bot.conftest import Harness
from tests.commands.test_dispatch import AS_OF

PATH = "/api/v1/events"


def send(harness: Harness, body: Any, *, token: str = INGEST_TOKEN, content_type: str = "application/json") -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return harness.bot.post(PATH, raw, headers)


def count(harness: Harness, model: type) -> int:
    with harness.database.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def won_deal(event_id: str = "evt-1", deal: str = "W-9") -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "deal.upsert",
        "data": {
            "deal_id": deal,
            "partner_id": "P-2",
            "attribution": "sourced",
            "amount": 25000,
            "currency": "USD",
            "created_on": "2026-06-01",
            "closed_on": "2026-06-14",
            "outcome": "won",
            "name": "Umbrella rollout",
        },
    }


@pytest.mark.parametrize(
    ("token", "status"),
    [("", 401), ("not-the-token-0123456789abcdef", 401), (INGEST_TOKEN, 200)],
)
def test_a_bearer_token_of_a_configured_source_is_required(harness: Harness, token: str, status: int) -> None:
    answer = send(harness, {"events": [won_deal()]}, token=token)
    assert answer.status == status
    assert count(harness, Deal) == (4 if status == 200 else 3)
    assert INGEST_TOKEN not in answer.body


def test_bodies_over_the_limit_are_refused_with_413(harness: Harness) -> None:
    padding = [won_deal(f"evt-{i}", f"W-{i}") | {"note": "x" * 400} for i in range(3000)]
    answer = send(harness, {"events": padding})
    assert answer.status == 413
    assert "send smaller batches" in json.loads(answer.body)["error"]
    assert count(harness, Deal) == 3


@pytest.mark.parametrize(
    ("body", "content_type", "status", "fragment"),
    [
        (b"{not json", "application/json", 400, "not JSON"),
        ({"events": []}, "application/json", 400, "at least one event"),
        ({"events": [won_deal()]}, "text/plain", 415, "application/json"),
        ({"events": [won_deal(), won_deal()]}, "application/json", 400, "appears twice"),
        ({"events": [{"id": "e", "type": "deal.deleted", "data": {}}]}, "application/json", 400, "unknown type"),
    ],
)
def test_malformed_batches_are_refused_with_the_reason(
    harness: Harness, body: Any, content_type: str, status: int, fragment: str
) -> None:
    answer = send(harness, body, content_type=content_type)
    assert answer.status == status
    assert fragment in answer.body
    assert count(harness, Deal) == 3


def test_every_bad_field_is_listed_and_nothing_of_the_batch_is_written(harness: Harness) -> None:
    good = won_deal("evt-ok", "W-10")
    bad_amount = won_deal("evt-amount", "W-11")
    bad_amount["data"] |= {"amount": -5, "created_on": "next tuesday"}
    unknown_partner = won_deal("evt-partner", "W-12")
    unknown_partner["data"]["partner_id"] = "P-404"
    orphan_stage = {
        "id": "evt-stage",
        "type": "deal.stage_changed",
        "data": {"deal_id": "NOPE", "stage": "Proposal", "entered_at": "2026-06-14T10:00:00Z"},
    }
    answer = send(harness, {"events": [good, bad_amount, unknown_partner, orphan_stage]})
    assert answer.status == 422
    errors = json.loads(answer.body)["errors"]
    listed = {(e["event"], e["field"]) for e in errors}
    assert listed == {
        ("evt-amount", "amount"),
        ("evt-amount", "created_on"),
        ("evt-partner", "partner_id"),
        ("evt-stage", "deal_id"),
    }
    assert all(e["reason"] for e in errors)
    assert count(harness, Deal) == 3 and count(harness, IngestedEvent) == 0 and count(harness, StageChange) == 3


def test_a_batch_applies_in_order_and_a_replay_changes_nothing(harness: Harness) -> None:
    events = [
        won_deal("evt-1", "W-20") | {"data": won_deal()["data"] | {"deal_id": "W-20", "outcome": "open"}},
        {
            "id": "evt-2",
            "type": "deal.stage_changed",
            "data": {"deal_id": "W-20", "stage": "Proposal", "entered_at": "2026-06-14T10:00:00+02:00"},
        },
        {
            "id": "evt-3",
            "type": "intro.created",
            "data": {"intro_id": "I-20", "partner_id": "P-2", "introduced_at": "2026-06-15T08:00:00Z"},
        },
        {
            "id": "evt-4",
            "type": "intro.responded",
            "data": {"intro_id": "I-20", "first_response_at": "2026-06-15T09:30:00Z"},
        },
        {
            "id": "evt-5",
            "type": "activity",
            "data": {"partner_id": "P-2", "kind": "webinar", "occurred_at": "2026-06-15T07:00:00Z"},
        },
    ]
    before = {model: count(harness, model) for model in (Deal, StageChange, Intro, Activity)}
    first = send(harness, {"events": events})
    assert first.status == 200, first.body
    assert json.loads(first.body) | {"alerts_queued": 0} == {
        "accepted": 5,
        "duplicates": 0,
        "changed": 5,
        "first_wins_queued": 0,
        "alerts_queued": 0,
    }
    after = {model: count(harness, model) for model in (Deal, StageChange, Intro, Activity)}
    assert {m.__name__: after[m] - before[m] for m in after} == {
        "Deal": 1,
        "StageChange": 1,
        "Intro": 1,
        "Activity": 1,
    }
    with harness.database.session() as session:
        intro = session.execute(select(Intro).where(Intro.external_id == "I-20")).scalar_one()
        change = session.execute(select(StageChange).where(StageChange.stage == "Proposal")).scalars().all()
    assert intro.first_response_at == datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
    assert datetime(2026, 6, 14, 8, tzinfo=UTC) in {c.entered_at for c in change}

    replay = send(harness, {"events": events})
    assert replay.status == 200
    assert json.loads(replay.body)["duplicates"] == 5 and json.loads(replay.body)["accepted"] == 0
    assert {model: count(harness, model) for model in after} == after


def test_a_response_to_an_unknown_intro_is_refused(harness: Harness) -> None:
    answer = send(
        harness,
        {"events": [{"id": "r", "type": "intro.responded", "data": {"intro_id": "I-999", "first_response_at": "x"}}]},
    )
    assert answer.status == 422
    fields = {e["field"] for e in json.loads(answer.body)["errors"]}
    assert fields == {"intro_id", "first_response_at"}


def test_a_first_win_by_webhook_is_announced_once_under_replay_and_correction(harness: Harness) -> None:
    with harness.database.transaction() as session:
        apply_settings(session, values={"wins_channel": "C0GENERAL"})
    jobs = Jobs(database=harness.database, port=SlackSender(make_client(BOT_TOKEN, harness.slack.api_url)))
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    jobs.tick(now)  # the fixture's history is logged silently first (a new install)
    win = won_deal("evt-win", "W-30")
    reopened = won_deal("evt-reopen", "W-30")
    reopened["data"] |= {"outcome": "open", "closed_on": ""}
    rewon = won_deal("evt-rewon", "W-30")
    for batch in ([win], [win], [reopened], [rewon], [win, reopened]):
        answer = send(harness, {"events": batch})
        assert answer.status == 200, answer.body
        jobs.tick(now)
    posts = [c.params for c in harness.slack.calls_to("chat.postMessage") if c.params["channel"] == "C0GENERAL"]
    assert len(posts) == 1
    assert "First win for Acme Analytics" in posts[0]["text"]
    assert count(harness, FirstWin) == 2


def test_a_batch_records_its_source_per_kind_and_a_rejected_or_replayed_one_records_nothing(
    harness: Harness,
) -> None:
    def delivered() -> tuple[LastDelivery, ...]:
        with harness.database.session() as session:
            return load_last_deliveries(session, as_of=AS_OF + timedelta(days=30))

    rejected = won_deal("evt-bad", "W-40")
    rejected["data"]["amount"] = -5
    assert send(harness, {"events": [won_deal("evt-ok", "W-41"), rejected]}).status == 422
    assert delivered() == ()
    activity = {
        "id": "evt-act",
        "type": "activity",
        "data": {"partner_id": "P-2", "kind": "login", "occurred_at": "2026-06-15T07:00:00Z"},
    }
    batch = {"events": [won_deal("evt-1", "W-42"), won_deal("evt-2", "W-43"), activity]}
    assert send(harness, batch).status == 200
    assert delivered() == (
        LastDelivery("api:crm", "activities", AS_OF, 1),
        LastDelivery("api:crm", "deals", AS_OF, 2),
    )
    replay = ingest(harness.database, source="crm", raw=json.dumps(batch).encode(), now=AS_OF + timedelta(days=1))
    assert replay.body["duplicates"] == 3
    assert [d.delivered_at for d in delivered()] == [AS_OF, AS_OF]  # a replay brings no data: no delivery
