"""HTTP mode: one request URL for Slack (/slack/events), a health check (/healthz), served by waitress.

The edge every request crosses before any of our code parses it: a body cap (waitress answers 413 from the
Content-Length alone, and counts a chunked body as it arrives), Slack's signature checked on the raw bytes, every
malformed request a 4xx with one short log line, a deadline for a request to arrive (slow clients), and a
graceful stop that closes the listening socket and finishes the requests already received.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import io
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import extract_content_type, parse_body
from sqlalchemy import text
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.utilities import RequestEntityTooLarge

from storage.db import Database

log = logging.getLogger("partnerbot.http")
GIL_SWITCH_S = 0.0005
# Young collections every 10,000 net allocations (CPython's default is 700): a program view allocates millions of
# short-lived objects, and at the default every ~70,000 of them ended in a full collection of the whole heap,
# 0.4-0.7 s with the GIL held. Measured on the large benchmark profile: 66 full collections became 13.
GC_THRESHOLDS = (10_000, 10, 10)
HTTP_THREADS = 48  # concurrent requests in flight; acks are quick, so this is plenty for bursts of commands
SLACK_MAX_BODY = 1024 * 1024  # Slack's payloads are a few KiB; a big modal submission stays far below this
MAX_BODY = 1024 * 1024  # the default cap for the other routes
SIGNATURE_WINDOW_S = 5 * 60  # Slack: reject a request whose timestamp is more than 5 minutes from now
# Slow clients: waitress holds a connection in its event loop (no thread) until the whole request is in, so slow
# connections cost a socket each, not a thread. The limit leaves room for hundreds of them beside Slack and the
# load balancer's checks; a request that has not fully arrived after REQUEST_DEADLINE_S is dropped (a trickling
# client would otherwise keep its connection forever: each byte resets waitress's idle timeout).
CONNECTION_LIMIT = 1000
REQUEST_DEADLINE_S = 15.0
IDLE_TIMEOUT_S = 30  # an idle keep-alive connection is closed after this
CLEANUP_EVERY_S = 2  # how often idle connections and late requests are looked for
INBUF_IN_MEMORY = 64 * 1024  # a body above this is spooled to a temporary file while it arrives
MAX_HEADERS = 32 * 1024
LOOP_SLICE_S = 0.2  # the event loop checks for a stop this often
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
STAMP = re.compile(r"[0-9]{1,12}")


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def reject(start_response: Callable[..., Any], status: str, error: str, *, path: str, why: str) -> list[bytes]:
    """A 4xx with a short JSON error, and one short log line (never a stack): hostile traffic writes little."""
    log.info("rejected %s %s: %s", path[:60], status.split(maxsplit=1)[0], why[:120])
    return _json(start_response, status, {"error": error})


def healthy(database: Database) -> bool:
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: the database did not answer")
        return False
    return True


class TooLarge(Exception):
    """The body is over the route's cap."""


