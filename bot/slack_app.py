"""The Bolt app: one factory that wires settings, the store and the Slack port to the command table."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltResponse

from bot.errors import new_ref
from bot.identity import Directory
from bot.runtime import BotRuntime
from bot.settings import Settings
from bot.slack_port import SlackSender, make_client
from bot.work_pool import DrainablePool
from commands.slack import register
from storage.db import Database

log = logging.getLogger("partnerbot.slack")
LISTENER_THREADS = 32  # acks must never wait behind slow listeners (Bolt's default pool has 5)


def create_app(
    settings: Settings, database: Database, *, clock: Callable[[], datetime], verify_token: bool = True
) -> tuple[App, BotRuntime]:
    settings.require("slack_bot_token", "slack_signing_secret")
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    client = make_client(settings.slack_bot_token.reveal(), settings.slack_api_url)
    listeners = DrainablePool(max_workers=LISTENER_THREADS, thread_name_prefix="bolt")
    app = App(
        signing_secret=settings.slack_signing_secret.reveal(),
        client=client,
        process_before_response=False,
        listener_executor=listeners,
        token_verification_enabled=verify_token,
        logger=logging.getLogger("partnerbot.bolt"),
    )
    port = SlackSender(client)
    runtime = BotRuntime(
        database=database, port=port, directory=Directory(port, database), clock=clock, listeners=listeners
    )
    register(app, runtime)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        ref = new_ref()
        log.error("unexpected error in a listener (ref %s): %s", ref, type(error).__name__, exc_info=error)
        return BoltResponse(status=200, body=f"Something went wrong (ref {ref}).")

    return app, runtime
