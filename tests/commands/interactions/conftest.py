"""Slack's payloads in the shapes Slack sends them, and a handler context over the small program."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import select

from commands.context import Requester
from commands.interactions.context import InteractionContext
from storage.db import Database
from storage.models import Partner
from tests.commands.test_dispatch import AS_OF, small_program

ADMIN = Requester(user_id="U0ADMIN", email="hana@example.com", name="Hana Head", role="admin")
RESPONSE_URL = "https://hooks.slack.com/actions/T0TEST/1/abc"


@dataclass
class FakePeople:
    resolved: int = 0

    def requester(self, user_id: str, channel_id: str | None) -> Requester:
        if user_id == ADMIN.user_id:
            return replace(ADMIN, channel_id=channel_id)
        return Requester(user_id=user_id, role=None, channel_id=channel_id, known=False)

    def resolve_people(self, *, limit: int = 40) -> int:
        self.resolved += 1
        return 0


@pytest.fixture
def ctx(db: Database) -> InteractionContext:
    small_program(db)
    return InteractionContext(database=db, now=AS_OF, people=FakePeople())


def partner_id(db: Database, name: str) -> int:
    with db.session() as session:
        return int(session.execute(select(Partner.id).where(Partner.name == name)).scalar_one())


def message_click(
    action_id: str,
    value: str,
    *,
    channel: str = "C0GENERAL",
    ts: str = "1718452800.000100",
    blocks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A button on a message (a reply or a DM), as a block_actions payload."""
    return {
        "type": "block_actions",
        "user": {"id": "U0ADMIN", "username": "hana", "name": "hana", "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "token": "legacy",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": True},
        "trigger_id": "1234.5678.abcd",
        "team": {"id": "T0TEST", "domain": "test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "ts": ts, "text": "Partners that need you", "blocks": blocks or []},
        "state": {"values": {}},
        "response_url": RESPONSE_URL,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Go", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": "1718452801.000200",
            }
        ],
    }


def home_click(action_id: str, value: str) -> dict[str, Any]:
    """A button on App Home: no channel, no message, no response_url."""
    return {
        "type": "block_actions",
        "user": {"id": "U0ADMIN", "username": "hana", "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": "1234.5678.home",
        "team": {"id": "T0TEST", "domain": "test"},
        "view": {"id": "V0HOME", "type": "home", "blocks": [], "private_metadata": "", "callback_id": ""},
        "actions": [{"action_id": action_id, "block_id": "b2", "value": value, "type": "button", "action_ts": "1.2"}],
    }


def view_submission(
    callback_id: str, private_metadata: str, values: dict[str, Any], *, view_id: str = "V0MODAL"
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": "U0ADMIN", "username": "hana", "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "trigger_id": "1234.5678.submit",
        "view": {
            "id": view_id,
            "team_id": "T0TEST",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "1718452800.abc",
            "title": {"type": "plain_text", "text": "Modal"},
        },
        "response_urls": [],
    }


def snooze_metadata(rule: str, subject: str) -> str:
    return json.dumps({"rule": rule, "subject": subject, "channel": "D0OLGA", "ts": "1718452800.000100"})


def event_callback(event: dict[str, Any], *, event_id: str = "Ev0TEST") -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": "T0TEST",
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1718452800,
        "event": event,
    }
