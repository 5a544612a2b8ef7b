"""The proactive half through the fake Slack: digests, alerts, first wins and the outbox, exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from benchmarks.slack_harness.bot import BOT_TOKEN
from benchmarks.slack_harness.fake_slack import FakeSlack, Scripted
from bot.jobs import Jobs, TickReport
from bot.jobs.first_wins import claim_key as first_win_claim_key
from bot.slack_port import SlackSender, make_client
from reports.blocks.alerts import alert_message
from reports.blocks.first_win import first_win_message
from reports.chart_specs import TrendChart
from reports.charts import trend_png
from reports.config import ProgramConfig
from reports.kpis.incentives import EligibleWin
from reports.message import Message
from reports.model import PersonProfile
from reports.views.wins import FirstWin as WinDetail
from storage.db import Database, create_store_engine
from storage.models import FirstWin, Intro, OutboxMessage, Partner, Person, WorkClaim
from storage.program import apply_settings
from storage.subscriptions import record_subscription
from storage.work import claim_work
from tests.bot.conftest import Cli
from tests.commands.test_dispatch import small_program
from tests.factories import STAMP

ROOT = Path(__file__).resolve().parents[2]
MONDAY_9_UTC = datetime(2026, 6, 15, 9, tzinfo=UTC)  # a Monday


@dataclass
class World:
    database: Database
    slack: FakeSlack
    sleeps: list[float] = field(default_factory=list)

    def jobs(self) -> Jobs:
        port = SlackSender(make_client(BOT_TOKEN, self.slack.api_url))
        return Jobs(database=self.database, port=port, sleep=self.sleeps.append)

    def posts(self, channel: str | None = None) -> list[dict]:
        return [
            c.params
            for c in self.slack.calls_to("chat.postMessage")
            if channel is None or c.params.get("channel") == channel
        ]

    def subscribe(self, channel: str, *, weekday: int = 0, at: str = "09:00", zone: str = "UTC") -> None:
        with self.database.transaction() as session:
            record_subscription(
                session,
                channel_id=channel,
                weekday=weekday,
                local_time=at,
                time_zone=zone,
                segment=None,
                region=None,
                owner_email=None,
                created_by="U0HANA",
                at=datetime(2026, 1, 1, tzinfo=UTC),
            )


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    small_program(db)
    with db.transaction() as session:
        session.add(
            Person(
                email="hana@example.com",
                name="Hana Head",
                role="admin",
                slack_user_id="U0HANA",
                time_zone="UTC",
                updated_at=STAMP,
            )
        )
        session.execute(
            update(Person)
            .where(Person.email == "olga@example.com")
            .values(manager_email="hana@example.com", time_zone="Asia/Kolkata")
        )
        apply_settings(session, values={"wins_channel": "C0WINS001"})
    slack = FakeSlack().start()
    slack.members = {"C0GENERAL", "C0WINS001", "C0EMEA"}
    yield World(db, slack)
    slack.stop()
    assert slack.violations == []


def claims(world: World, kind: str) -> list[WorkClaim]:
    with world.database.session() as session:
        return list(session.execute(select(WorkClaim).where(WorkClaim.kind == kind)).scalars())


def test_a_digest_goes_out_once_when_the_tick_runs_twice(world: World) -> None:
    world.subscribe("C0GENERAL")
    first = world.jobs().tick(MONDAY_9_UTC + timedelta(minutes=1))
    second = world.jobs().tick(MONDAY_9_UTC + timedelta(minutes=2))
    assert (first.digests, second.digests) == (1, 0)
    (digest,) = world.posts("C0GENERAL")
    assert digest["blocks"][0]["text"]["text"].startswith("Weekly throughput")
    assert [c.key for c in claims(world, "digest")] == ["digest:C0GENERAL:2026-W25"]
    assert claims(world, "digest")[0].status == "sent"


def test_a_digest_goes_out_once_when_two_threads_tick_together(world: World) -> None:
    world.subscribe("C0GENERAL")
    barrier = threading.Barrier(2)
    now = MONDAY_9_UTC + timedelta(minutes=1)

    def tick() -> None:
        jobs = world.jobs()
        barrier.wait()
        jobs.tick(now)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(world.posts("C0GENERAL")) == 1


TICK_SCRIPT = """
import sys
from datetime import datetime
from bot.jobs import Jobs, TickReport
from bot.jobs.first_wins import claim_key as first_win_claim_key
from bot.slack_port import SlackSender, make_client
from storage.db import open_database
database = open_database(sys.argv[1], migrate=False)
jobs = Jobs(database=database, port=SlackSender(make_client(sys.argv[2], sys.argv[3])), sleep=lambda s: None)
print(jobs.tick(datetime.fromisoformat(sys.argv[4])))
database.dispose()
"""


def test_a_digest_goes_out_once_when_two_processes_tick_together(world: World) -> None:
    world.subscribe("C0GENERAL")
    url = world.database.engine.url.render_as_string(hide_password=False)
    now = (MONDAY_9_UTC + timedelta(minutes=1)).isoformat()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", TICK_SCRIPT, url, BOT_TOKEN, world.slack.api_url, now],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert len(world.posts("C0GENERAL")) == 1


def test_a_crash_between_claim_and_send_is_resumed_once(world: World) -> None:
    world.subscribe("C0GENERAL")
    now = MONDAY_9_UTC + timedelta(minutes=1)
    report = TickReport()
    world.jobs()._digests(now, report)  # claimed and queued; then the process dies before its outbox step
    assert report.digests == 1
    assert world.posts() == []
    restarted = world.jobs()
    restarted.tick(now + timedelta(minutes=5))
    assert len(world.posts("C0GENERAL")) == 1
    assert restarted.tick(now + timedelta(minutes=6)).digests == 0
    assert len(world.posts("C0GENERAL")) == 1
    assert claims(world, "digest")[0].status == "sent"


@pytest.mark.parametrize(
    ("zone", "weekday", "at", "due_utc"),
    [
        ("Europe/Berlin", 0, "09:00", datetime(2026, 3, 23, 8, tzinfo=UTC)),  # CET
        ("Europe/Berlin", 0, "09:00", datetime(2026, 3, 30, 7, tzinfo=UTC)),  # CEST, after the change on 03-29
        ("Asia/Kolkata", 4, "09:30", datetime(2026, 6, 12, 4, tzinfo=UTC)),  # +05:30
    ],
)
def test_digests_follow_each_channels_clock(world: World, zone: str, weekday: int, at: str, due_utc: datetime) -> None:
    world.subscribe("C0EMEA", weekday=weekday, at=at, zone=zone)
    early = world.jobs().tick(due_utc - timedelta(minutes=1))
    assert early.digests == 0  # the slot before this one is more than the grace window ago: skipped
    assert world.jobs().tick(due_utc).digests == 1
    assert len(world.posts("C0EMEA")) == 1


def test_a_missed_digest_goes_out_late_within_grace_or_is_skipped(world: World) -> None:
    world.subscribe("C0GENERAL")
    assert world.jobs().tick(MONDAY_9_UTC + timedelta(hours=5)).digests == 1
    world.subscribe("C0EMEA", weekday=0)
    report = world.jobs().tick(MONDAY_9_UTC + timedelta(hours=7))
    assert (report.digests, report.skipped_digests) == (0, 1)
    (skipped,) = [c for c in claims(world, "digest") if c.key.startswith("digest:C0EMEA")]
    assert skipped.status == "skipped" and "beyond the 6 h grace window" in (skipped.reason or "")
    assert world.posts("C0EMEA") == []


def test_a_429_storm_is_waited_out_and_sent_once(world: World) -> None:
    world.subscribe("C0GENERAL")
    world.slack.script("chat.postMessage", *[Scripted.rate_limited(1, channel="C0GENERAL") for _ in range(5)])
    now = MONDAY_9_UTC + timedelta(minutes=1)
    first = world.jobs().tick(now)
    assert first.retried == 1  # three tries inline, then the outbox waits out Retry-After
    assert world.jobs().tick(now + timedelta(seconds=2)).retried == 0
    assert len(world.posts("C0GENERAL")) == 6  # five refused by the storm, one accepted
    with world.database.session() as session:
        row = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "digest")).scalar_one()
    assert (row.status, row.attempts, row.sent_ts is not None) == ("sent", 2, True)


def test_a_channel_that_refuses_is_reported_to_admins_not_retried(world: World) -> None:
    world.slack.private = {"C0PRIVATE"}  # a public channel would take the post (chat:write.public)
    world.subscribe("C0PRIVATE")
    now = MONDAY_9_UTC + timedelta(minutes=1)
    report = world.jobs().tick(now)
    assert report.failed == 1
    (failed,) = list(claims(world, "digest"))
    assert failed.status == "failed" and "`/invite @partnerbot` in channel C0PRIVATE" in (failed.reason or "")
    world.jobs().tick(now + timedelta(minutes=1))
    notices = [p for p in world.posts("DU0HANA") if "was not delivered" in p["text"]]
    assert len(notices) == 1
    assert len(world.posts("C0PRIVATE")) == 1  # refused once, reported once: no retry storm


def test_owner_alerts_wait_for_the_morning_and_escalate(world: World) -> None:
    night = datetime(2026, 6, 15, 17, tzinfo=UTC)  # 22:30 in Kolkata: Olga's quiet hours
    report = world.jobs().tick(night)
    assert report.held >= 1
    assert world.posts("DU0OLGA") == []
    morning = datetime(2026, 6, 16, 3, tzinfo=UTC)  # 08:30 in Kolkata
    world.jobs().tick(morning)
    world.jobs().tick(morning + timedelta(minutes=1))
    (alert,) = world.posts("DU0OLGA")
    assert "*Initech* via Acme" in json.dumps(alert["blocks"])
    assert [e["action_id"] for e in alert["blocks"][2 + 1]["elements"]] == [
        "alert_responded",
        "alert_next_step",
        "alert_snooze",
        "alert_open",
    ]
    (escalation,) = world.posts("DU0HANA")  # 2 × SLA passed: Olga's manager hears too
    assert "past twice the SLA" in json.dumps(escalation["blocks"])


def test_owners_not_in_slack_are_listed_to_admins_once_a_day(world: World) -> None:
    with world.database.transaction() as session:
        session.execute(update(Person).where(Person.email == "olga@example.com").values(slack_user_id=None))
    morning = datetime(2026, 6, 16, 3, tzinfo=UTC)
    world.jobs().tick(morning)
    world.jobs().tick(morning + timedelta(hours=1))
    notices = [p for p in world.posts("DU0HANA") if "not in Slack" in p["text"]]
    assert len(notices) == 1 and "olga@example.com" in json.dumps(notices[0]["blocks"])


def test_a_snoozed_dormant_partner_returns_when_the_snooze_ends(world: World) -> None:
    from storage.alerts import record_snooze

    with world.database.transaction() as session:
        session.execute(update(Partner).where(Partner.name == "Globex").values(owner_email="hana@example.com"))
        globex = session.execute(select(Partner.id).where(Partner.name == "Globex")).scalar_one()
        record_snooze(
            session,
            rule="dormant",
            subject=str(globex),
            label="Globex",
            owner_email="hana@example.com",
            user_id="U0HANA",
            reason="partner reorg",
            until=datetime(2026, 6, 18, tzinfo=UTC),
            at=datetime(2026, 6, 14, tzinfo=UTC),
        )
    world.jobs().tick(datetime(2026, 6, 16, 10, tzinfo=UTC))
    assert not [p for p in world.posts("DU0HANA") if "Globex" in json.dumps(p["blocks"])]
    world.subscribe("C0GENERAL")
    world.jobs().tick(datetime(2026, 6, 15, 9, 1, tzinfo=UTC) + timedelta(days=0))
    world.jobs().tick(datetime(2026, 6, 18, 10, tzinfo=UTC))
    assert [p for p in world.posts("DU0HANA") if "Globex" in json.dumps(p["blocks"])]


def test_the_digest_lists_snoozes_about_to_end(world: World) -> None:
    from storage.alerts import record_snooze

    with world.database.transaction() as session:
        record_snooze(
            session,
            rule="dormant",
            subject="3",
            label="Globex",
            owner_email="hana@example.com",
            user_id="U0HANA",
            reason="partner reorg",
            until=MONDAY_9_UTC + timedelta(days=3),
            at=MONDAY_9_UTC - timedelta(days=4),
        )
    world.subscribe("C0GENERAL")
    world.jobs().tick(MONDAY_9_UTC + timedelta(minutes=1))
    (digest,) = world.posts("C0GENERAL")
    assert "Snoozes ending this week" in json.dumps(digest["blocks"], ensure_ascii=False)


def first_win_file(tmp_path: Path, outcome: str, closed: str) -> Path:
    path = tmp_path / f"deals-{outcome}.csv"
    path.write_text(
        "deal_id,partner_id,attribution,amount,created_on,closed_on,outcome\n"
        f"W-1,P-2,sourced,25000,2026-06-01,{closed},{outcome}\n",
        encoding="utf-8",
    )
    return path


def test_a_first_win_is_announced_exactly_once_under_reimport(world: World, tmp_path: Path) -> None:
    from storage.importing import run_import

    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    with world.database.session() as session:
        before = session.execute(select(func.count()).select_from(FirstWin)).scalar_one()
    world.jobs().tick(now)  # the fixture's history: Acme's win of 2026-02-10 is logged silently (new install)
    won = first_win_file(tmp_path, "won", "2026-06-14")
    for moment, path in (
        (now, won),
        (now + timedelta(hours=1), won),
        (now + timedelta(hours=2), first_win_file(tmp_path, "open", "")),
        (now + timedelta(hours=3), won),
    ):
        run_import(world.database, kind="deals", path=path, now=moment)
        world.jobs().tick(moment + timedelta(minutes=1))
    posts = world.posts("C0WINS001")
    assert len(posts) == 1
    assert "First win for Acme Analytics" in posts[0]["text"]
    with world.database.session() as session:
        log = {w.partner_id: w for w in session.execute(select(FirstWin)).scalars()}
    assert before == 0 and len(log) == 2
    assert [w.announced for w in sorted(log.values(), key=lambda w: w.won_at)] == [False, True]


def two_first_wins(tmp_path: Path) -> Path:
    """A deals file that brings P-2 and P-3 their first wins."""
    path = tmp_path / "deals.csv"
    path.write_text(
        "deal_id,partner_id,attribution,amount,created_on,closed_on,outcome\n"
        "W-1,P-2,sourced,25000,2026-06-01,2026-06-14,won\n"
        "W-2,P-3,sourced,40000,2026-06-01,2026-06-14,won\n",
        encoding="utf-8",
    )
    return path


def test_first_wins_are_drawn_with_no_write_transaction_open(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another replica claims one of two new first wins while this one draws the posts: its write goes through at
    once (on SQLite nothing holds the write lock), and this one queues only the other."""
    from storage.importing import run_import

    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    world.jobs().tick(now)  # the fixture's history is logged silently (a new install)
    path = two_first_wins(tmp_path)
    run_import(world.database, kind="deals", path=path, now=now)
    claimed_elsewhere: list[str] = []

    def drawn(
        win: WinDetail, owner: PersonProfile | None, config: ProgramConfig, incentive: EligibleWin | None = None
    ) -> Message:
        if not claimed_elsewhere:
            key = first_win_claim_key(win.partner.id)
            if claim_impatiently(world.database, key=key, at=now, kind="first_win"):
                claimed_elsewhere.append(win.partner.name)
        return first_win_message(win, owner, config, incentive)

    monkeypatch.setattr("bot.jobs.first_wins.first_win_message", drawn)
    report = world.jobs().tick(now + timedelta(minutes=1))
    assert (len(claimed_elsewhere), report.first_wins, report.sent, report.errors) == (1, 1, 1, [])
    (post,) = world.posts("C0WINS001")
    assert claimed_elsewhere[0] not in post["text"]
    assert sorted(c.status for c in claims(world, "first_win")) == ["claimed", "sent"]  # the other replica's, ours
    with world.database.session() as session:
        assert session.execute(select(func.count()).select_from(FirstWin).where(FirstWin.announced)).scalar_one() == 2


