"""Running the command line in-process, as a person would from a shell."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import update

from benchmarks.slack_harness.bot import BOT_TOKEN, RunningBot
from benchmarks.slack_harness.fake_slack import FakeSlack
from bot.cli import main
from bot.jobs import Jobs
from bot.slack_port import SlackSender, make_client
from storage.db import Database
from storage.models import Partner, Person
from tests.commands.test_dispatch import AS_OF, small_program
from tests.factories import STAMP

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """`cli("ask", "help")` → (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


ADMIN, VIEWER, STRANGER = "U0ADMIN", "U0OLGA", "U0STRANGER"
SHARED = "C0ACMESHARED"


@dataclass
class Harness:
    bot: RunningBot
    slack: FakeSlack
    database: Database

    def responses(self, url: str) -> list[dict]:
        return [
            c.params for c in self.slack.calls_to("response_url") if c.params["url"].endswith(url.rsplit("/", 1)[1])
        ]

    def reply(self, url: str) -> dict:
        self.bot.settle()
        (first, *_) = [r for r in self.responses(url) if not r.get("delete_original")] or [{}]
        assert first, f"no reply on {url}"
        return first


@pytest.fixture
def harness(db: Database) -> Iterator[Harness]:
    small_program(db)
    with db.transaction() as session:
        session.add(Person(email="hana@example.com", name="Hana Head", role="admin", updated_at=STAMP))
        session.execute(update(Partner).where(Partner.name == "Acme").values(slack_channel=SHARED))
        session.execute(update(Person).where(Person.email == "olga@example.com").values(role="viewer"))
    slack = FakeSlack().start()
    slack.users = {ADMIN: "hana@example.com", VIEWER: "olga@example.com", STRANGER: "who@example.com"}
    slack.members = {"C0GENERAL", SHARED}
    bot = RunningBot(db, slack, clock=AS_OF).start()
    yield Harness(bot, slack, db)
    bot.stop()
    slack.stop()
    assert slack.violations == [], "a message Slack would have rejected"


def text_of(payload: dict) -> str:
    return json.dumps(payload.get("blocks"), ensure_ascii=False) + str(payload.get("text"))


def jobs_for(harness: Harness) -> Jobs:
    """The scheduled jobs as a replica runs them, sending to the harness's Slack (no pacing sleeps)."""
    port = SlackSender(make_client(BOT_TOKEN, harness.slack.api_url))
    return Jobs(database=harness.database, port=port, sleep=lambda _: None)
