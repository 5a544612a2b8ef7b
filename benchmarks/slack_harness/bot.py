"""partnerbot served for real in HTTP mode on 127.0.0.1, its WebClient pointed at the fake Slack, and requests
signed exactly as Slack signs them."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier
from waitress import wasyncore

from benchmarks.slack_harness.fake_slack import FakeSlack
from bot.http import make_server, wsgi_app
from bot.serve import routes
from bot.settings import Secret, Settings
from bot.slack_app import create_app
from storage.db import Database

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
BOT_TOKEN = "xoxb-0000-1111-harness"
INGEST_TOKEN = "crm-token-0123456789abcdef0123"
PRM_TOKEN = "prm-token-0123456789abcdef0123"
TEAM = "T0TEST"


@dataclass
class Answer:
    status: int
    body: str
    seconds: float


def signed_headers(body: bytes, *, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body.decode())
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": str(signature)}


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """One POST, timed from the request's start to its whole answer read (a large body as a careful client sends
    it: headers first, with `Expect: 100-continue`, so a refusal is read rather than lost to a reset)."""
    if len(body) > LARGE_BODY:
        return post_expecting(url, body, headers)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.read().decode(), time.perf_counter() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode(), time.perf_counter() - started)


LARGE_BODY = 64 * 1024


def read_answer(sock: socket.socket, started: float) -> Answer:
    """One HTTP/1.1 response (status, headers, Content-Length body), skipping any 100 Continue."""
    data = b""
    while True:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"the server closed the connection after {data[:60]!r}")
            data += chunk
        head, _, data = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 100:
            break
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(data) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return Answer(status, data[:length].decode("utf-8", "replace"), time.perf_counter() - started)


def post_expecting(url: str, body: bytes, headers: dict[str, str], *, wait: float = 2.0) -> Answer:
    """A POST that sends its headers with `Expect: 100-continue` and its body only once the server says so (or
    after `wait` without an answer, as curl does); a server that refuses from the headers is answered at once."""
    parts = urlsplit(url)
    started = time.perf_counter()
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        lines = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()] + ["Expect: 100-continue", "Connection: close"]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        readable, _, _ = select.select([sock], [], [], wait)
        if readable:
            peek = sock.recv(65536, socket.MSG_PEEK)
            if peek.startswith((b"HTTP/1.1 100", b"HTTP/1.0 100")):
                sock.recv(peek.index(b"\r\n\r\n") + 4)
            else:
                return read_answer(sock, started)
        sock.sendall(body)
        return read_answer(sock, started)


def command_request(
    text: str,
    *,
    response_url: str,
    user: str = "U0ADMIN",
    channel: str = "C0GENERAL",
    timestamp: int | None = None,
    secret: str = SIGNING_SECRET,
) -> tuple[bytes, dict[str, str]]:
    """A `/partner TEXT` slash command as Slack sends it: the form body and its signed headers."""
    body = urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/partner",
            "text": text,
            "response_url": response_url,
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    ).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **signed_headers(body, timestamp=timestamp, secret=secret),
    }
    return body, headers


class RunningBot:
    def __init__(self, database: Database, slack: FakeSlack | str, *, clock: datetime) -> None:
        """`slack` is the fake Slack in this process, or the Web API URL of one in another process."""
        settings = Settings(
            database_url=str(database.engine.url),
            slack_bot_token=Secret(BOT_TOKEN),
            slack_signing_secret=Secret(SIGNING_SECRET),
            slack_api_url=slack if isinstance(slack, str) else slack.api_url,
            ingest_tokens={"crm": Secret(INGEST_TOKEN), "prm": Secret(PRM_TOKEN)},
        )
        self._slack = slack
        self.app, self.runtime = create_app(settings, database, clock=lambda: clock)
        extra = routes(settings, database, lambda: clock)
        self.server = make_server(
            wsgi_app(self.app, database, extra, signing_secret=SIGNING_SECRET), host="127.0.0.1", port=0
        )
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # the server's own loop, a slice at a time, so that stop() can end it before any socket closes
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.05, map=self.server._map, count=1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.effective_port}"

    def start(self) -> RunningBot:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.runtime.close()
        self.server.task_dispatcher.shutdown()  # lets a request still being serviced finish first
        self._stopping.set()
        self.thread.join(timeout=10)
        wasyncore.close_all(self.server._map)  # the listening socket, the trigger and any open connection

    @property
    def slack(self) -> FakeSlack:
        assert isinstance(self._slack, FakeSlack), "the fake Slack runs in another process"
        return self._slack

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        return post(self.url + path, body, headers)

    def get(self, path: str) -> Answer:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return Answer(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(), time.perf_counter() - started)

    def command(
        self,
        text: str,
        *,
        user: str = "U0ADMIN",
        channel: str = "C0GENERAL",
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
    ) -> tuple[Answer, str]:
        response_url = self.slack.response_url()
        body, headers = command_request(
            text, response_url=response_url, user=user, channel=channel, timestamp=timestamp, secret=secret
        )
        return self.post("/slack/events", body, headers), response_url

    def action(
        self,
        *,
        action_id: str,
        value: str,
        user: str = "U0ADMIN",
        channel: str = "C0GENERAL",
        message_ts: str = "1700000000.000100",
        response_url: str | None = None,
    ) -> tuple[Answer, str]:
        response_url = response_url or self.slack.response_url()
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user},
            "api_app_id": "A0TEST",
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": True},
            "trigger_id": "trigger-1",
            "response_url": response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)}
        return self.post("/slack/events", body, headers), response_url

    def event(self, event: dict[str, Any], *, event_id: str, retry: int | None = None) -> Answer:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A0TEST",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        ).encode()
        headers = {"Content-Type": "application/json", **signed_headers(body)}
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post("/slack/events", body, headers)

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until every job the bot accepted has finished."""
        assert self.runtime.wait_idle(timeout), "the bot's work did not finish in time"


def interaction_body(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return body, {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)}