def test_partnerbot_import_draws_first_win_posts_with_no_write_transaction_open(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli
) -> None:
    """`partnerbot import` announces the wins it brought as the tick does: drawn in a read session, then logged,
    claimed and queued in one short transaction, so a replica's write during the drawing goes through at once."""
    world.jobs().tick(datetime(2026, 6, 15, 12, tzinfo=UTC))  # the fixture's history is logged silently
    path = two_first_wins(tmp_path)
    claimed_elsewhere: list[str] = []

    def drawn(
        win: WinDetail, owner: PersonProfile | None, config: ProgramConfig, incentive: EligibleWin | None = None
    ) -> Message:
        if not claimed_elsewhere:
            at = datetime(2026, 6, 15, 12, tzinfo=UTC)
            if claim_impatiently(world.database, key=first_win_claim_key(win.partner.id), at=at, kind="first_win"):
                claimed_elsewhere.append(win.partner.name)
        return first_win_message(win, owner, config, incentive)

    monkeypatch.setattr("bot.jobs.first_wins.first_win_message", drawn)
    monkeypatch.setenv("DATABASE_URL", world.database.engine.url.render_as_string(hide_password=False))
    code, out, _ = cli("import", "deals", str(path))
    assert (code, len(claimed_elsewhere)) == (0, 1)
    assert "1 first win queued" in out  # the other win is the other replica's to announce
    with world.database.session() as session:
        assert session.execute(select(func.count()).select_from(FirstWin).where(FirstWin.announced)).scalar_one() == 2


