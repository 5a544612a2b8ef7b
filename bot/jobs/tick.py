"""The scheduled work, in one place: one tick runs whatever is due, then delivers the outbox.

Every unit of work is claimed with a unique key in the database before it is queued, so ticks that overlap
(two threads, two processes, two replicas) never send anything twice; the outbox is recorded in the same
transaction as the claim, so a crash between claim and send loses nothing: the next tick sends it.

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
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.identity import Directory
from bot.jobs.alerts import plan_alerts, queue_alerts, report_stale_data, report_unreachable, tell_admins
from bot.jobs.first_wins import plan_first_wins, queue_first_wins
from bot.slack_port import ChannelUnavailable, HistoryUnavailable, OutcomeUnknown, SlackPort, SlackUnavailable
from commands.digest import gather_digest_facts
from reports.blocks.digest import digest_reply
from reports.model import Scope
from reports.schedule import latest_slot, parse_clock
from reports.views.digest import compute_digest
from storage.db import Database
from storage.models import SlackWorkspace
from storage.program import load_config
from storage.subscriptions import load_subscriptions
from storage.work import (
    SKIPPED,
    Outgoing,
    claim_work,
    enqueue,
    is_claimed,
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
DIGEST = "digest"
PACE_SECONDS = 1.0  # about one message per second per channel
MAX_ATTEMPTS = 6
SEND_LEASE = timedelta(minutes=10)
STOPPED = ("uninstalled", "tokens revoked")
LOOKBACK = timedelta(minutes=5)  # history searched from this long before the first post attempt (clock skew)


@dataclass
class TickReport:
    first_wins: int = 0
    digests: int = 0
    skipped_digests: int = 0
    alerts: int = 0
    held: int = 0
    held_for_data: int = 0  # alert items waiting for data to arrive again
    stale_data_notices: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Jobs:
    database: Database
    port: SlackPort
    directory: Directory | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], datetime] = lambda: datetime.now(UTC)  # Slack's clock, for history searches (not `now`)
    delivery_budget: float = 45.0  # seconds a tick may spend sending before leaving the rest for the next one
    _last_post: dict[str, float] = field(default_factory=dict)

    def tick(self, now: datetime) -> TickReport:
        report = TickReport()
        for name, step in (
            ("people", self._resolve_people),
            ("first wins", self._first_wins),
            ("freshness", self._freshness),
            ("digests", self._digests),
            ("alerts", self._alerts),
            ("outbox", self._deliver),
        ):
            try:
                step(now, report)
            except Exception:
                log.exception("scheduled step %s failed", name)
                report.errors.append(name)
        return report

    # --- steps ----------------------------------------------------------------------------------------------

    def _resolve_people(self, now: datetime, report: TickReport) -> None:
        if self.directory is not None:
            self.directory.resolve_people()

    def _first_wins(self, now: datetime, report: TickReport) -> None:
        with self.database.session() as session:
            config = load_config(session)
            planned = plan_first_wins(session, now=now, config=config)  # rendered with no write transaction open
        if planned:
            with self.database.transaction() as session:
                report.first_wins = queue_first_wins(session, planned=planned, now=now, config=config)

    def _freshness(self, now: datetime, report: TickReport) -> None:
        with self.database.transaction() as session:
            report.stale_data_notices = report_stale_data(session, now=now, config=load_config(session))

    def _digests(self, now: datetime, report: TickReport) -> None:
        with self.database.session() as session:
            subscriptions = load_subscriptions(session)
        for sub in subscriptions:
            tz = ZoneInfo(sub.time_zone)
            slot = latest_slot(weekday=sub.weekday, at=parse_clock(sub.local_time), tz=tz, now=now)
            if slot.due_at < sub.created_at:
                continue  # subscribed after this week's slot: the first digest is next week's
            key = f"{DIGEST}:{sub.channel_id}:{slot.week}"
            scope = Scope(segment=sub.segment, region=sub.region, owner_email=sub.owner_email)
            with self.database.session() as session:
                if is_claimed(session, key=key):
                    continue  # a cheap look first, so that replicas rarely both render it
                config = load_config(session)
                late = now - slot.due_at
                if late > timedelta(hours=config.digest_grace_hours):
                    facts = None
                else:
                    facts = gather_digest_facts(session, scope=scope, as_of=now, config=config)
            if facts is None:
                reason = (
                    f"missed by {late.total_seconds() / 3600:.1f} h (downtime?), beyond the "
                    f"{config.digest_grace_hours} h grace window"
                )
                with self.database.transaction() as session:
                    skipped = claim_work(session, key=key, kind=DIGEST, at=now, status=SKIPPED, reason=reason)
                if skipped:
                    log.warning("digest %s skipped: %s", key, reason)
                    report.skipped_digests += 1
                continue
            # computed and rendered (the chart too) with no session open; claimed and queued together after, so a
            # crash before the claim loses nothing (the next tick renders it again)
            message = digest_reply(compute_digest(facts, config, now), config)
            with self.database.transaction() as session:
                if not claim_work(session, key=key, kind=DIGEST, at=now):
                    continue  # another replica claimed it while this one rendered: that one sends it
                enqueue(session, claim_key=key, kind=DIGEST, message=message, at=now, channel=sub.channel_id)
            report.digests += 1

    def _alerts(self, now: datetime, report: TickReport) -> None:
        with self.database.session() as session:
            config = load_config(session)
            run, dms = plan_alerts(session, now=now, config=config)  # rendered with no write transaction open
        with self.database.transaction() as session:
            queue_alerts(session, run=run, dms=dms, now=now, config=config)
            report_unreachable(session, now=now, config=config, owners=run.unreachable)
        report.alerts, report.held, report.held_for_data = run.queued, len(run.held), run.held_for_data

    def _deliver(self, now: datetime, report: TickReport) -> None:
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
            if self.monotonic() - started > self.delivery_budget:
                break
            self._send(item, now, report)

    def _pace(self, channel: str) -> None:
        last = self._last_post.get(channel)
        if last is not None:
            wait = PACE_SECONDS - (self.monotonic() - last)
            if wait > 0:
                self.sleep(wait)
        self._last_post[channel] = self.monotonic()

    def _send(self, item: Outgoing, now: datetime, report: TickReport) -> None:
        with self.database.transaction() as session:
            if not take(session, outbox_id=item.id, now=now, lease=SEND_LEASE):
                return  # another sender has it
        target = item.sent_channel or item.channel
        posting = False
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
            for left in item.files_left:
                self.port.upload(target, left.file)
                with self.database.transaction() as session:
                    record_uploaded(session, file_id=left.id, at=now)
        except ChannelUnavailable as refused:
            reason = (
                f"<#{refused.channel}> refused the message ({refused.reason}): invite @partnerbot, or "
                "subscribe another channel"
            )
            with self.database.transaction() as session:
                mark_failed(session, outbox_id=item.id, claim_key=item.claim_key, error=reason, at=now)
                tell_admins(
                    session,
                    key=f"refused:{item.claim_key}",
                    text=f"A {item.kind} was not delivered: {reason}.",
                    now=now,
                )
            report.failed += 1
            log.warning("outbox %s failed: %s", item.id, reason)
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
        report: TickReport,
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
