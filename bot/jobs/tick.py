"""The scheduled work, in one place: one tick runs whatever is due, then delivers the outbox (bot/jobs/outbox.py).

Every unit of work is claimed with a unique key in the database before it is queued, so ticks that overlap
(two threads, two processes, two replicas) never send anything twice; the outbox is recorded in the same
transaction as the claim, so a crash between claim and send loses nothing: the next tick sends it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.identity import Directory
from bot.jobs.alerts import plan_alerts, queue_alerts, report_stale_data, report_unreachable
from bot.jobs.disputes import notify_open_disputes
from bot.jobs.first_wins import announce_new_first_wins
from bot.jobs.outbox import OutboxSender
from bot.jobs.qbr import send_qbr_packs
from bot.jobs.tier_review import send_tier_review
from bot.slack_port import SlackPort
from commands.digest import gather_digest_facts
from reports.blocks.digest import digest_reply
from reports.model import Scope
from reports.schedule import latest_slot, parse_clock
from reports.views.digest import compute_digest
from storage.db import Database
from storage.program import load_config
from storage.subscriptions import load_subscriptions
from storage.work import SKIPPED, claim_work, enqueue, is_claimed

log = logging.getLogger("partnerbot.jobs")
DIGEST = "digest"


@dataclass
class TickReport:
    first_wins: int = 0
    digests: int = 0
    skipped_digests: int = 0
    alerts: int = 0
    held: int = 0
    held_for_data: int = 0  # alert items waiting for data to arrive again
    stale_data_notices: int = 0
    tier_reviews: int = 0  # admin DMs of the quarter's tier review
    dispute_notices: int = 0  # open disputes' notices to people found in Slack since they were opened
    qbr_packs: int = 0  # messages queued with quarterly business review packs: owner DMs and partner channel posts
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
    outbox: OutboxSender = field(init=False)  # its pacing carries over from tick to tick

    def __post_init__(self) -> None:
        self.outbox = OutboxSender(self.database, self.port, sleep=self.sleep)

    def tick(self, now: datetime) -> TickReport:
        report = TickReport()
        for name, step in (
            ("people", self._resolve_people),
            ("first wins", self._first_wins),
            ("freshness", self._freshness),
            ("digests", self._digests),
            ("alerts", self._alerts),
            ("tier review", self._tier_review),
            ("disputes", self._disputes),
            ("qbr packs", self._qbr_packs),
            ("outbox", self.outbox.deliver),
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
        report.first_wins = announce_new_first_wins(self.database, now=now)

    def _freshness(self, now: datetime, report: TickReport) -> None:
        with self.database.transaction() as session:
            report.stale_data_notices = report_stale_data(session, now=now, config=load_config(session))

    def _digests(self, now: datetime, report: TickReport) -> None:
        with self.database.session() as session:
            subscriptions = load_subscriptions(session)
            config = load_config(session)
        grace = timedelta(hours=config.digest_grace_hours)
        for sub in subscriptions:
            tz = ZoneInfo(sub.time_zone)
            slot = latest_slot(weekday=sub.weekday, at=parse_clock(sub.local_time), tz=tz, now=now)
            if slot.due_at < sub.created_at:
                continue  # subscribed after this week's slot: the first digest is next week's
            key = f"{DIGEST}:{sub.channel_id}:{slot.week}"
            late = now - slot.due_at
            if late > grace:
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
            scope = Scope(segment=sub.segment, region=sub.region, owner_email=sub.owner_email)
            with self.database.session() as session:
                if is_claimed(session, key=key):
                    continue  # a cheap look first, so that replicas rarely both render it
                facts = gather_digest_facts(session, scope=scope, as_of=now, config=config)
            # computed and rendered (the chart too) with no session open; claimed and queued together after, so a
            # crash before the claim loses nothing (the next tick renders it again)
            message = digest_reply(compute_digest(facts, config, now), config)
            with self.database.transaction() as session:
                if not claim_work(session, key=key, kind=DIGEST, at=now):
                    continue  # another replica claimed it while this one rendered: that one sends it
                enqueue(session, claim_key=key, kind=DIGEST, message=message, at=now, channel=sub.channel_id)
            report.digests += 1

    def _disputes(self, now: datetime, report: TickReport) -> None:
        report.dispute_notices = notify_open_disputes(self.database, now=now)

    def _tier_review(self, now: datetime, report: TickReport) -> None:
        report.tier_reviews = send_tier_review(self.database, now=now)

    def _qbr_packs(self, now: datetime, report: TickReport) -> None:
        report.qbr_packs = send_qbr_packs(self.database, now=now)

    def _alerts(self, now: datetime, report: TickReport) -> None:
        with self.database.session() as session:
            config = load_config(session)
            run, dms = plan_alerts(session, now=now, config=config)  # rendered with no write transaction open
        with self.database.transaction() as session:
            queue_alerts(session, run=run, dms=dms, now=now, config=config)
            report_unreachable(session, now=now, config=config, owners=run.unreachable)
        report.alerts, report.held, report.held_for_data = run.queued, len(run.held), run.held_for_data
