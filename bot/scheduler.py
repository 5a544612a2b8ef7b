"""`partnerbot scheduler` and `partnerbot run-due`: the tick that sends digests, alerts and first wins.

APScheduler runs one job, the tick, every minute (coalesced, one at a time, with a real misfire grace). With
several replicas on PostgreSQL only one scheduler leads: it holds an advisory lock on a dedicated connection,
and stops when it loses that connection, so its supervisor can restart it to compete for the lock again.
Claims in the database keep every unit of work single even if two schedulers ever overlap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import make_url

from bot.identity import Directory
from bot.jobs import Jobs, TickReport
from bot.serve import open_for_bot, stop_on_signals, wall_clock
from bot.settings import Settings, SettingsError
from bot.slack_port import SlackSender, make_client
from storage.claims import record_workspace_status
from storage.db import Database

log = logging.getLogger("partnerbot.scheduler")
TICK_SECONDS = 60
LEADER_KEY = 0x7061_7274_6E65_72  # "partner", as one bigint: the scheduler's advisory lock
WAIT_FOR_LEAD = 15.0


def libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class AdvisoryLeader:
    """Leadership held as a PostgreSQL advisory lock on one dedicated, unpooled connection."""

    def __init__(self, database_url: str) -> None:
        self.url = libpq_url(database_url)
        self.connection: psycopg.Connection[Any] | None = None

    def acquire(self) -> bool:
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        row = self.connection.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_KEY,)).fetchone()
        return bool(row and row[0])

    def holding(self) -> bool:
        """Still leading: the lock's connection answers (the lock lives exactly as long as it does)."""
        if self.connection is None or self.connection.closed:
            return False
        try:
            self.connection.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def release(self) -> None:
        if self.connection is not None and not self.connection.closed:
            try:
                self.connection.execute("SELECT pg_advisory_unlock(%s)", (LEADER_KEY,))
            finally:
                self.connection.close()


def build_jobs(settings: Settings, database: Database) -> Jobs:
    settings.require("slack_bot_token")
    assert settings.slack_bot_token is not None
    client = make_client(settings.slack_bot_token.reveal(), settings.slack_api_url)
    port = SlackSender(client)
    try:
        identity = client.auth_test()
    except Exception as error:  # noqa: BLE001 - a bad token or unreachable Slack is one clear line
        raise SettingsError(
            f"Slack refused SLACK_BOT_TOKEN or could not be reached at {settings.slack_api_url}: {type(error).__name__}"
        ) from None
    with database.transaction() as session:
        record_workspace_status(session, team_id=str(identity.get("team_id", "")), status="active", at=wall_clock())
    return Jobs(database=database, port=port, directory=Directory(port, database))


def run_due(settings: Settings, *, now: datetime) -> TickReport:
    database = open_for_bot(settings)
    try:
        return build_jobs(settings, database).tick(now)
    finally:
        database.dispose()


def run_scheduler(
    settings: Settings, *, clock: Callable[[], datetime] = wall_clock, stop: threading.Event | None = None
) -> int:
    """Run the tick every TICK_SECONDS until stop is set (SIGTERM or Ctrl-C when run as a command): a tick in
    progress is finished (for up to the drain time), then the lock is released and it returns."""
    if stop is None:
        stop = threading.Event()
        stop_on_signals(stop)
    database = open_for_bot(settings)
    jobs = build_jobs(settings, database)
    leader = AdvisoryLeader(settings.database_url) if database.dialect == "postgresql" else None
    while leader is not None and not leader.acquire():
        log.info("another replica leads the schedule; waiting")
        if stop.wait(WAIT_FOR_LEAD):
            leader.release()
            database.dispose()
            return 0
    scheduler = BlockingScheduler(timezone=UTC)
    lost = threading.Event()
    ticking = threading.Lock()  # held while a tick sends: a stop waits for it before releasing the lead

    def tick() -> None:
        with ticking:
            if stop.is_set():
                return
            if leader is not None and not leader.holding():
                log.error("lost the scheduler lock: stopping this scheduler (a supervisor should restart it)")
                lost.set()
                scheduler.shutdown(wait=False)
                return
            report = jobs.tick(clock())
            log.info("tick: %s", report)

    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=TICK_SECONDS, timezone=UTC),
        id="tick",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=TICK_SECONDS * 5,
        next_run_time=clock(),
    )
    watcher = threading.Thread(target=lambda: (stop.wait(), scheduler.shutdown(wait=False)), daemon=True)
    watcher.start()
    log.info("scheduler running: a tick every %d s", TICK_SECONDS)
    finished = True
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if ticking.acquire(timeout=settings.drain_seconds):  # the send in progress finishes first
            ticking.release()
        else:
            finished = False
            log.error("stopping with a tick still sending after %.0f s", settings.drain_seconds)
        if leader is not None:
            leader.release()
        database.dispose()
    return 1 if lost.is_set() or not finished else 0
