"""Scheduled work and its outbox: claims that make each unit happen once, and messages recorded before sending.

A unit of work is claimed with a unique key in the same transaction that records its outbox message, so a crash
either leaves both (the sender delivers it after a restart) or neither (the next run claims it again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reports.message import File, Message
from storage.claims import insert_once
from storage.models import OutboxFile, OutboxMessage, WorkClaim

CLAIMED, QUEUED, SENT, SKIPPED, FAILED = "claimed", "queued", "sent", "skipped", "failed"
PENDING, SENDING = "pending", "sending"


def claim_work(
    session: Session, *, key: str, kind: str, at: datetime, status: str = CLAIMED, reason: str | None = None
) -> bool:
    """True when this call claimed the key (and so must do the work)."""
    return insert_once(
        session,
        WorkClaim,
        {
            "key": key,
            "kind": kind,
            "status": status,
            "reason": reason,
            "claimed_at": at,
            "finished_at": at if status in (SKIPPED, FAILED) else None,
        },
        "key",
    )


def finish_work(session: Session, *, key: str, status: str, at: datetime, reason: str | None = None) -> None:
    session.execute(update(WorkClaim).where(WorkClaim.key == key).values(status=status, reason=reason, finished_at=at))


def is_claimed(session: Session, *, key: str) -> bool:
    return session.execute(select(WorkClaim.key).where(WorkClaim.key == key)).first() is not None


def enqueue(
    session: Session,
    *,
    claim_key: str,
    kind: str,
    message: Message,
    at: datetime,
    channel: str | None = None,
    user_id: str | None = None,
) -> int:
    """Record a message to send (to a channel, or to a user's DM); returns its outbox id."""
    row = OutboxMessage(
        claim_key=claim_key,
        kind=kind,
        channel=channel,
        user_id=user_id,
        payload=json.dumps({"text": message.text, "blocks": message.blocks}),
        status=PENDING,
        attempts=0,
        next_attempt_at=at,
        created_at=at,
    )
    session.add(row)
    session.flush()
    for file in message.files:
        session.add(OutboxFile(outbox_id=row.id, filename=file.filename, title=file.title, content=file.content))
    session.execute(update(WorkClaim).where(WorkClaim.key == claim_key).values(status=QUEUED))
    return row.id


@dataclass(frozen=True)
class Outgoing:
    id: int
    claim_key: str
    kind: str
    channel: str | None
    user_id: str | None
    message: Message
    attempts: int


def load_due(session: Session, *, now: datetime, limit: int = 200) -> list[Outgoing]:
    rows = (
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    files: dict[int, list[File]] = {}
    if rows:
        for f in session.execute(
            select(OutboxFile).where(OutboxFile.outbox_id.in_([r.id for r in rows])).order_by(OutboxFile.id)
        ).scalars():
            files.setdefault(f.outbox_id, []).append(File(f.filename, f.title, f.content))
    out = []
    for row in rows:
        payload: dict[str, Any] = json.loads(row.payload)
        message = Message(
            text=payload["text"],
            blocks=payload["blocks"],
            files=tuple(files.get(row.id, [])),
            response_type="in_channel",
        )
        out.append(Outgoing(row.id, row.claim_key, row.kind, row.channel, row.user_id, message, row.attempts))
    return out


def take(session: Session, *, outbox_id: int, now: datetime, lease: timedelta) -> bool:
    """Take a message for sending: one sender at a time. A sender that dies mid-send loses its lease, and the
    message is sent again after it expires (the one case that can repeat: Slack accepted it just before the
    crash)."""
    taken = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == outbox_id,
            OutboxMessage.status.in_((PENDING, SENDING)),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(status=SENDING, next_attempt_at=now + lease)
        .returning(OutboxMessage.id)
    ).first()
    return taken is not None


def mark_sent(session: Session, *, outbox_id: int, claim_key: str, ts: str | None, channel: str, at: datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(status=SENT, sent_at=at, sent_ts=ts, sent_channel=channel, attempts=OutboxMessage.attempts + 1)
    )
    finish_work(session, key=claim_key, status=SENT, at=at)


def mark_retry(session: Session, *, outbox_id: int, next_at: datetime, error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(next_attempt_at=next_at, error=error, attempts=OutboxMessage.attempts + 1)
    )


def mark_failed(session: Session, *, outbox_id: int, claim_key: str, error: str, at: datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(status=FAILED, error=error, attempts=OutboxMessage.attempts + 1)
    )
    finish_work(session, key=claim_key, status=FAILED, at=at, reason=error)


@dataclass(frozen=True)
class Delivery:
    key: str
    kind: str
    status: str
    reason: str | None
    claimed_at: datetime
    finished_at: datetime | None


def load_deliveries(session: Session, *, since: datetime, limit: int = 200) -> list[Delivery]:
    rows = session.execute(
        select(WorkClaim).where(WorkClaim.claimed_at >= since).order_by(WorkClaim.claimed_at.desc()).limit(limit)
    ).scalars()
    return [Delivery(r.key, r.kind, r.status, r.reason, r.claimed_at, r.finished_at) for r in rows]


@dataclass(frozen=True)
class SentMessage:
    outbox_id: int
    text: str
    blocks: list[dict[str, Any]]


def load_sent_message(session: Session, *, channel: str, ts: str) -> SentMessage | None:
    """The message as partnerbot last wrote it at (channel, ts), locked for an update until the transaction ends
    (a row lock on PostgreSQL; SQLite writers take turns)."""
    row = session.execute(
        select(OutboxMessage.id, OutboxMessage.payload)
        .where(OutboxMessage.sent_channel == channel, OutboxMessage.sent_ts == ts)
        .with_for_update()
    ).first()
    if row is None:
        return None
    payload = json.loads(row.payload)
    return SentMessage(row.id, str(payload.get("text") or ""), list(payload.get("blocks") or []))


def record_sent_blocks(session: Session, *, outbox_id: int, text: str, blocks: list[dict[str, Any]]) -> None:
    """Keep the stored copy of a sent message in step with an update made to it in Slack."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(payload=json.dumps({"text": text, "blocks": blocks}))
    )
