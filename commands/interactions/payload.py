"""Reading the parts of Slack's interaction payloads that every button shares."""

from __future__ import annotations

import json
from typing import Any

Body = dict[str, Any]


def user_id(body: Body) -> str | None:
    user = body.get("user") or {}
    return str(user["id"]) if user.get("id") else None


def channel_id(body: Body) -> str | None:
    """The channel the clicked message is in (None on App Home and in modals)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return str(channel) if channel else None


def action_value(body: Body) -> str:
    actions: list[dict[str, Any]] = body.get("actions") or [{}]
    return str(actions[0].get("value", ""))


def action_id(body: Body) -> str:
    actions: list[dict[str, Any]] = body.get("actions") or [{}]
    return str(actions[0].get("action_id", ""))


def message_key(body: Body) -> str:
    """Which message was clicked: its ts, else its response_url or the trigger (an ephemeral reply has no ts)."""
    container = body.get("container") or {}
    return str(container.get("message_ts") or body.get("response_url") or body.get("trigger_id"))


def view_values(body: Body) -> dict[str, dict[str, Any]]:
    """A submitted modal's inputs: block id → action id → the input's state."""
    values: dict[str, dict[str, Any]] = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return values


def view_metadata(body: Body) -> dict[str, Any] | None:
    """A submitted modal's private metadata, written by us as a JSON object; None when it is not one."""
    try:
        found = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
    except ValueError:
        return None
    return found if isinstance(found, dict) else None
