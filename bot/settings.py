"""Settings from the environment, parsed and checked once; nothing below `bot/` reads os.environ.

Secrets are held in `Secret`, whose repr and str never show the value, so they cannot leak into logs or errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.db import DEFAULT_URL, DatabaseUrlError, parse_database_url, safe_url

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
DEFAULT_DRAIN_SECONDS = 25.0  # inside the 30 s grace systemd and Kubernetes give before they kill


class SettingsError(ValueError):
    """A missing or malformed environment variable: names it and says what it should look like."""


class Secret:
    """A value that never prints."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _token(environ: Mapping[str, str], name: str, prefix: str, example: str) -> Secret | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(prefix) or len(raw) < len(prefix) + 8 or re.search(r"\s", raw):
        raise SettingsError(f"{name} is malformed: it should look like {example} (copy it from the app's settings)")
    return Secret(raw)


def _switch(environ: Mapping[str, str], name: str, *, default: bool = True) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "1", "true", "yes"):
        return True
    if raw in ("off", "0", "false", "no"):
        return False
    raise SettingsError(f"{name} is {raw!r}: use on or off")


def _signing_secret(environ: Mapping[str, str]) -> Secret | None:
    raw = environ.get("SLACK_SIGNING_SECRET", "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{20,64}", raw):
        raise SettingsError(
            "SLACK_SIGNING_SECRET is malformed: it should be the hexadecimal Signing Secret from the app's "
            "Basic Information page, like 8f742231b10e8888abcd99yyyzzz85a5 (32 characters)"
        )
    return Secret(raw)


def _api_url(environ: Mapping[str, str]) -> str:
    raw = environ.get("SLACK_API_URL", "").strip() or SLACK_API_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"SLACK_API_URL is malformed: it should look like {SLACK_API_URL}")
    return raw if raw.endswith("/") else raw + "/"


def _port(environ: Mapping[str, str]) -> int:
    raw = environ.get("PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError(f"PORT is malformed: it should be a port number like {DEFAULT_PORT}")
    return int(raw)


def _drain_seconds(environ: Mapping[str, str]) -> float:
    raw = environ.get("PARTNERBOT_DRAIN_SECONDS", "").strip()
    if not raw:
        return DEFAULT_DRAIN_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise SettingsError(
            f"PARTNERBOT_DRAIN_SECONDS is malformed: it should be a number of seconds like {DEFAULT_DRAIN_SECONDS:.0f}"
        )
    return seconds


def _ingest_tokens(environ: Mapping[str, str]) -> dict[str, Secret]:
    """PARTNERBOT_INGEST_TOKENS="crm=<token>,prm=<token>": one bearer token per source of events."""
    raw = environ.get("PARTNERBOT_INGEST_TOKENS", "").strip()
    tokens: dict[str, Secret] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        source, sep, token = part.partition("=")
        if not sep or not re.fullmatch(r"[a-z0-9_-]{1,40}", source.strip()) or len(token.strip()) < 24:
            raise SettingsError(
                "PARTNERBOT_INGEST_TOKENS is malformed: it should look like crm=<token>,prm=<token>, each token at "
                "least 24 characters (for example from `openssl rand -hex 24`)"
            )
        tokens[source.strip()] = Secret(token.strip())
    return tokens


def _time_zone(environ: Mapping[str, str]) -> str | None:
    raw = environ.get("PARTNERBOT_TIME_ZONE", "").strip()
    if not raw:
        return None
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            "PARTNERBOT_TIME_ZONE is malformed: it should be an IANA time zone like Europe/Berlin"
        ) from None
    return raw


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    slack_bot_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_app_token: Secret | None = None
    slack_api_url: str = SLACK_API_URL
    port: int = DEFAULT_PORT
    time_zone: str | None = None
    ingest_tokens: Mapping[str, Secret] = field(default_factory=dict)
    cache: bool = True
    drain_seconds: float = DEFAULT_DRAIN_SECONDS
    migrate: bool = False  # the bot and scheduler upgrade an older schema on start, instead of refusing it

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        raw = environ.get("DATABASE_URL", "").strip() or DEFAULT_URL
        try:
            parse_database_url(raw)
        except DatabaseUrlError as exc:
            raise SettingsError(str(exc)) from None
        return cls(
            database_url=raw,
            slack_bot_token=_token(environ, "SLACK_BOT_TOKEN", "xoxb-", "xoxb-1234-5678-abcdEFGH"),
            slack_signing_secret=_signing_secret(environ),
            slack_app_token=_token(environ, "SLACK_APP_TOKEN", "xapp-", "xapp-1-A0123-4567-abcdef"),
            slack_api_url=_api_url(environ),
            port=_port(environ),
            time_zone=_time_zone(environ),
            ingest_tokens=_ingest_tokens(environ),
            cache=_switch(environ, "PARTNERBOT_CACHE"),
            drain_seconds=_drain_seconds(environ),
            migrate=_switch(environ, "PARTNERBOT_MIGRATE", default=False),
        )

    def require(self, *names: str) -> None:
        """Refuse to start without the settings a mode needs, naming the first one missing."""
        examples = {
            "slack_bot_token": "SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-…)",
            "slack_signing_secret": "SLACK_SIGNING_SECRET (Basic Information → Signing Secret)",
            "slack_app_token": "SLACK_APP_TOKEN (an app-level token with connections:write, xapp-…)",
        }
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"{examples[name]} is not set")

    def __repr__(self) -> str:
        return (
            f"Settings(database_url={safe_url(self.database_url)!r}, slack_api_url={self.slack_api_url!r}, "
            f"port={self.port}, time_zone={self.time_zone!r}, ingest sources={sorted(self.ingest_tokens)}, tokens=***)"
        )