def activities_file(tmp_path: Path, name: str, occurred_at: str) -> Path:
    path = tmp_path / name
    path.write_text(f"partner_id,kind,occurred_at\nP-1,login,{occurred_at}\n", encoding="utf-8")
    return path


def test_stale_data_warns_atop_the_digest_holds_dormant_dms_and_tells_admins_once(world: World, tmp_path: Path) -> None:
    from storage.importing import run_import

    delivered = datetime(2026, 6, 14, 9, tzinfo=UTC)  # the last delivery: a Sunday
    monday = datetime(2026, 6, 22, 9, 1, tzinfo=UTC)  # the digest's slot, 8 days later (limit: 72 h)
    with world.database.transaction() as session:
        session.execute(update(Partner).where(Partner.name == "Globex").values(owner_email="hana@example.com"))
        acme = session.execute(select(Partner.id).where(Partner.name == "Acme")).scalar_one()
        # past the SLA at the last delivery: a breach on record; I-2's SLA ran out after it
        session.add(
            Intro(external_id="I-2", partner_id=acme, introduced_at=delivered - timedelta(hours=1), updated_at=STAMP)
        )
    run_import(
        world.database, kind="activities", path=activities_file(tmp_path, "a.csv", "2026-06-14T08:00Z"), now=delivered
    )
    world.subscribe("C0GENERAL")

    first = world.jobs().tick(monday)
    second = world.jobs().tick(monday + timedelta(minutes=30))

    (digest,) = world.posts("C0GENERAL")
    warning = ":warning: No data has arrived since 2026-06-14 09:00 UTC (8 d ago): figures below may be incomplete."
    assert digest["blocks"][0]["text"]["text"] == f"*{warning}*"
    assert "Weekly throughput" in digest["blocks"][1]["text"]["text"]  # "nothing moved": because nothing arrived
    assert digest["text"].startswith(warning)
    assert "(last delivery 2026-06-14, 8 d ago)" in digest["blocks"][-1]["elements"][0]["text"]
    assert (first.held_for_data, second.held_for_data) == (2, 2)  # Globex dormant, I-2 stale: neither sent
    hana = [json.dumps(p["blocks"], ensure_ascii=False) for p in world.posts("DU0HANA")]
    assert not [b for b in hana if "Globex" in b]
    notices = [b for b in hana if "No data has arrived since" in b]
    assert len(notices) == 1 and (first.stale_data_notices, second.stale_data_notices) == (1, 0)
    (olga,) = world.posts("DU0OLGA")  # I-1 was past the SLA when data last arrived: still stale, still sent
    assert "*Initech* via Acme" in json.dumps(olga["blocks"]) and "I-2" not in json.dumps(olga["blocks"])

    arrived = monday + timedelta(hours=1)
    run_import(
        world.database, kind="activities", path=activities_file(tmp_path, "b.csv", "2026-06-22T08:00Z"), now=arrived
    )
    third = world.jobs().tick(arrived + timedelta(minutes=1))
    assert (third.held_for_data, third.stale_data_notices) == (0, 0)
    # the quarter's QBR packs (due 19 June, held while the data was stale) go in the same tick, beside the alert
    (dormant,) = [
        p
        for p in world.posts("DU0HANA")
        if "Globex" in json.dumps(p["blocks"]) and not p["text"].startswith("Quarterly business reviews")
    ]
    assert "dormant" in json.dumps(dormant["blocks"])


