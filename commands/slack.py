"""The Slack surface of the command table: which listener answers which command, button, view and event.

Every listener acks at once and hands the work to the runtime, so a slow card never delays an ack.
"""

from __future__ import annotations

import html
import re
from typing import Any, Protocol

from slack_bolt import Ack, App

from commands.table import SLASH_COMMAND
from reports.blocks.alerts import NEXT_STEP_ACTION, OPEN_ACTION, RESPONDED_ACTION, SNOOZE_ACTION, SNOOZE_VIEW
from reports.blocks.home import HOME_OPEN_ACTION, HOME_SHARE_ACTION
from reports.blocks.lookup import PICK_ACTION
from reports.blocks.share import SHARE_ACTION, SHARE_VIEW

# The history scopes let the outbox look for a post whose answer was lost before posting it again (README,
# "Delivery"); group DMs are left out: a digest subscribed there may still double in that one case.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "files:write",
    "users:read",
    "users:read.email",
    "channels:history",
    "groups:history",
    "im:history",
)
EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked")
ACTIONS = (
    PICK_ACTION,
    SHARE_ACTION,
    HOME_OPEN_ACTION,
    HOME_SHARE_ACTION,
    RESPONDED_ACTION,
    NEXT_STEP_ACTION,
    SNOOZE_ACTION,
    OPEN_ACTION,
)


class Runtime(Protocol):
    """What the listeners need from the running bot (implemented in bot.runtime)."""

    def run_command(self, *, text: str, user_id: str, channel_id: str | None, response_url: str) -> None: ...

    def pick_partner(self, *, partner_id: int, body: dict[str, Any]) -> None: ...

    def share_reply(self, *, text: str, body: dict[str, Any]) -> None: ...

    def open_scorecard(self, *, partner_id: int, user_id: str) -> None: ...

    def start_share(self, *, partner_id: int, user_id: str, trigger_id: str) -> None: ...

    def finish_share(self, *, body: dict[str, Any]) -> None: ...

    def handle_event(self, *, body: dict[str, Any]) -> None: ...

    def resolve_alert(self, *, action: str, body: dict[str, Any]) -> None: ...

    def start_snooze(self, *, body: dict[str, Any]) -> None: ...

    def finish_snooze(self, *, body: dict[str, Any]) -> None: ...


def _value(body: dict[str, Any]) -> str:
    actions: list[dict[str, Any]] = body.get("actions") or [{}]
    return str(actions[0].get("value", ""))


def _partner_id(body: dict[str, Any]) -> int | None:
    value = _value(body)
    return int(value) if value.isdigit() else None


def register(app: App, runtime: Runtime) -> None:
    @app.command(SLASH_COMMAND)
    def on_partner(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        runtime.run_command(
            text=html.unescape(body.get("text", "")),  # should_escape turns & < > into entities
            user_id=body["user_id"],
            channel_id=body.get("channel_id"),
            response_url=body["response_url"],
        )

    @app.action(re.compile(rf"^{PICK_ACTION}_\d+$"))
    def on_pick(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        partner_id = _partner_id(body)
        if partner_id is not None:
            runtime.pick_partner(partner_id=partner_id, body=body)

    @app.action(SHARE_ACTION)
    def on_share(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        runtime.share_reply(text=_value(body), body=body)

    @app.action(HOME_OPEN_ACTION)
    def on_home_open(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        partner_id = _partner_id(body)
        if partner_id is not None:
            runtime.open_scorecard(partner_id=partner_id, user_id=body["user"]["id"])

    @app.action(HOME_SHARE_ACTION)
    def on_home_share(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        partner_id = _partner_id(body)
        if partner_id is not None:
            runtime.start_share(partner_id=partner_id, user_id=body["user"]["id"], trigger_id=body["trigger_id"])

    @app.view(SHARE_VIEW)
    def on_share_submitted(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        runtime.finish_share(body=body)

    @app.action(RESPONDED_ACTION)
    def on_responded(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        runtime.resolve_alert(action=RESPONDED_ACTION, body=body)

    @app.action(NEXT_STEP_ACTION)
    def on_next_step(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        runtime.resolve_alert(action=NEXT_STEP_ACTION, body=body)

    @app.action(SNOOZE_ACTION)
    def on_snooze(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        runtime.start_snooze(body=body)

    @app.view(SNOOZE_VIEW)
    def on_snooze_submitted(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        runtime.finish_snooze(body=body)

    @app.action(OPEN_ACTION)
    def on_open(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        partner_id = _partner_id(body)
        if partner_id is not None:
            runtime.open_scorecard(partner_id=partner_id, user_id=body["user"]["id"])

    for event in EVENTS:

        @app.event(event)
        def on_event(ack: Ack, body: dict[str, Any]) -> None:
            ack()
            runtime.handle_event(body=body)
