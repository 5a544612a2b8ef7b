"""Settings: every variable checked once, one clear line when one is wrong, and secrets that never print."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SLACK_API_URL, Settings, SettingsError
from bot.socket_mode import Watchdog
from tests.bot.conftest import Cli

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdEFGHijkl",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99aa11bb85a5",
    "SLACK_APP_TOKEN": "xapp-1-A0123-4567-abcdef",
}


def test_defaults_and_a_full_environment() -> None:
    assert Settings.from_env({}).slack_api_url == SLACK_API_URL
    settings = Settings.from_env(
        {**GOOD, "SLACK_API_URL": "http://127.0.0.1:9000/api", "PORT": "8080", "PARTNERBOT_TIME_ZONE": "Asia/Kolkata"}
    )
    assert settings.slack_api_url == "http://127.0.0.1:9000/api/"
    assert (settings.port, settings.time_zone) == (8080, "Asia/Kolkata")
    assert settings.slack_bot_token is not None and settings.slack_bot_token.reveal() == GOOD["SLACK_BOT_TOKEN"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token-1234", "SLACK_BOT_TOKEN is malformed: it should look like xoxb-"),
        ("SLACK_SIGNING_SECRET", "not-hex!", "SLACK_SIGNING_SECRET is malformed"),
        ("SLACK_APP_TOKEN", "xoxb-1234-5678-abcdEFGH", "SLACK_APP_TOKEN is malformed: it should look like xapp-"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL is malformed"),
        ("PORT", "eighty", "PORT is malformed"),
        ("PARTNERBOT_TIME_ZONE", "Mars/Olympus", "PARTNERBOT_TIME_ZONE is malformed"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
    ],
)
def test_malformed_settings_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")) as error:
        Settings.from_env({**GOOD, name: value})
    if name.startswith("SLACK_") and name != "SLACK_API_URL":
        assert value not in str(error.value)  # a secret, even a malformed one, is never echoed


def test_secrets_never_print() -> None:
    settings = Settings.from_env(GOOD)
    for secret in GOOD.values():
        assert secret not in repr(settings) and secret not in str(settings.slack_bot_token)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({}, "SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-…) is not set"),
        ({"SLACK_BOT_TOKEN": GOOD["SLACK_BOT_TOKEN"]}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "nonsense"}, "SLACK_BOT_TOKEN is malformed"),
    ],
)
def test_serve_refuses_to_start_without_its_settings(
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    environment: dict[str, str],
    message: str,
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    code, _, err = cli("serve")
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_socket_needs_the_app_token(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", GOOD["SLACK_BOT_TOKEN"])
    monkeypatch.setenv("SLACK_SIGNING_SECRET", GOOD["SLACK_SIGNING_SECRET"])
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    code, _, err = cli("socket")
    assert code == 2
    assert "SLACK_APP_TOKEN" in err


class FakeSocketClient:
    def __init__(self, connected: bool, last_pong: float | None) -> None:
        self.connected = connected
        self.current_session = type("Session", (), {"last_ping_pong_time": last_pong})()
        self.reconnected = 0

    def is_connected(self) -> bool:
        return self.connected

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        self.reconnected += 1


@pytest.mark.parametrize(
    ("connected", "last_pong", "reconnects"),
    [(True, 1000.0, 0), (True, None, 0), (False, 1000.0, 1), (True, 800.0, 1)],
)
def test_socket_watchdog_reconnects_a_dead_or_quiet_connection(
    connected: bool, last_pong: float | None, reconnects: int
) -> None:
    client = FakeSocketClient(connected, last_pong)
    watchdog = Watchdog(client, quiet_after=90, wallclock=lambda: 1010.0)
    assert watchdog.check() is bool(reconnects)
    assert client.reconnected == reconnects
