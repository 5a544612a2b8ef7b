"""The one narrow port to Slack: post, respond, DM, upload a file, publish a view, look people up.

Slack's limits live here: 429s are retried after Retry-After (only when the wait is short, so no worker sleeps for
minutes), 5xx and dropped connections are retried, and a channel that will not take a file is reported as
`ChannelUnavailable` so the caller can fall back to a DM.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from reports.message import File, Message

log = logging.getLogger("partnerbot.slack")

UNAVAILABLE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "not_allowed_token_type"}
MAX_RETRY_WAIT = 30  # seconds a worker may wait on a 429 before giving up


class ChannelUnavailable(Exception):
    """The bot cannot post in this channel (not a member, archived, gone)."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason


class SlackUnavailable(Exception):
    """Slack kept answering 429 or 5xx after the retries we allow; `retry_after` is its Retry-After, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Honour Retry-After, but only for short waits: a long one fails fast instead of holding a worker."""

    def __init__(self, max_retry_count: int = 2, max_wait: int = MAX_RETRY_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            wait = int(values[0])
        except (TypeError, ValueError, IndexError):
            wait = 1
        return wait <= self.max_wait


class BadGatewayRetryHandler(ServerErrorRetryHandler):
    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


def retry_handlers() -> list[RetryHandler]:
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        BoundedRateLimitRetryHandler(),
        BadGatewayRetryHandler(max_retry_count=2),
    ]


def make_client(token: str, base_url: str) -> WebClient:
    return WebClient(token=token, base_url=base_url, timeout=15, retry_handlers=retry_handlers())


class SlackPort(Protocol):
    def respond(
        self, response_url: str, message: Message, *, replace_original: bool = False, delete_original: bool = False
    ) -> None: ...

    def post(self, channel: str, message: Message) -> str | None: ...

    def open_dm(self, user_id: str) -> str: ...

    def update(self, channel: str, ts: str, message: Message) -> None: ...

    def upload(self, channel: str, file: File) -> None: ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None: ...

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None: ...

    def user_email(self, user_id: str) -> str | None: ...

    def lookup_user(self, email: str) -> str | None: ...


def _raise_for(error: SlackApiError, channel: str) -> None:
    reason = str(error.response.get("error", "")) if error.response is not None else ""
    if reason in UNAVAILABLE:
        raise ChannelUnavailable(channel, reason) from None
    if error.response is not None and error.response.status_code in (429, 500, 502, 503, 504):
        headers = {k.lower(): v for k, v in (error.response.headers or {}).items()}
        raw = headers.get("retry-after")
        value = raw[0] if isinstance(raw, list) else raw
        retry_after = float(value) if value is not None and str(value).isdigit() else None
        raise SlackUnavailable(
            f"Slack answered {error.response.status_code} ({reason or 'no reason'})", retry_after
        ) from None
    raise error


@dataclass
class SlackSender:
    """SlackPort over slack_sdk's WebClient (and WebhookClient for response_url)."""

    client: WebClient

    def respond(
        self, response_url: str, message: Message, *, replace_original: bool = False, delete_original: bool = False
    ) -> None:
        webhook = WebhookClient(response_url, timeout=15, retry_handlers=retry_handlers())
        body: dict[str, Any] = {"text": message.text, "response_type": message.response_type}
        if delete_original:
            body = {"delete_original": True}
        else:
            body["blocks"] = message.blocks
            if replace_original:
                body["replace_original"] = True
        response = webhook.send_dict(body)
        if response.status_code != 200:
            raise SlackUnavailable(f"response_url answered {response.status_code}: {response.body[:100]}")

    def post(self, channel: str, message: Message) -> str | None:
        try:
            response = self.client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks)
        except SlackApiError as error:
            _raise_for(error, channel)
        return response.get("ts")

    def update(self, channel: str, ts: str, message: Message) -> None:
        try:
            self.client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except SlackApiError as error:
            _raise_for(error, channel)

    def open_dm(self, user_id: str) -> str:
        response = self.client.conversations_open(users=user_id)
        channel: dict[str, Any] = response["channel"]
        return str(channel["id"])

    def upload(self, channel: str, file: File) -> None:
        try:
            self.client.files_upload_v2(
                channel=channel,
                content=file.content,
                filename=file.filename,
                title=file.title,
                alt_txt=file.alt_text or None,
            )
        except SlackApiError as error:
            _raise_for(error, channel)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self.client.views_publish(user_id=user_id, view=view)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def user_email(self, user_id: str) -> str | None:
        try:
            response = self.client.users_info(user=user_id)
        except SlackApiError as error:
            if error.response is not None and error.response.get("error") == "user_not_found":
                return None
            raise
        profile = (response.get("user") or {}).get("profile") or {}
        email = profile.get("email")
        return str(email).lower() if email else None

    def lookup_user(self, email: str) -> str | None:
        try:
            response = self.client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response is not None and error.response.get("error") == "users_not_found":
                return None  # a normal answer: this person is not in the workspace
            raise
        user = response.get("user") or {}
        return str(user["id"]) if user.get("id") else None
