"""SIGTERM stops `partnerbot serve` gracefully: the listening socket closes, everything acknowledged is answered
within the drain, and the process exits 0.

The figure: of 20 signed slash commands acked just before SIGTERM (each answer taking 0.4 s to post, four at a
time), how many are answered at their response_url. Before: SIGTERM killed the process at once (exit -15) with
the commands still queued unanswered."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.request import BoltRequest

from benchmarks.slack_harness.bot import BOT_TOKEN, SIGNING_SECRET, command_request, post
from benchmarks.slack_harness.fake_slack import FakeSlack
from bot.scheduler import run_scheduler
from bot.serve import socket as socket_mode
from bot.settings import Secret, Settings
from tests.reliability.served import serve

COMMANDS = 20
DRAIN = 10.0


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def answered(slack: FakeSlack) -> set[str]:
    return {str(call.params["url"]) for call in slack.calls_to("response_url")}


def test_sigterm_answers_every_acknowledged_command_and_exits_0(
    tmp_path: Path, sqlite_template: Path, slack: FakeSlack
) -> None:
    slack.response_delay = 0.4
    with serve(tmp_path, sqlite_template, slack, drain=DRAIN) as served:
        urls = [slack.response_url() for _ in range(COMMANDS)]
        requests = [command_request("help", response_url=url) for url in urls]
        with ThreadPoolExecutor(COMMANDS) as pool:
            acks = list(pool.map(lambda r: post(served.url + "/slack/events", *r), requests))
        assert [a.status for a in acks] == [200] * COMMANDS
        before = len(answered(slack))
        stopped_at = time.monotonic()
        served.terminate()
        time.sleep(0.3)
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", served.port), 1):
            pass  # the listening socket is closed while the drain goes on
        code = served.process.wait(timeout=DRAIN + 10)
        took = time.monotonic() - stopped_at
        log = served.log()
    assert before < COMMANDS, "the work should still be in flight at SIGTERM"
    assert len(answered(slack)) == COMMANDS, log
    assert {u.removeprefix(slack.url) for u in urls} == answered(slack)
    assert code == 0, log
    assert took < DRAIN, log
    assert "Traceback" not in log
    assert "every acknowledged request was answered" in log
    assert slack.violations == []


def test_the_scheduler_stops_when_told_and_returns_0(tmp_path: Path, sqlite_template: Path, slack: FakeSlack) -> None:

    shutil.copy(sqlite_template, tmp_path / "scheduler.db")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'scheduler.db'}",
        slack_bot_token=Secret(BOT_TOKEN),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_api_url=slack.api_url,
        drain_seconds=5,
    )
    stop = threading.Event()
    codes: list[int] = []
    runner = threading.Thread(target=lambda: codes.append(run_scheduler(settings, stop=stop)))
    runner.start()
    slack.wait_for("auth.test")
    time.sleep(0.5)  # the first tick runs at once
    stopped_at = time.monotonic()
    stop.set()
    runner.join(timeout=10)
    assert codes == [0]
    assert time.monotonic() - stopped_at < 5


class _SocketTransport:
    """Stands in for the WebSocket only: it hands Bolt each envelope as SocketModeHandler does (a socket_mode
    request; the listener's ack is the envelope's ack). Everything after it, the listeners, the work pool and
    the drain, is the real path."""

    def __init__(self, app: Any, slack: FakeSlack) -> None:
        self.app = app
        self.slack = slack
        self.acked = 0
        self.closed = False
        self.client = self  # the watchdog asks the client whether it is connected

    def connect(self) -> None:
        for n in range(COMMANDS):
            body = {
                "team_id": "T0TEST",
                "channel_id": "C0GENERAL",
                "user_id": "U0ADMIN",
                "command": "/partner",
                "text": "help",
                "response_url": self.slack.response_url(),
                "trigger_id": f"t-{n}",
            }
            response = self.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
            self.acked += response.status == 200

    def is_connected(self) -> bool:
        return not self.closed

    def close(self) -> None:
        self.closed = True


def test_socket_mode_stops_receiving_answers_every_acknowledged_command_and_returns_0(
    tmp_path: Path, sqlite_template: Path, slack: FakeSlack
) -> None:
    slack.response_delay = 0.4
    shutil.copy(sqlite_template, tmp_path / "socket.db")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'socket.db'}",
        slack_bot_token=Secret(BOT_TOKEN),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_app_token=Secret("xapp-1-A0TEST-0000-" + "0" * 32),
        slack_api_url=slack.api_url,
        drain_seconds=DRAIN,
    )
    transports: list[_SocketTransport] = []

    def connect(app: Any, _token: str) -> _SocketTransport:
        transports.append(_SocketTransport(app, slack))
        return transports[-1]

    stop = threading.Event()
    codes: list[int] = []
    runner = threading.Thread(target=lambda: codes.append(socket_mode(settings, stop=stop, connect=connect)))
    runner.start()
    deadline = time.monotonic() + 10
    while not (transports and transports[0].acked == COMMANDS) and time.monotonic() < deadline:
        time.sleep(0.05)
    before = len(answered(slack))
    stop.set()
    runner.join(timeout=DRAIN + 5)
    assert transports[0].acked == COMMANDS
    assert before < COMMANDS, "the work should still be in flight at the stop"
    assert codes == [0]
    assert transports[0].closed  # stopped receiving before the drain
    assert len(answered(slack)) == COMMANDS  # 20 of 20 answered
    assert slack.violations == []
