"""`POST /api/v1/events`: live ingestion from a CRM or PRM, on the same server as Slack's request URL.

A batch of events is authenticated by a bearer token per source, validated exactly like an import (every bad
field listed, nothing half-written), applied in one transaction, and idempotent by event id: a replayed event
changes nothing. First wins and stale intros are checked on arrival.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.errors import new_ref
from bot.jobs.alerts import send_alerts
from bot.jobs.first_wins import announce_first_wins
from reports.freshness import api_source
from storage.claims import claim_ingested_events
from storage.db import Database, is_busy
from storage.importing import import_records
from storage.program import load_config
from storage.sources import record_delivery

log = logging.getLogger("partnerbot.ingest")
MAX_BODY = 1024 * 1024  # bytes
MAX_EVENTS = 5000
RETRY_AFTER_S = 5
KINDS = {  # event type → import kind
    "deal.upsert": "deals",
    "deal.stage_changed": "stage_changes",
    "intro.created": "intros",
    "intro.responded": "intro_responses",
    "activity": "activities",
}
ORDER = ("deals", "stage_changes", "intros", "intro_responses", "activities")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def _error(index: int, event_id: object, field: str, reason: str) -> dict[str, Any]:
    return {"event": event_id if event_id is not None else f"#{index}", "field": field, "reason": reason}


def parse_batch(raw: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The events, and every problem with the envelope (not the data) of the batch."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [{"event": None, "field": "body", "reason": f"not JSON: {exc}"}]
    except RecursionError:
        return [], [{"event": None, "field": "body", "reason": "JSON nested too deeply"}]
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or not events:
        return [], [{"event": None, "field": "events", "reason": 'expected {"events": [ … ]} with at least one event'}]
    if len(events) > MAX_EVENTS:
        return [], [{"event": None, "field": "events", "reason": f"at most {MAX_EVENTS} events per request"}]
    problems = []
    seen: set[str] = set()
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            problems.append(_error(index, None, "event", "each event must be an object"))
            continue
        event_id = event.get("id")
        if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 200:
            problems.append(_error(index, event_id, "id", "each event needs a unique string id (up to 200 characters)"))
        elif event_id in seen:
            problems.append(_error(index, event_id, "id", "the same id appears twice in this batch"))
        else:
            seen.add(event_id)
        if event.get("type") not in KINDS:
            problems.append(
                _error(index, event_id, "type", f"unknown type {event.get('type')!r}: use one of {', '.join(KINDS)}")
            )
        if not isinstance(event.get("data"), dict):
            problems.append(_error(index, event_id, "data", "each event needs a data object"))
    return events, problems


class _Rejected(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} bad fields")
        self.errors = errors


def ingest(database: Database, *, source: str, raw: bytes, now: datetime) -> Answer:
    events, problems = parse_batch(raw)
    if problems:
        return Answer(400, {"errors": problems})
    try:
        return _apply(database, events, source=source, now=now)
    except _Rejected as rejected:  # the transaction rolled back: nothing of the batch was written
        return Answer(422, {"errors": rejected.errors})


def _apply(database: Database, events: list[dict[str, Any]], *, source: str, now: datetime) -> Answer:
    with database.transaction() as session:
        claimed = claim_ingested_events(session, source=source, event_ids=[e["id"] for e in events], at=now)
        fresh = [(i, e) for i, e in enumerate(events) if e["id"] in claimed]
        errors: list[dict[str, Any]] = []
        held: list[dict[str, Any]] = []  # attributions a decided dispute kept: reported, not applied
        written = 0
        for kind in ORDER:
            batch = [(i, e) for i, e in fresh if KINDS[e["type"]] == kind]
            if not batch:
                continue
            result = import_records(
                session,
                kind=kind,
                records=[e["data"] for _, e in batch],
                now=now,
                source=api_source(source),
                references=[f"event {e['id']}" for _, e in batch],
            )
            held += [
                {"deal": h.deal, "sent": h.said, "kept": h.kept, "dispute": h.dispute_id, "event": h.reference}
                for h in result.held
            ]
            errors += [
                _error(batch[err.index][0], batch[err.index][1]["id"], err.field, err.reason) for err in result.errors
            ]
            written += result.written
        if errors:
            order = {e["id"]: i for i, e in enumerate(events)}
            raise _Rejected(sorted(errors, key=lambda e: order.get(e["event"], len(order))))
        delivered = Counter(KINDS[e["type"]] for _, e in fresh)  # replays alone are no delivery
        for kind, records in sorted(delivered.items()):
            record_delivery(session, source=api_source(source), kind=kind, records=records, at=now)
        session.flush()
        config = load_config(session)
        wins = announce_first_wins(session, now=now, config=config)
        alerts = send_alerts(session, now=now, config=config).queued
    return Answer(
        200,
        {
            "accepted": len(fresh),
            "duplicates": len(events) - len(fresh),
            "changed": written,
            "first_wins_queued": wins,
            "alerts_queued": alerts,
            **({"attribution_held": held} if held else {}),
        },
    )


def source_for(header: str | None, tokens: Mapping[str, str]) -> str | None:
    """The source whose token the Authorization header carries (compared in constant time)."""
    if not header or not header.startswith("Bearer "):
        return None
    offered = header.removeprefix("Bearer ").strip().encode()
    found = None
    for source, token in tokens.items():
        if hmac.compare_digest(offered, token.encode()):
            found = source
    return found


def events_app(
    database: Database, tokens: Mapping[str, str], clock: Callable[[], datetime]
) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    def reply(start_response: Callable[..., Any], answer: Answer) -> list[bytes]:
        payload = json.dumps(answer.body).encode()
        reason = {
            200: "OK",
            400: "Bad Request",
            401: "Unauthorized",
            405: "Method Not Allowed",
            413: "Payload Too Large",
            415: "Unsupported Media Type",
            422: "Unprocessable Content",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }[answer.status]
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        if answer.status == 503:
            headers.append(("Retry-After", str(RETRY_AFTER_S)))
        start_response(f"{answer.status} {reason}", headers)
        return [payload]

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return reply(start_response, Answer(405, {"error": "POST a JSON batch of events"}))
        source = source_for(environ.get("HTTP_AUTHORIZATION"), tokens)
        if source is None:
            return reply(start_response, Answer(401, {"error": "missing or unknown bearer token"}))
        if "json" not in (environ.get("CONTENT_TYPE") or ""):
            return reply(start_response, Answer(415, {"error": "send Content-Type: application/json"}))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return reply(start_response, Answer(400, {"error": "send a valid Content-Length header"}))
        if length > MAX_BODY:
            return reply(
                start_response, Answer(413, {"error": f"the body is over {MAX_BODY} bytes: send smaller batches"})
            )
        raw = environ["wsgi.input"].read(length)
        try:
            answer = ingest(database, source=source, raw=raw, now=clock())
        except OperationalError as error:
            if not is_busy(error):
                raise
            # the store stayed busy for the whole busy timeout (a long import holds the write lock): try later
            log.warning("ingestion from %s waited too long for the database: answered 503", source)
            answer = Answer(503, {"error": "the database is busy; nothing was written: retry in a few seconds"})
        except Exception:
            ref = new_ref()
            log.exception("ingestion failed (ref %s)", ref)
            answer = Answer(500, {"error": f"something went wrong (ref {ref}); nothing was written"})
        log.info("ingest from %s: %s %s", source, answer.status, answer.body.get("accepted"))
        return reply(start_response, answer)

    return application