def claim_impatiently(database: Database, *, key: str, at: datetime, kind: str = "digest") -> bool:
    """Claim a key as another replica would, on a connection of its own that waits at most 0.2 s for a lock."""
    engine = create_store_engine(database.engine.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            sqlite = engine.dialect.name == "sqlite"
            connection.exec_driver_sql("PRAGMA busy_timeout = 200" if sqlite else "SET lock_timeout = 200")
            connection.commit()
            with Session(connection) as session:
                claimed = claim_work(session, key=key, kind=kind, at=at)
                session.commit()
            return claimed
    finally:
        engine.dispose()


def test_no_transaction_is_held_while_the_digest_chart_renders(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another replica claims the digest while this one draws its chart: its write goes through at once (neither
    SQLite's write lock nor the claim's key is held), and this one drops its render instead of sending it twice."""
    world.subscribe("C0GENERAL")
    now = MONDAY_9_UTC + timedelta(minutes=1)
    key = "digest:C0GENERAL:2026-W25"
    claimed_elsewhere: list[bool] = []

    def drawn_while_another_claims(spec: TrendChart) -> bytes:
        claimed_elsewhere.append(claim_impatiently(world.database, key=key, at=now))
        return trend_png(spec)

    monkeypatch.setattr("reports.blocks.digest.trend_png", drawn_while_another_claims)
    report = world.jobs().tick(now)
    assert claimed_elsewhere == [True]
    assert (report.digests, report.errors) == (0, [])
    assert world.posts("C0GENERAL") == []
    assert [(c.key, c.status) for c in claims(world, "digest")] == [(key, "claimed")]


def test_owner_alerts_are_drawn_with_no_write_transaction_open(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another replica claims Olga's stale-intro alert while this one draws the DMs: its write goes through at once
    (on SQLite nothing holds the write lock), and this one queues only what it claimed."""
    morning = datetime(2026, 6, 16, 9, tzinfo=UTC)  # 14:30 in Kolkata
    claimed_elsewhere: list[bool] = []

    def drawn(**parts: Any) -> Message:
        if not claimed_elsewhere:
            key = "alert:olga@example.com:stale_intro:2026-06-16"
            claimed_elsewhere.append(claim_impatiently(world.database, key=key, at=morning, kind="alert"))
        return alert_message(**parts)

    monkeypatch.setattr("bot.jobs.alerts.alert_message", drawn)
    report = world.jobs().tick(morning)
    assert (claimed_elsewhere, report.errors) == ([True], [])
    assert (report.alerts, world.posts("DU0OLGA")) == (1, [])  # Olga's one rule went to the other replica
    assert "past twice the SLA" in json.dumps(world.posts("DU0HANA"))  # her manager's escalation, to this one
