"""Concurrent writers over real HTTP, on both stores: webhook senders at once, senders during an import, and
replays of one batch. Each test states its figure: requests answered, events stored, errors.

Before (SQLite): 941 of 1,000 events from 10 senders answered 500 "database is locked"; an import beside webhook
traffic failed 3 times in 7; on PostgreSQL 9 of 10 simultaneous replays answered 500 (duplicate event id).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.slack_harness.bot import INGEST_TOKEN, PRM_TOKEN, Answer
from storage.importing import run_import
from storage.models import Activity, Deal, IngestedEvent
from tests.bot.conftest import Harness

PATH = "/api/v1/events"
SENDERS = 10
BATCHES = 10
EVENTS = 10  # per batch: 10 senders × 10 batches × 10 events = 1,000 events


def send(harness: Harness, events: list[dict[str, Any]], token: str = INGEST_TOKEN) -> Answer:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return harness.bot.post(PATH, json.dumps({"events": events}).encode(), headers)


def activity(sender: int, n: int, prefix: str = "evt") -> dict[str, Any]:
    return {
        "id": f"{prefix}-{sender}-{n}",
        "type": "activity",
        "data": {
            "partner_id": "P-1",
            "kind": "login",
            "occurred_at": f"2026-04-{1 + sender % 28:02d}T{n // 60:02d}:{n % 60:02d}:{sender % 60:02d}+00:00",
            "person": f"user{sender}-{n}@acme.example",
        },
    }


def count(harness: Harness, model: type) -> int:
    with harness.database.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def burst(harness: Harness, prefix: str) -> Counter[int]:
    """Every sender posts its batches back to back, all senders at once; the answers' status codes."""
    start = threading.Barrier(SENDERS)

    def sender(index: int) -> list[int]:
        start.wait()
        statuses = []
        for batch in range(BATCHES):
            events = [activity(index, batch * EVENTS + n, prefix) for n in range(EVENTS)]
            statuses.append(send(harness, events).status)
        return statuses

    with ThreadPoolExecutor(SENDERS) as pool:
        return Counter(status for statuses in pool.map(sender, range(SENDERS)) for status in statuses)


def test_ten_senders_at_once_are_all_answered_200_and_every_event_is_stored(harness: Harness) -> None:
    before = count(harness, Activity)
    statuses = burst(harness, "evt")
    assert statuses == Counter({200: SENDERS * BATCHES})  # 100 requests, 0 errors
    assert count(harness, Activity) - before == SENDERS * BATCHES * EVENTS  # 1,000 events stored
    assert count(harness, IngestedEvent) == SENDERS * BATCHES * EVENTS


def _deals_file(tmp_path: Path, rows: int) -> Path:
    lines = ["deal_id,partner_id,attribution,amount,currency,created_on,outcome"]
    lines += [f"IMP-{n},P-1,sourced,{100 + n},USD,2026-05-{1 + n % 28:02d},open" for n in range(rows)]
    path = tmp_path / "deals.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_senders_during_an_import_all_succeed_and_so_does_the_import(harness: Harness, tmp_path: Path) -> None:
    path = _deals_file(tmp_path, 3000)
    before = count(harness, Deal)
    outcome: dict[str, Any] = {}

    def importer() -> None:
        try:
            outcome["report"] = run_import(
                harness.database, kind="deals", path=path, now=datetime(2026, 6, 15, 12, tzinfo=UTC)
            )
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=importer)
    thread.start()
    statuses = burst(harness, "during")
    thread.join()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["report"].inserted == 3000  # the import succeeded whole
    assert count(harness, Deal) - before == 3000
    assert statuses == Counter({200: SENDERS * BATCHES})  # 0 webhook errors beside it


def test_ten_simultaneous_replays_of_one_batch_store_it_once_and_answer_200(harness: Harness) -> None:
    events = [activity(99, n, "replay") for n in range(20)]
    start = threading.Barrier(10)

    def replay(_: int) -> Answer:
        start.wait()
        return send(harness, events)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(replay, range(10)))
    assert [a.status for a in answers] == [200] * 10
    bodies = [json.loads(a.body) for a in answers]
    assert sum(b["accepted"] for b in bodies) == 20  # stored once
    assert sum(b["duplicates"] for b in bodies) == 9 * 20  # the other nine counted every event as a duplicate
    assert count(harness, IngestedEvent) == 20


def test_the_same_event_id_from_two_sources_is_two_events(harness: Harness) -> None:
    before = count(harness, Activity)
    crm = send(harness, [activity(1, 1, "shared")], token=INGEST_TOKEN)
    prm_event = activity(1, 1, "shared") | {"data": activity(2, 2, "other")["data"]}  # same id, another event
    prm = send(harness, [prm_event], token=PRM_TOKEN)
    assert (crm.status, prm.status) == (200, 200)
    assert (json.loads(crm.body)["accepted"], json.loads(prm.body)["accepted"]) == (1, 1)
    assert count(harness, Activity) - before == 2
    assert count(harness, IngestedEvent) == 2
