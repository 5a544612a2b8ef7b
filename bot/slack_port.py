"""The one narrow port to Slack: post, respond, DM, upload a file, publish a view, look people up.

Slack's limits live here: 429s are retried after Retry-After (only when the wait is short, so no worker sleeps for
minutes), 5xx and dropped connections are retried, and a channel that will not take a file is reported as
`ChannelUnavailable` so the caller can fall back to a DM.

A claimed post (the outbox's) is the exception: it carries its claim key in message metadata and is never repeated
blindly. Only a 429 (Slack did nothing) is retried inline; a timeout, a dropped connection or a 5xx may come after
Slack accepted the message, so it is reported as `OutcomeUnknown`, and the caller looks for the claim in the
channel's history (`find_post`) before posting again.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import datetime
from http.client import HTTPException
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
OUTBOX_EVENT = "partnerbot_outbox"  # message metadata event type carrying an outbox claim key
HISTORY_PAGES = 5  # pages of 200 messages searched for a claimed post


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


class OutcomeUnknown(Exception):
    """A claimed post got no usable answer (timeout, dropped connection, 5xx): Slack may or may not have it."""


class HistoryUnavailable(Exception):
    """The channel's history cannot be read (a scope the workspace has not granted): a post cannot be looked for."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason


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


def make_client(token: str, base_url: str, *, timeout: int = 15) -> WebClient:
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers())


class SlackPort(Protocol):
    def respond(
        self, response_url: str, message: Message, *, replace_original: bool = False, delete_original: bool = False
    ) -> None: ...

    def post(self, channel: str, message: Message, *, claim: str | None = None) -> str | None: ...

    def find_post(self, channel: str, claim: str, *, since: datetime) -> str | None: ...

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
    _claimed: WebClient | None = field(default=None, init=False, repr=False)

    def _claimed_client(self) -> WebClient:
        """The client as configured, retrying 429s only: any other failure of a claimed post is settled by looking."""
        if self._claimed is None:
            self._claimed = copy.copy(self.client)
            self._claimed.retry_handlers = [BoundedRateLimitRetryHandler()]
        return self._claimed

    def respond(
        self, response_url: str, message: Message, *, replace_original: bool = False, delete_original: bool = False
    ) -> None:
        webhook = WebhookClient(response_url, timeout=15, retry_handlers=retry_handlers())
        body: dict[str, Any] = {"text": message.wire_text, "response_type": message.response_type}
        if delete_original:
            body = {"delete_original": True}
        else:
            body["blocks"] = message.blocks
            if replace_original:
                body["replace_original"] = True
        response = webhook.send_dict(body)
        if response.status_code != 200:
            raise SlackUnavailable(f"response_url answered {response.status_code}: {response.body[:100]}")

    def post(self, channel: str, message: Message, *, claim: str | None = None) -> str | None:
        """Post and return the message's ts. With a claim key, the post carries it in its metadata and an
        unknown outcome raises `OutcomeUnknown` instead of being retried."""
        if claim is None:
            try:
                response = self.client.chat_postMessage(channel=channel, text=message.wire_text, blocks=message.blocks)
            except SlackApiError as error:
                _raise_for(error, channel)
            return response.get("ts")
        try:
            response = self._claimed_client().chat_postMessage(
                channel=channel,
                text=message.wire_text,
                blocks=message.blocks,
                metadata={"event_type": OUTBOX_EVENT, "event_payload": {"claim": claim}},
            )
        except SlackApiError as error:
            status = error.response.status_code if error.response is not None else None
            if status is not None and status >= 500:
                raise OutcomeUnknown(f"Slack answered {status}") from None
            _raise_for(error, channel)
        except (OSError, HTTPException) as error:  # timeouts, resets, refused connections: all OSError or HTTP's
            raise OutcomeUnknown(f"{type(error).__name__}: {error}") from None
        return response.get("ts")

    def find_post(self, channel: str, claim: str, *, since: datetime) -> str | None:
        """The ts of the message carrying this claim key, posted in `channel` after `since`, or None."""
        cursor = None
        for _ in range(HISTORY_PAGES):
            try:
                response = self.client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            except SlackApiError as error:
                reason = str(error.response.get("error", "")) if error.response is not None else ""
                if reason == "missing_scope":
                    raise HistoryUnavailable(channel, reason) from None
                _raise_for(error, channel)
            for found in response.get("messages") or []:
                metadata = found.get("metadata") or {}
                if (
                    metadata.get("event_type") == OUTBOX_EVENT
                    and (metadata.get("event_payload") or {}).get("claim") == claim
                ):
                    return str(found["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def update(self, channel: str, ts: str, message: Message) -> None:
        try:
            self.client.chat_update(channel=channel, ts=ts, text=message.wire_text, blocks=message.blocks)
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
