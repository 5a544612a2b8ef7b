"""The HTTP edge, against the real server on 127.0.0.1: hostile requests are refused with a 4xx before anything
is parsed, with one short log line each and no traceback; big bodies are refused from their headers, so memory
stays flat; slow clients cannot starve the health check or Slack.

Figures (before → now): hostile requests of 17 kinds, 20 of each: 5xx or tracebacks for signed bad JSON, deep
nesting, non-UTF-8 and `null` on /slack/events and deep nesting on /api/v1/events → all 4xx, 0 tracebacks; ten
unsigned 50 MB bodies: read whole, then 401 → 413 after at most 1 MiB, peak RSS under 300 MiB; /healthz with 200
slow clients connected: no answer (connection limit 200) → under 1 s each time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import select
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.slack_harness.bot import INGEST_TOKEN, SIGNING_SECRET, RunningBot
from benchmarks.slack_harness.fake_slack import FakeSlack
from bot.http import SLACK_MAX_BODY, make_server
from storage.db import Database, open_database
from tests.commands.test_dispatch import AS_OF
from tests.reliability.served import serve, stream_post

EACH = 20
MiB = 1024 * 1024


def sign(body: bytes, stamp: int | None = None) -> dict[str, str]:
    """Slack's headers for any bytes (the SDK's helper wants text)."""
    stamp = int(time.time()) if stamp is None else stamp
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:%d:%s" % (stamp, body), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": f"v0={digest}"}


JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
API = {"Content-Type": "application/json", "Authorization": f"Bearer {INGEST_TOKEN}"}
EVENT = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened"}}).encode()
DEEP = b'{"a":' + b"[" * 200_000
NOT_UTF8 = b'{"type": "\xff\xfe\xfa"}'


@dataclass(frozen=True)
class Hostile:
    name: str
    path: str
    body: bytes
    headers: Callable[[bytes], dict[str, str]]
    status: int


HOSTILE = [
    Hostile("unsigned null", "/slack/events", b"null", lambda b: JSON, 401),
    Hostile("bad signature", "/slack/events", EVENT, lambda b: JSON | sign(b"other"), 401),
    Hostile(
        "non-numeric timestamp",
        "/slack/events",
        EVENT,
        lambda b: JSON | {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
        401,
    ),
    Hostile("stale timestamp", "/slack/events", EVENT, lambda b: JSON | sign(b, int(time.time()) - 600), 401),
    Hostile("unsigned deep nesting", "/slack/events", DEEP, lambda b: JSON, 401),
    Hostile("unsigned over the cap", "/slack/events", b"x" * (SLACK_MAX_BODY + 1), lambda b: JSON, 413),
    Hostile("signed null", "/slack/events", b"null", lambda b: JSON | sign(b), 400),
    Hostile("signed bad JSON", "/slack/events", b'{"type": ', lambda b: JSON | sign(b), 400),
    Hostile("signed deep nesting", "/slack/events", DEEP, lambda b: JSON | sign(b), 400),
    Hostile("signed non-UTF-8", "/slack/events", NOT_UTF8, lambda b: JSON | sign(b), 400),
    Hostile("signed bad payload", "/slack/events", b"payload=%7Bnot", lambda b: FORM | sign(b), 400),
    Hostile("no token", "/api/v1/events", b"null", lambda b: JSON, 401),
    Hostile("null", "/api/v1/events", b"null", lambda b: API, 400),
    Hostile("bad JSON", "/api/v1/events", b'{"events": [', lambda b: API, 400),
    Hostile("deep nesting", "/api/v1/events", b'{"events":' + b"[" * 200_000, lambda b: API, 400),
    Hostile("non-UTF-8", "/api/v1/events", NOT_UTF8, lambda b: API, 400),
    Hostile("over the cap", "/api/v1/events", b"x" * (MiB + 1), lambda b: API, 413),
]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logged() -> Iterator[Records]:
    records = Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(records)
    root.setLevel(logging.INFO)
    yield records
    root.removeHandler(records)
    root.setLevel(level)


@pytest.fixture
def bot(tmp_path: Path, sqlite_template: Path) -> Iterator[RunningBot]:
    shutil.copy(sqlite_template, tmp_path / "edge.db")
    database: Database = open_database(f"sqlite:///{tmp_path / 'edge.db'}", migrate=False)
    slack = FakeSlack().start()
    running = RunningBot(database, slack, clock=AS_OF).start()
    yield running
    running.stop()
    slack.stop()
    database.dispose()


def test_hostile_requests_get_a_4xx_one_short_log_line_and_no_traceback(bot: RunningBot, logged: Records) -> None:
    def send(hostile: Hostile) -> int:
        answer = stream_post(
            bot.server.effective_port,
            hostile.path,
            hostile.headers(hostile.body) | {"Content-Length": str(len(hostile.body))},
            [hostile.body[i : i + 65536] for i in range(0, len(hostile.body), 65536)],
        )
        return answer.status or 0

    with ThreadPoolExecutor(8) as pool:
        statuses = {h.name: list(pool.map(send, [h] * EACH)) for h in HOSTILE}
    wrong = {
        name: sorted(set(got))
        for name, got in statuses.items()
        if got != [h.status for h in HOSTILE if h.name == name] * EACH
    }
    sent = EACH * len(HOSTILE)
    tracebacks = [line for line in logged.lines if "Traceback" in line]
    print(
        f"\n{sent} hostile requests of {len(HOSTILE)} kinds: {len(wrong)} kinds answered otherwise than expected; "
        f"{len(tracebacks)} tracebacks; {len(logged.lines)} log lines, {sum(map(len, logged.lines))} bytes"
    )
    assert wrong == {}
    assert tracebacks == []
    assert len(logged.lines) <= sent
    assert max(len(line) for line in logged.lines) < 300
    assert bot.get("/healthz").status == 200


def rss_body(size: int) -> Iterator[bytes]:
    chunk = b"x" * MiB
    for _ in range(size // MiB):
        yield chunk


def test_ten_50_mb_unsigned_bodies_are_refused_from_their_headers(tmp_path: Path, sqlite_template: Path) -> None:
    slack = FakeSlack().start()
    try:
        with serve(tmp_path, sqlite_template, slack) as served:
            start_rss = served.peak_rss_mib()

            def send(index: int) -> Any:
                chunked = index % 2 == 1  # half with a Content-Length, half chunked (no length to refuse from)
                headers = JSON if chunked else JSON | {"Content-Length": str(50 * MiB)}
                return stream_post(served.port, "/slack/events", headers, rss_body(50 * MiB), chunked=chunked)

            with ThreadPoolExecutor(10) as pool:
                answers = list(pool.map(send, range(10)))
            peak = served.peak_rss_mib()
            log = served.log()
    finally:
        slack.stop()
    print(
        f"\nten 50 MB bodies: statuses {[a.status for a in answers]}, at most "
        f"{max(a.sent for a in answers) / MiB:.1f} MiB sent each; peak RSS {peak:.0f} MiB (after start {start_rss:.0f})"
    )
    assert [a.status for a in answers] == [413] * 10
    # the client stops at the answer: what it pushed by then is the 1 MiB cap plus the sockets' buffers
    assert max(a.sent for a in answers) <= 10 * MiB
    assert peak < 300
    assert "Traceback" not in log


def test_slow_clients_do_not_starve_the_health_check(tmp_path: Path, sqlite_template: Path) -> None:
    slack = FakeSlack().start()
    slow: list[socket.socket] = []
    try:
        with serve(tmp_path, sqlite_template, slack) as served:
            for _ in range(200):
                sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
                sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n")
                slow.append(sock)
            stop = threading.Event()

            def trickle() -> None:
                while not stop.wait(0.5):
                    for sock in slow:
                        with contextlib.suppress(OSError):
                            sock.send(b"X")

            trickler = threading.Thread(target=trickle, daemon=True)
            trickler.start()
            timings = []
            for _ in range(10):
                started = time.perf_counter()
                with urllib.request.urlopen(served.url + "/healthz", timeout=5) as answer:
                    assert answer.status == 200
                timings.append(time.perf_counter() - started)
                time.sleep(1)
            stop.set()
            trickler.join()
    finally:
        for sock in slow:
            sock.close()
        slack.stop()
    print(f"\n/healthz with 200 slow clients: worst {max(timings) * 1000:.0f} ms over {len(timings)} checks in ~10 s")
    assert max(timings) < 1.0


def test_a_request_still_arriving_after_the_deadline_is_dropped() -> None:
    server = make_server(lambda environ, start_response: [], host="127.0.0.1", port=0, request_deadline=1.0)
    stop = threading.Event()
    loop = threading.Thread(target=server.serve_until, args=(stop,), daemon=True)
    loop.start()
    try:
        sock = socket.create_connection(("127.0.0.1", server.effective_port), timeout=10)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = None
        while time.monotonic() - started < 8:
            try:
                sock.send(b"X")
            except OSError:
                closed = time.monotonic() - started
                break
            if select.select([sock], [], [], 0.3)[0] and sock.recv(100) == b"":
                closed = time.monotonic() - started
                break
        sock.close()
    finally:
        stop.set()
        loop.join()
        server.close()
    assert closed is not None and closed < 1.0 + 2 + 1  # the deadline, one cleanup interval, slack
