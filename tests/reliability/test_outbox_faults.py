"""The outbox delivers each message once through Slack's faults: a post and each of its files are separate steps,
and a post whose answer was lost is looked for in the channel before it is sent again.

The figures, per test: posts Slack accepted, files shared, and doubles (accepted posts beyond one per message).
Before (the whole message retried as one step, the SDK repeating posts inline): an upload failing once after the
post gave 2 posts, 1 file, 1 double; a post accepted but answered after the client's timeout, 2 posts, 1 double; a
dropped connection after sending, or a 500 after Slack did the post, 2 posts, 1 double; the 429/5xx storm over two
channels, 3 posts, 1 double (a 429 storm on the chart upload re-posted its message); the alert DM, 2 posts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import select, update

from benchmarks.slack_harness.bot import BOT_TOKEN
from benchmarks.slack_harness.fake_slack import FakeSlack, Scripted
from bot.jobs import Jobs
from bot.slack_port import SlackSender, make_client
from storage.db import Database
from storage.models import OutboxMessage, Person, WorkClaim
from storage.subscriptions import record_subscription
from tests.commands.test_dispatch import small_program
from tests.factories import STAMP

MONDAY = datetime(2026, 6, 15, 9, 1, tzinfo=UTC)  # a digest is due at 09:00 UTC
CHANNELS = ("C0GENERAL", "C0EMEA")


class Figures(NamedTuple):
    posts: int
    files: int
    doubles: int


@dataclass
class World:
    database: Database
    slack: FakeSlack

    def jobs(self, *, timeout: int = 15) -> Jobs:
        client = make_client(BOT_TOKEN, self.slack.api_url, timeout=timeout)
        return Jobs(database=self.database, port=SlackSender(client), sleep=lambda _: None)

    def subscribe(self, *channels: str) -> None:
        with self.database.transaction() as session:
            for channel in channels:
                record_subscription(
                    session,
                    channel_id=channel,
                    weekday=0,
                    local_time="09:00",
                    time_zone="UTC",
                    segment=None,
                    region=None,
                    owner_email=None,
                    created_by="U0HANA",
                    at=datetime(2026, 1, 1, tzinfo=UTC),
                )

    def figures(self, *channels: str) -> Figures:
        posts = Counter({c: len(self.slack.messages(c)) for c in channels})
        files = sum(len(self.slack.shared_files(c)) for c in channels)
        return Figures(sum(posts.values()), files, sum(max(0, n - 1) for n in posts.values()))

    def digest_status(self) -> list[str]:
        with self.database.session() as session:
            return list(session.execute(select(WorkClaim.status).where(WorkClaim.kind == "digest")).scalars())


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    small_program(db)
    with db.transaction() as session:
        session.add(
            Person(email="hana@example.com", name="Hana Head", role="admin", slack_user_id="U0HANA", updated_at=STAMP)
        )
    slack = FakeSlack().start()
    slack.members = set(CHANNELS)
    yield World(db, slack)
    slack.stop()
    assert slack.violations == []


def test_a_failed_upload_is_retried_alone(world: World) -> None:
    world.subscribe("C0GENERAL")
    world.slack.script("upload", Scripted.server_error())
    first = world.jobs().tick(MONDAY)
    assert (first.retried, world.figures("C0GENERAL")) == (1, Figures(posts=1, files=0, doubles=0))
    world.jobs().tick(MONDAY + timedelta(minutes=5))
    assert world.figures("C0GENERAL") == Figures(posts=1, files=1, doubles=0)
    assert world.digest_status() == ["sent"]


def test_a_post_answered_after_the_timeout_is_found_not_repeated(world: World) -> None:
    world.subscribe("C0GENERAL")
    world.slack.script("chat.postMessage", Scripted.late(2.5, channel="C0GENERAL"))
    first = world.jobs(timeout=1).tick(MONDAY)
    assert first.retried == 1 and world.figures("C0GENERAL").posts == 1  # Slack has it; the bot does not know
    world.jobs(timeout=1).tick(MONDAY + timedelta(minutes=5))
    assert world.figures("C0GENERAL") == Figures(posts=1, files=1, doubles=0)
    assert len([c for c in world.slack.calls_to("chat.postMessage") if c.params["channel"] == "C0GENERAL"]) == 1
    (looked,) = world.slack.calls_to("conversations.history")
    assert looked.params["include_all_metadata"] in ("1", "true")
    (accepted,) = world.slack.messages("C0GENERAL")
    with world.database.session() as session:
        row = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "digest")).scalar_one()
    assert (row.status, row.sent_ts, row.sent_channel) == ("sent", accepted["ts"], "C0GENERAL")
    assert accepted["metadata"] == {
        "event_type": "partnerbot_outbox",
        "event_payload": {"claim": "digest:C0GENERAL:2026-W25"},
    }


def test_a_post_whose_connection_dropped_after_sending_is_found_not_repeated(world: World) -> None:
    world.subscribe("C0GENERAL")
    world.slack.script("chat.postMessage", Scripted.lost(channel="C0GENERAL"))
    world.jobs().tick(MONDAY)
    world.jobs().tick(MONDAY + timedelta(minutes=5))
    assert world.figures("C0GENERAL") == Figures(posts=1, files=1, doubles=0)
    assert world.digest_status() == ["sent"]


def test_a_post_slack_did_but_answered_500_is_found_not_repeated(world: World) -> None:
    world.subscribe("C0GENERAL")
    world.slack.script(
        "chat.postMessage", Scripted(500, {"ok": False, "error": "internal_error"}, channel="C0GENERAL", accept=True)
    )
    world.jobs().tick(MONDAY)
    world.jobs().tick(MONDAY + timedelta(minutes=5))
    assert world.figures("C0GENERAL") == Figures(posts=1, files=1, doubles=0)


def test_a_post_never_made_is_posted_after_looking(world: World) -> None:
    world.subscribe("C0GENERAL")
    world.slack.script("chat.postMessage", Scripted.server_error(503, channel="C0GENERAL"))
    world.jobs().tick(MONDAY)
    assert world.figures("C0GENERAL").posts == 0  # unknown to the bot: it looks first, finds nothing, posts
    world.jobs().tick(MONDAY + timedelta(minutes=5))
    assert world.figures("C0GENERAL") == Figures(posts=1, files=1, doubles=0)
    assert world.digest_status() == ["sent"]


def test_a_429_storm_and_5xx_end_with_one_post_per_message(world: World) -> None:
    world.subscribe(*CHANNELS)
    world.slack.script("chat.postMessage", *[Scripted.rate_limited(1, channel="C0GENERAL") for _ in range(3)])
    world.slack.script("chat.postMessage", *[Scripted.server_error(502, channel="C0EMEA") for _ in range(2)])
    world.slack.script("files.getUploadURLExternal", Scripted.rate_limited(1), Scripted.server_error(503))
    now = MONDAY
    for _ in range(4):
        world.jobs().tick(now)
        now += timedelta(hours=1)
    assert world.figures(*CHANNELS) == Figures(posts=2, files=2, doubles=0)
    assert world.digest_status() == ["sent", "sent"]


def test_without_a_history_scope_the_lost_answer_is_posted_again(world: World) -> None:
    """The window the README documents: a workspace that has not granted the history scopes cannot be searched,
    so a post whose answer was lost is sent again (delivered, possibly twice) rather than dropped."""
    world.slack.scopes = {"chat:write", "im:write", "files:write"}
    world.subscribe("C0GENERAL")
    world.slack.script("chat.postMessage", Scripted.lost(channel="C0GENERAL"))
    world.jobs().tick(MONDAY)
    world.jobs().tick(MONDAY + timedelta(minutes=5))
    assert world.figures("C0GENERAL") == Figures(posts=2, files=1, doubles=1)
    assert world.digest_status() == ["sent"]


def test_an_alert_dm_answered_late_is_found_in_the_dm(world: World) -> None:
    with world.database.transaction() as session:
        session.execute(update(Person).where(Person.email == "olga@example.com").values(time_zone="UTC"))
    world.slack.script("chat.postMessage", Scripted.lost(channel="DU0OLGA"))
    noon = datetime(2026, 6, 16, 12, tzinfo=UTC)
    world.jobs().tick(noon)
    world.jobs().tick(noon + timedelta(minutes=5))
    assert len(world.slack.messages("DU0OLGA")) == 1


class Crash(BaseException):
    """The process dies: nothing below the tick catches it."""


def test_a_sender_that_died_after_its_post_landed_does_not_post_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.subscribe("C0GENERAL")

    def die(*args: object, **kwargs: object) -> None:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr("bot.jobs.outbox.record_posted", die)
        with pytest.raises(Crash):
            world.jobs().tick(MONDAY)
    assert world.figures("C0GENERAL").posts == 1
    world.jobs().tick(MONDAY + timedelta(minutes=5))  # still taken: the dead sender's lease runs 10 minutes
    world.jobs().tick(MONDAY + timedelta(minutes=11))
    assert world.figures("C0GENERAL") == Figures(posts=1, files=1, doubles=0)
    assert world.digest_status() == ["sent"]
