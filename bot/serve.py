"""`partnerbot serve` and `partnerbot socket`: start the bot against the configured store and Slack."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.http import EdgeServer, make_server, tune_interpreter, wsgi_app
from bot.ingest import MAX_BODY, events_app
from bot.runtime import BotRuntime
from bot.settings import Settings, SettingsError
from bot.slack_app import create_app
from bot.socket_mode import Watchdog, run_forever
from storage.claims import record_workspace_status
from storage.db import Database, open_current_database
from storage.program import apply_settings, load_config

log = logging.getLogger("partnerbot")


def wall_clock() -> datetime:
    """The wall clock, read here and nowhere below bot/."""
    return datetime.now(UTC)


def open_for_bot(settings: Settings) -> Database:
    """The store at the newest migration: an older schema refuses to start (`SchemaOutdated`) unless
    PARTNERBOT_MIGRATE or --migrate asks to upgrade it."""
    database = open_current_database(settings.database_url, migrate=settings.migrate, cache=settings.cache)
    if settings.time_zone:
        with database.transaction() as session:
            if load_config(session).time_zone != settings.time_zone:
                apply_settings(session, values={"time_zone": settings.time_zone})
    return database


def build(settings: Settings, clock: Callable[[], datetime] = wall_clock):  # type: ignore[no-untyped-def]
    database = open_for_bot(settings)
    try:
        app, runtime = create_app(settings, database, clock=clock)
    except Exception as error:  # noqa: BLE001 - a bad token or unreachable Slack is one clear line
        raise SettingsError(
            f"Slack refused SLACK_BOT_TOKEN or could not be reached at {settings.slack_api_url}: "
            f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
        ) from None
    identity = app.client.auth_test()
    with database.transaction() as session:  # a (re)installed app sends again
        record_workspace_status(session, team_id=str(identity.get("team_id", "")), status="active", at=clock())
    return database, app, runtime


def routes(settings: Settings, database: Database, clock: Callable[[], datetime]) -> dict[str, Any]:
    """The HTTP routes served beside Slack's request URL: the ingestion API, when any source has a token."""
    tokens = {source: token.reveal() for source, token in settings.ingest_tokens.items()}
    return {"/api/v1/events": events_app(database, tokens, clock)} if tokens else {}


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM (what systemd, Docker and Kubernetes send) and Ctrl-C set stop: the process stops taking work,
    finishes what it acknowledged and exits. A second signal kills it at once."""
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be installed from the main thread (tests pass their own stop)

    def on_signal(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def drain(runtime: BotRuntime, seconds: float, server: EdgeServer | None = None) -> bool:
    """Stop taking requests and finish the acknowledged ones' work within `seconds`: True when all of it finished."""
    deadline = time.monotonic() + seconds
    log.warning("stopping: taking no new requests; finishing what was acknowledged (up to %.0f s)", seconds)
    if server is not None:
        server.stop_gracefully(deadline)
    drained = runtime.close(max(0.0, deadline - time.monotonic()))
    if drained:
        log.warning("stopped: every acknowledged request was answered")
    else:
        log.error("stopped after %.0f s with %d acknowledged job(s) unfinished", seconds, runtime.pending)
    return drained


def exit_now(code: int) -> None:
    """Leave without waiting for work threads still running after the drain (the interpreter would join them)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve(settings: Settings, *, stop: threading.Event | None = None) -> int:
    settings.require("slack_bot_token", "slack_signing_secret")
    assert settings.slack_signing_secret is not None
    database, app, runtime = build(settings)
    server = make_server(
        wsgi_app(
            app,
            database,
            routes(settings, database, wall_clock),
            signing_secret=settings.slack_signing_secret.reveal(),
            max_body=MAX_BODY,
        ),
        host="0.0.0.0",  # noqa: S104
        port=settings.port,
        max_body=MAX_BODY,
    )
    stop = stop or threading.Event()
    stop_on_signals(stop)
    sys.stderr.write(
        f"partnerbot is listening on port {server.effective_port}: Slack request URL "
        "https://<your-host>/slack/events, health check /healthz\n"
    )
    drained = False
    try:
        server.serve_until(stop)
    finally:
        drained = drain(runtime, settings.drain_seconds, server)
        database.dispose()
    if not drained:
        exit_now(1)
    return 0


def socket(
    settings: Settings, *, stop: threading.Event | None = None, connect: Callable[[Any, str], Any] | None = None
) -> int:
    """Socket Mode until stopped; `connect(app, app_token)` makes the connection (Slack's SocketModeHandler; a test
    passes its own transport, the rest of the path is the same)."""
    settings.require("slack_bot_token", "slack_signing_secret", "slack_app_token")
    assert settings.slack_app_token is not None
    tune_interpreter()
    database, app, runtime = build(settings)
    connect = connect or (lambda bolt, token: SocketModeHandler(bolt, token, ping_interval=10))
    handler: Any = connect(app, settings.slack_app_token.reveal())
    stop = stop or threading.Event()
    stop_on_signals(stop)
    drained = False
    try:
        run_forever(handler, Watchdog(handler.client), stop=stop)
    finally:
        handler.close()  # stop receiving: Slack redelivers what is not acked to another connection
        drained = drain(runtime, settings.drain_seconds)
        database.dispose()
    if not drained:
        exit_now(1)
    return 0
