"""HTTP mode: one request URL for Slack (/slack/events), a health check (/healthz), served by waitress."""

from __future__ import annotations

import gc
import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from waitress.server import create_server

from storage.db import Database

log = logging.getLogger("partnerbot.http")
GIL_SWITCH_S = 0.0005
# Young collections every 10,000 net allocations (CPython's default is 700): a program view allocates millions of
# short-lived objects, and at the default every ~70,000 of them ended in a full collection of the whole heap,
# 0.4-0.7 s with the GIL held. Measured on the large benchmark profile: 66 full collections became 13.
GC_THRESHOLDS = (10_000, 10, 10)
HTTP_THREADS = 48  # concurrent requests in flight; acks are quick, so this is plenty for bursts of commands
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def healthy(database: Database) -> bool:
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: the database did not answer")
        return False
    return True


def wsgi_app(app: App, database: Database, extra: dict[str, WsgiApp] | None = None) -> WsgiApp:
    slack = SlackRequestHandler(app, path="/slack/events")
    routes = dict(extra or {})

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


def make_server(application: WsgiApp, *, host: str, port: int) -> Any:
    """A waitress server (call .run(); .close() to stop); port 0 picks a free one (see .effective_port)."""
    tune_interpreter()
    return create_server(
        application,
        host=host,
        port=port,
        threads=HTTP_THREADS,
        ident="partnerbot",
        channel_timeout=30,
        connection_limit=200,
    )
