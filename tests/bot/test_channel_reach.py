"""Which channels partnerbot reaches without an invite (chat:write.public), and what people are told where it
cannot, through the fake Slack, which holds the bot to Slack's rule: with chat:write.public a message (not a file)
reaches a public channel the bot is not in; a private channel answers not_in_channel until the bot is invited.

The figures, with the bot a member of no channel: of three channels (a public digest channel, the public wins
channel, a private digest channel) 2 posted, the digest's chart refused in the public channel and its message
delivered anyway, the private channel's digest failed; the admin told 2 times, each notice naming its channel as a
link and saying `/invite @partnerbot`; the same run without chat:write.public (an app installed before the scope)
posted 0 of 3, each failure telling the admin to reinstall; a command's chart in a public channel fell back to the
requester's DM 1 time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from benchmarks.slack_harness.bot import BOT_TOKEN
from benchmarks.slack_harness.fake_slack import FakeSlack
from bot.jobs import Jobs
from bot.slack_port import SlackSender, make_client
from commands.slack import BOT_SCOPES
from storage.db import Database
from storage.importing import run_import
from storage.models import OutboxMessage, Person, WorkClaim
from storage.program import apply_settings
from storage.subscriptions import record_subscription
from tests.bot.conftest import ADMIN, Cli, Harness, text_of
from tests.commands.test_dispatch import small_program
from tests.factories import STAMP

MONDAY_9_UTC = datetime(2026, 6, 15, 9, tzinfo=UTC)
PUBLIC, WINS, SECRET = "C0PUBLIC1", "C0WINS001", "C0SECRET1"


@dataclass
class Reach:
    database: Database
    slack: FakeSlack

    def run_week(self, tmp_path: Path) -> None:
        """A first win imported, then the Monday tick (digests, the win), and one more to deliver the notices."""
        jobs = Jobs(
            database=self.database,
            port=SlackSender(make_client(BOT_TOKEN, self.slack.api_url)),
            sleep=lambda _: None,
        )
        jobs.tick(MONDAY_9_UTC - timedelta(hours=1))  # the history's old win is logged silently (a new install)
        deals = tmp_path / "deals.csv"
        deals.write_text(
            "deal_id,partner_id,attribution,amount,created_on,closed_on,outcome\n"
            "W-1,P-2,sourced,25000,2026-06-01,2026-06-14,won\n",
            encoding="utf-8",
        )
        run_import(self.database, kind="deals", path=deals, now=MONDAY_9_UTC)
        jobs.tick(MONDAY_9_UTC + timedelta(minutes=1))
        jobs.tick(MONDAY_9_UTC + timedelta(minutes=2))

    def claims(self) -> dict[str, WorkClaim]:
        with self.database.session() as session:
            return {c.key: c for c in session.execute(select(WorkClaim)).scalars()}

    def admin_notices(self) -> list[dict]:
        return [c.params for c in self.slack.calls_to("chat.postMessage") if c.params["channel"] == "DU0HANA"]


@pytest.fixture
def reach(db: Database) -> Iterator[Reach]:
    small_program(db)
    with db.transaction() as session:
        session.add(
            Person(email="hana@example.com", name="Hana Head", role="admin", slack_user_id="U0HANA", updated_at=STAMP)
        )
        apply_settings(session, values={"wins_channel": WINS})
        for channel in (PUBLIC, SECRET):
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
                at=STAMP,
            )
    slack = FakeSlack().start()
    slack.members = set()  # invited nowhere
    slack.private = {SECRET}
    yield Reach(db, slack)
    slack.stop()
    assert slack.violations == []


def test_public_channels_take_posts_uninvited_and_admins_hear_where_the_invite_is_needed(
    reach: Reach, tmp_path: Path
) -> None:
    reach.run_week(tmp_path)
    posted = {c: len(reach.slack.messages(c)) for c in (PUBLIC, WINS, SECRET)}
    assert posted == {PUBLIC: 1, WINS: 1, SECRET: 0}
    assert "Weekly throughput" in json.dumps(reach.slack.messages(PUBLIC)[0]["blocks"])
    assert "First win for Acme Analytics" in reach.slack.messages(WINS)[0]["text"]
    assert reach.slack.shared_files(PUBLIC) == []  # a file needs the bot in the channel, even a public one

    claims = reach.claims()
    public, secret = claims[f"digest:{PUBLIC}:2026-W25"], claims[f"digest:{SECRET}:2026-W25"]
    assert public.status == "sent" and f"reached channel {PUBLIC}, but its chart did not" in (public.reason or "")
    assert secret.status == "failed"
    assert f"was not delivered to channel {SECRET} (not_in_channel)" in (secret.reason or "")
    assert f"`/invite @partnerbot` in channel {SECRET}" in (secret.reason or "")

    told = reach.admin_notices()
    assert len(told) == 2
    chart, refused = sorted(told, key=lambda n: "reached" not in n["text"])
    assert f"`/invite @partnerbot` in <#{PUBLIC}> to get the charts too" in json.dumps(chart["blocks"])
    assert f"The weekly digest was not delivered to <#{SECRET}> (not_in_channel)" in json.dumps(refused["blocks"])
    assert f"`/invite @partnerbot` in <#{SECRET}>" in json.dumps(refused["blocks"])
    assert "subscribe another channel" in refused["text"] and f"channel {SECRET}" in refused["text"]

    reach.slack.members.add(SECRET)  # once invited, next week's digest arrives
    jobs = Jobs(database=reach.database, port=SlackSender(make_client(BOT_TOKEN, reach.slack.api_url)))
    jobs.tick(MONDAY_9_UTC + timedelta(days=7, minutes=1))
    assert len(reach.slack.messages(SECRET)) == 1


def test_without_chat_write_public_every_channel_needs_the_invite(reach: Reach, tmp_path: Path) -> None:
    reach.slack.scopes = set(BOT_SCOPES) - {"chat:write.public"}  # installed before the app asked for it
    reach.run_week(tmp_path)
    assert [len(reach.slack.messages(c)) for c in (PUBLIC, WINS, SECRET)] == [0, 0, 0]
    with reach.database.session() as session:
        failed = session.execute(select(OutboxMessage).where(OutboxMessage.status == "failed")).scalars().all()
    assert sorted(f.kind for f in failed) == ["digest", "digest", "first_win"]
    told = reach.admin_notices()
    assert len(told) == 3
    assert all("reinstall it from manifest.yml" in n["text"] for n in told)
    (wins,) = [n for n in told if "first-win post" in n["text"]]
    assert f"<#{WINS}>" in json.dumps(wins["blocks"]) and "partnerbot config set wins_channel" in wins["text"]


def test_a_commands_chart_in_a_public_channel_falls_back_to_the_dm(harness: Harness) -> None:
    _, url = harness.bot.command("program", channel=PUBLIC)
    reply = harness.reply(url)  # the reply itself goes through response_url, which works anywhere
    assert "sent to you in a direct message (`/invite @partnerbot` in this channel" in text_of(reply)
    fell_back = [u for u in harness.slack.uploads.values() if u.get("channel") == f"D{ADMIN}"]
    assert len(fell_back) == 1 and harness.slack.shared_files(PUBLIC) == []


def test_subscribing_and_choosing_the_wins_channel_say_what_needs_the_invite(
    harness: Harness, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = harness.bot.command(f"digest subscribe <#{PUBLIC}|deals>")
    said = harness.reply(url)
    assert (
        "partnerbot posts in a public channel without joining it; a private channel, and the digest’s chart in "
        "any channel, need `/invite @partnerbot` there."
    ) in said["text"]
    monkeypatch.setenv("DATABASE_URL", harness.database.engine.url.render_as_string(hide_password=False))
    code, out, _ = cli("config", "set", "wins_channel", "C0WINS002")
    assert code == 0
    assert out.splitlines()[-1] == (
        "first wins will be posted in channel C0WINS002: partnerbot posts in a public channel without joining it; "
        "a private channel needs `/invite @partnerbot` there."
    )