def read_body(environ: dict[str, Any], cap: int) -> bytes:
    """The raw body, never reading more than cap + 1 bytes; TooLarge (ValueError for a bad length) otherwise.

    waitress has already refused a Content-Length over its own cap, and de-chunked a chunked body (counting it
    against that cap as it arrived) and set its length; without either header the body is empty."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared and not declared.isdigit():
        raise ValueError("Content-Length is not a number")
    if declared and int(declared) > cap:
        raise TooLarge
    body = environ["wsgi.input"].read(int(declared) if declared else cap + 1)
    if len(body) > cap:
        raise TooLarge
    return bytes(body)


def slack_signature_problem(environ: dict[str, Any], body: bytes, secret: bytes, now: float) -> str | None:
    """Why the request is not signed by Slack (v0 HMAC-SHA256 of `v0:{timestamp}:{raw body}`), or None.

    Computed here on the raw bytes: slack_sdk's SignatureVerifier decodes the body as UTF-8 first, which raises on
    a hostile non-UTF-8 body instead of answering that it is not signed."""
    stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not stamp or not signature:
        return "unsigned"
    if not STAMP.fullmatch(stamp):
        return "the timestamp is not a number"
    if abs(now - int(stamp)) > SIGNATURE_WINDOW_S:
        return "the timestamp is outside the 5-minute window"
    expected = "v0=" + hmac.new(secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace")):
        return "bad signature"
    return None


def slack_body_problem(environ: dict[str, Any], body: bytes) -> str | None:
    """Why Bolt could not parse this (signed) body, found the way Bolt parses it, or None."""
    try:
        decoded = body.decode("utf-8")
        kind = extract_content_type({"content-type": [environ.get("CONTENT_TYPE", "")]})
        parsed: object = parse_body(decoded, kind)  # typed a dict, but JSON `null` or `[]` parses to other things
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    except (ValueError, RecursionError) as error:  # json.JSONDecodeError is a ValueError
        return f"the body does not parse: {type(error).__name__}"
    if not isinstance(parsed, dict):
        return "the body is not a JSON object or a form"
    return None


def slack_route(app: App, *, signing_secret: str, now: Callable[[], float] = time.time) -> WsgiApp:
    """Slack's request URL: capped, signature checked on the raw bytes and the body checked parseable before Bolt
    sees it. Bolt's own verification stays on as well (it costs one more HMAC on a small body)."""
    bolt = SlackRequestHandler(app, path="/slack/events")
    secret = signing_secret.encode()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = "/slack/events"
        if environ.get("REQUEST_METHOD") != "POST":
            return reject(start_response, "405 Method Not Allowed", "POST only", path=path, why="not a POST")
        try:
            body = read_body(environ, SLACK_MAX_BODY)
        except TooLarge:
            return reject(start_response, "413 Payload Too Large", "the body is too large", path=path, why="too large")
        except ValueError as error:
            return reject(start_response, "400 Bad Request", "bad request", path=path, why=str(error))
        problem = slack_signature_problem(environ, body, secret, now())
        if problem is not None:
            return reject(start_response, "401 Unauthorized", "invalid request signature", path=path, why=problem)
        problem = slack_body_problem(environ, body)
        if problem is not None:
            return reject(start_response, "400 Bad Request", "malformed body", path=path, why=problem)
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        try:
            return bolt(environ, start_response)
        except Exception as error:  # noqa: BLE001 - Bolt's listeners have their own handler: this is its parsing
            return reject(start_response, "400 Bad Request", "malformed request", path=path, why=repr(error)[:120])

    return application


