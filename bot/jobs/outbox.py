"""Delivering the outbox: each message taken by one sender at a time, paced per channel, within a time budget.

A message is delivered in recorded steps: its post, then each file into the same conversation. A step that fails is
retried alone (a chart that would not upload never re-posts the message). A post whose outcome is unknown (the
answer timed out or the connection dropped after sending, or the sender crashed) is looked for in the
conversation's history by the claim key it carries in its metadata before it is posted again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from bot.jobs.alerts import send_to_admins, tell_admins
from bot.slack_port import ChannelUnavailable, HistoryUnavailable, OutcomeUnknown, SlackPort, SlackUnavailable
from reports.blocks.refusals import refusal_notice, refusal_text
from storage.db import Database
from storage.models import SlackWorkspace
from storage.work import (
    Outgoing,
    load_due,
    mark_failed,
    mark_retry,
    mark_sent,
    record_post_attempt,
    record_posted,
    record_uploaded,
    take,
)

log = logging.getLogger("partnerbot.jobs")
PACE_SECONDS = 1.0  # about one message per second per channel
MAX_ATTEMPTS = 6
SEND_LEASE = timedelta(minutes=10)
STOPPED = ("uninstalled", "tokens revoked")
LOOKBACK = timedelta(minutes=5)  # history searched from this long before the first post attempt (clock skew)


class Delivered(Protocol):
    """What a delivery counts (the tick's report)."""

    sent: int
    retried: int
    failed: int


@dataclass
class OutboxSender:
    database: Database
    port: SlackPort
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], datetime] = lambda: datetime.now(UTC)  # Slack's clock, for history searches (not `now`)
    budget: float = 45.0  # seconds a delivery may spend sending before leaving the rest for the next one
    _last_post: dict[str, float] = field(default_factory=dict)

    def deliver(self, now: datetime, report: Delivered) -> None:
        with self.database.session() as session:
            stopped = session.execute(select(SlackWorkspace.status).where(SlackWorkspace.status.in_(STOPPED))).first()
            due = load_due(session, now=now)
        if stopped is not None:
            if due:
                log.warning(
                    "%d messages wait: the app was %s in Slack; reinstall it to send them", len(due), stopped[0]
                )
            return
        started = self.monotonic()
        for item in due:
            if self.monotonic() - started > self.budget:
                break
            self._send(item, now, report)

    def _pace(self, channel: str) -> None:
        last = self._last_post.get(channel)
        if last is not None:
            wait = PACE_SECONDS - (self.monotonic() - last)
            if wait > 0:
                self.sleep(wait)
        self._last_post[channel] = self.monotonic()

    def _send(self, item: Outgoing, now: datetime, report: Delivered) -> None:
        with self.database.transaction() as session:
            if not take(session, outbox_id=item.id, now=now, lease=SEND_LEASE):
                return  # another sender has it
        target = item.sent_channel or item.channel
        posting = False
        posted = item.sent_ts is not None
        try:
            if target is None:
                assert item.user_id is not None
                target = self.port.open_dm(item.user_id)
            if item.sent_ts is None:
                ts = self._find_post(item, target) if item.post_unsure else None
                if ts is None:
                    self._pace(target)
                    with self.database.transaction() as session:
                        record_post_attempt(session, outbox_id=item.id, at=self.wall())
                    posting = True
                    ts = self.port.post(target, item.message, claim=item.claim_key)
                    posting = False
                with self.database.transaction() as session:
                    record_posted(session, outbox_id=item.id, ts=ts, channel=target)
                posted = True
            for left in item.files_left:
                self.port.upload(target, left.file)
                with self.database.transaction() as session:
                    record_uploaded(session, file_id=left.id, at=now)
        except ChannelUnavailable as refused:
            # with chat:write.public a public channel takes the message but not its files; a private one takes
            # neither until the bot is invited: the admins hear which channel, and how to invite it
            reason = refusal_text(kind=item.kind, channel=refused.channel, reason=refused.reason, posted=posted)
            notice = refusal_notice(kind=item.kind, channel=refused.channel, reason=refused.reason, posted=posted)
            with self.database.transaction() as session:
                if posted:
                    mark_sent(session, outbox_id=item.id, claim_key=item.claim_key, at=now, note=reason)
                else:
                    mark_failed(session, outbox_id=item.id, claim_key=item.claim_key, error=reason, at=now)
                send_to_admins(session, key=f"refused:{item.claim_key}", message=notice, now=now)
            if posted:
                report.sent += 1
            else:
                report.failed += 1
            log.warning("outbox %s: %s", item.id, reason)
            return
        except OutcomeUnknown as unknown:
            log.warning(
                "outbox %s: the post's outcome is unknown (%s); looking for it before posting again", item.id, unknown
            )
            self._retry(item, now, report, f"outcome unknown: {unknown}", None)
            return
        except SlackUnavailable as busy:  # Slack answered 429 (or 5xx outside a post): nothing was done
            self._retry(item, now, report, str(busy), busy.retry_after, post_settled=posting)
            return
        except Exception as error:
            log.exception("outbox %s: sending failed", item.id)
            self._retry(item, now, report, f"{type(error).__name__}: {error}", None)
            return
        with self.database.transaction() as session:
            mark_sent(session, outbox_id=item.id, claim_key=item.claim_key, at=now)
        report.sent += 1

    def _find_post(self, item: Outgoing, channel: str) -> str | None:
        """The ts of an earlier attempt that landed after all, or None to post (again)."""
        since = (item.post_tried_at or self.wall()) - LOOKBACK
        try:
            ts = self.port.find_post(channel, item.claim_key, since=since)
        except HistoryUnavailable as unavailable:
            log.warning(
                "outbox %s: cannot search %s for an earlier post (%s); posting again, possibly twice",
                item.id,
                channel,
                unavailable.reason,
            )
            return None
        if ts is not None:
            log.info("outbox %s: the earlier post landed at %s; not posting again", item.id, ts)
        return ts

    def _retry(
        self,
        item: Outgoing,
        now: datetime,
        report: Delivered,
        error: str,
        after: float | None,
        *,
        post_settled: bool = False,
    ) -> None:
        with self.database.transaction() as session:
            if item.attempts + 1 >= MAX_ATTEMPTS:
                mark_failed(
                    session,
                    outbox_id=item.id,
                    claim_key=item.claim_key,
                    at=now,
                    error=f"gave up after {MAX_ATTEMPTS} attempts: {error}",
                )
                tell_admins(
                    session,
                    key=f"failed:{item.claim_key}",
                    now=now,
                    text=f"A {item.kind} could not be delivered after {MAX_ATTEMPTS} attempts: {error}",
                )
                report.failed += 1
                return
            wait = after if after is not None else min(3600.0, 30.0 * 2**item.attempts)
            mark_retry(
                session,
                outbox_id=item.id,
                next_at=now + timedelta(seconds=wait),
                error=error,
                post_settled=post_settled,
            )
        report.retried += 1
