"""Scheduled work and its outbox: claims that make each unit happen once, and messages recorded before sending.

A unit of work is claimed with a unique key in the same transaction that records its outbox message, so a crash
either leaves both (the sender delivers it after a restart) or neither (the next run claims it again).

Sending is steps, each recorded when done: the post (its ts), then each file. A post attempt is recorded before it
is made, so an attempt whose outcome is unknown (a lost answer, a crash) is known to need looking for first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from reports.message import File, Message
from storage.claims import insert_once
from storage.models import OutboxFile, OutboxMessage, WorkClaim
from storage.types import UtcDateTime

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
class OutgoingFile:
    id: int
    file: File


@dataclass(frozen=True)
class Outgoing:
    id: int
    claim_key: str
    kind: str
    channel: str | None
    user_id: str | None
    message: Message
    attempts: int
    sent_ts: str | None = None  # the post landed here already: only files are left
    sent_channel: str | None = None
    post_tried_at: datetime | None = None
    post_unsure: bool = False  # an earlier post attempt may have landed: look for it before posting
    files_left: tuple[OutgoingFile, ...] = ()


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
    files: dict[int, list[OutboxFile]] = {}
    if rows:
        for f in session.execute(
            select(OutboxFile).where(OutboxFile.outbox_id.in_([r.id for r in rows])).order_by(OutboxFile.id)
        ).scalars():
            files.setdefault(f.outbox_id, []).append(f)
    out = []
    for row in rows:
        payload: dict[str, Any] = json.loads(row.payload)
        attached = [(f, File(f.filename, f.title, f.content)) for f in files.get(row.id, [])]
        message = Message(
            text=payload["text"],
            blocks=payload["blocks"],
            files=tuple(file for _, file in attached),
            response_type="in_channel",
        )
        out.append(
            Outgoing(
                row.id,
                row.claim_key,
                row.kind,
                row.channel,
                row.user_id,
                message,
                row.attempts,
                sent_ts=row.sent_ts,
                sent_channel=row.sent_channel,
                post_tried_at=row.post_tried_at,
                post_unsure=row.post_unsure,
                files_left=tuple(OutgoingFile(f.id, file) for f, file in attached if f.uploaded_at is None),
            )
        )
    return out


def take(session: Session, *, outbox_id: int, now: datetime, lease: timedelta) -> bool:
    """Take a message for sending: one sender at a time. A sender that dies mid-send loses its lease, and the
    message is taken again after it expires: a post it may have made is looked for before posting again."""
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


def record_post_attempt(session: Session, *, outbox_id: int, at: datetime) -> None:
    """Before posting: from now until its answer, the post may have landed (`at` is the wall clock)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(post_tried_at=func.coalesce(OutboxMessage.post_tried_at, literal(at, UtcDateTime())), post_unsure=True)
    )


def record_posted(session: Session, *, outbox_id: int, ts: str | None, channel: str) -> None:
    """The post landed at (channel, ts): it is never posted again, and alert buttons can find it."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(sent_ts=ts, sent_channel=channel, post_unsure=False)
    )


def record_uploaded(session: Session, *, file_id: int, at: datetime) -> None:
    session.execute(update(OutboxFile).where(OutboxFile.id == file_id).values(uploaded_at=at))


def mark_sent(session: Session, *, outbox_id: int, claim_key: str, at: datetime, note: str | None = None) -> None:
    """The post and its files are delivered (`note`: what was left out, such as a chart the channel refused)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(status=SENT, sent_at=at, attempts=OutboxMessage.attempts + 1, error=note)
    )
    finish_work(session, key=claim_key, status=SENT, at=at, reason=note)


def mark_retry(session: Session, *, outbox_id: int, next_at: datetime, error: str, post_settled: bool = False) -> None:
    """Try again at `next_at`; `post_settled` when Slack's answer showed the post was not made (a 429)."""
    values: dict[str, Any] = {"next_attempt_at": next_at, "error": error, "attempts": OutboxMessage.attempts + 1}
    if post_settled:
        values["post_unsure"] = False
    session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values))


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