def capped(route: WsgiApp, cap: int, path: str) -> WsgiApp:
    """A route whose body is read here, under the cap, before the route sees it."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            body = read_body(environ, cap)
        except TooLarge:
            return reject(
                start_response, "413 Payload Too Large", f"the body is over {cap} bytes", path=path, why="too large"
            )
        except ValueError as error:
            return reject(start_response, "400 Bad Request", "bad request", path=path, why=str(error))
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return route(environ, start_response)

    return application


def wsgi_app(
    app: App,
    database: Database,
    extra: dict[str, WsgiApp] | None = None,
    *,
    signing_secret: str,
    max_body: int = MAX_BODY,
) -> WsgiApp:
    """/slack/events, /healthz and the extra routes (each body capped at max_body)."""
    slack = slack_route(app, signing_secret=signing_secret)
    routes = {path: capped(route, max_body, path) for path, route in (extra or {}).items()}

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/slack/events":
            return slack(environ, start_response)
        if path == "/healthz":
            ok = healthy(database)
            return _json(
                start_response,
                "200 OK" if ok else "503 Service Unavailable",
                {"status": "ok" if ok else "database unavailable"},
            )
        if path in routes:
            return routes[path](environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application


def tune_interpreter() -> None:
    """Settings for a process that acks requests while it computes views: the GIL is handed over every 0.5 ms
    instead of 5 ms, so a request thread waiting to ack never queues long behind a worker thread busy computing a
    program view; and the cyclic GC runs full collections less often (see GC_THRESHOLDS)."""
    sys.setswitchinterval(GIL_SWITCH_S)
    gc.set_threshold(*GC_THRESHOLDS)


class BodyTooLarge(RequestEntityTooLarge):  # type: ignore[misc]
    """waitress's 413, answered in JSON like the routes' own."""

    def to_response(self, ident: str | None = None) -> tuple[str, list[tuple[str, str]], bytes]:
        body = json.dumps({"error": f"the body is over {self.body} bytes: send smaller batches"}).encode()
        return f"{self.code} {self.reason}", [("Content-Type", "application/json")], body


class TimedParser(HTTPRequestParser):  # type: ignore[misc]
    """waitress's request parser, remembering when the request began to arrive; its 413 (refused from the
    Content-Length alone, or as a chunked body passes the cap) is logged in one line and answered in JSON."""

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.began = time.monotonic()

    def received(self, data: bytes) -> int:
        consumed = int(super().received(data))
        error: object = getattr(self, "error", None)  # typed by waitress only where it is set
        if isinstance(error, RequestEntityTooLarge) and not isinstance(error, BodyTooLarge):
            cap = self.adj.max_request_body_size - 1
            log.info("rejected %s 413: too large (over %d bytes)", str(self.path)[:60], cap)
            self.error = BodyTooLarge(cap)
        return consumed


class EdgeChannel(HTTPChannel):  # type: ignore[misc]
    parser_class = TimedParser


class EdgeServer(TcpWSGIServer):  # type: ignore[misc]
    """waitress's TCP server with a deadline for a request to arrive and a graceful stop."""

    channel_class = EdgeChannel
    request_deadline = REQUEST_DEADLINE_S

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        cutoff = time.monotonic() - self.request_deadline
        for channel in list(self.active_channels.values()):
            request = channel.request  # a request still arriving (a complete one has moved to channel.requests)
            if request is not None and not request.completed and request.began < cutoff:
                channel.will_close = True

    def serve_until(self, stop: threading.Event) -> None:
        """Run the event loop until stop is set (checked every LOOP_SLICE_S)."""
        while not stop.is_set():
            self.asyncore.loop(timeout=LOOP_SLICE_S, map=self._map, use_poll=True, count=1)

    def busy(self) -> bool:
        """A request received and not yet answered, or an answer not yet sent."""
        return any(channel.requests or channel.total_outbufs_len for channel in list(self.active_channels.values()))

    def stop_gracefully(self, deadline: float) -> None:
        """Stop listening (new connections are refused), answer the requests already received (until deadline),
        then close every connection and stop the request threads."""
        self.accepting = False
        wasyncore.dispatcher.close(self)  # the listening socket only: the trigger stays, to wake the loop
        while self.busy() and time.monotonic() < deadline:
            self.asyncore.loop(timeout=0.05, map=self._map, use_poll=True, count=1)
        self.task_dispatcher.shutdown(timeout=max(0.0, deadline - time.monotonic()))
        self.asyncore.close_all(self._map)


def make_server(
    application: WsgiApp,
    *,
    host: str,
    port: int,
    max_body: int = MAX_BODY,
    request_deadline: float = REQUEST_DEADLINE_S,
) -> EdgeServer:
    """A waitress server (call .run() or .serve_until(stop); .close() to stop); port 0 picks a free one (see
    .effective_port). A body over the largest route's cap is refused by waitress from its Content-Length alone."""
    tune_interpreter()
    server = EdgeServer(
        application,
        host=host,
        port=port,
        threads=HTTP_THREADS,
        ident="partnerbot",
        channel_timeout=IDLE_TIMEOUT_S,
        cleanup_interval=CLEANUP_EVERY_S,
        connection_limit=CONNECTION_LIMIT,
        asyncore_use_poll=True,  # select() cannot watch more than 1024 sockets
        max_request_body_size=max(SLACK_MAX_BODY, max_body) + 1,  # waitress refuses a length >= this
        max_request_header_size=MAX_HEADERS,
        inbuf_overflow=INBUF_IN_MEMORY,
    )
    server.request_deadline = request_deadline
    return server
