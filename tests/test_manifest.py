"""The manifests ask Slack for exactly what the code uses: its command, scopes, events and request URL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from commands.interactions.table import EVENTS
from commands.slack import BOT_SCOPES
from commands.table import SLASH_COMMAND

ROOT = Path(__file__).resolve().parents[1]


def manifest(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket.yml"])
def test_manifest_matches_the_code(name: str) -> None:
    data = manifest(name)
    assert [c["command"] for c in data["features"]["slash_commands"]] == [SLASH_COMMAND]
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert sorted(data["settings"]["event_subscriptions"]["bot_events"]) == sorted(EVENTS)
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True


# the bot scopes each Web API method needs, as Slack's method reference lists them (for the conversation kinds
# partnerbot posts into: public and private channels and DMs)
METHOD_SCOPES = {
    "auth_test": set(),
    "chat_postMessage": {"chat:write", "chat:write.public"},  # the latter: public channels the bot is not in
    "chat_update": {"chat:write"},
    "conversations_open": {"im:write"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "files_upload_v2": {"files:write"},
    "views_publish": set(),
    "views_open": set(),
    "users_info": {"users:read"},
    "users_lookupByEmail": {"users:read.email"},
}


def test_every_web_api_call_has_its_scopes() -> None:
    called = set()
    for path in (ROOT / "bot").glob("*.py"):
        called |= set(re.findall(r"client(?:\(\))?\.([a-z]+_[A-Za-z0-9_]+)\(", path.read_text(encoding="utf-8")))
    called -= {"is_connected", "connect_to_new_endpoint"}  # Socket Mode's client, not the Web API
    assert called <= set(METHOD_SCOPES), f"add the scopes of {called - set(METHOD_SCOPES)} here"
    needed = set().union(*(METHOD_SCOPES[m] for m in called))
    assert needed <= set(BOT_SCOPES)
    assert set(BOT_SCOPES) - needed == {"commands"}  # nothing asked for that no call uses


def test_http_manifest_uses_one_request_url() -> None:
    data = manifest("manifest.yml")
    urls = {
        data["features"]["slash_commands"][0]["url"],
        data["settings"]["event_subscriptions"]["request_url"],
        data["settings"]["interactivity"]["request_url"],
    }
    assert len(urls) == 1
    assert urls.pop().endswith("/slack/events")
    assert data["settings"]["socket_mode_enabled"] is False


def test_socket_manifest_has_no_urls() -> None:
    data = manifest("manifest.socket.yml")
    assert data["settings"]["socket_mode_enabled"] is True
    assert "url" not in data["features"]["slash_commands"][0]
    assert "request_url" not in data["settings"]["event_subscriptions"]


def test_channel_mentions_arrive_as_ids() -> None:
    for name in ("manifest.yml", "manifest.socket.yml"):
        assert manifest(name)["features"]["slash_commands"][0]["should_escape"] is True  # <#C123|general>
