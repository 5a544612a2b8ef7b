"""What a handler asks the bot to do in Slack: plain data, performed in order by bot/runtime.py.

Handlers return effects instead of calling Slack, so they stay gather → compute → render like the subcommands
(and are tested without a Slack), while the Slack-side rules (files into the channel or the DM, the Share
button, a channel that refuses a post) live once, in the runtime. Each interaction also says where its errors go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from reports.message import Message


@dataclass(frozen=True)
class Reply:
    """Answer on the response_url; files go into the channel (or the person's DM when the bot can't post there)
    and a shareable reply gets a Share button that runs `share_text` again."""

    response_url: str
    user_id: str
    channel_id: str | None
    message: Message
    share_text: str | None = None
    replace_original: bool = False


@dataclass(frozen=True)
class DeleteOriginal:
    response_url: str


@dataclass(frozen=True)
class Post:
    """A message (and its files) in a channel; when the channel refuses it, `refused` is the person's error."""

    channel_id: str
    message: Message
    refused: str | None = None


@dataclass(frozen=True)
class DirectMessage:
    """A message (and its files) in the person's DM with the bot."""

    user_id: str
    message: Message


@dataclass(frozen=True)
class OpenView:
    trigger_id: str
    view: dict[str, Any]


@dataclass(frozen=True)
class Update:
    channel_id: str
    ts: str
    message: Message


@dataclass(frozen=True)
class PublishHome:
    user_id: str
    view: dict[str, Any]


Effect = Reply | DeleteOriginal | Post | DirectMessage | OpenView | Update | PublishHome


class FromUser(Protocol):
    @property
    def user_id(self) -> str: ...


class FromMessage(FromUser, Protocol):
    @property
    def response_url(self) -> str: ...

    @property
    def channel_id(self) -> str | None: ...


def errors_in_place(request: FromMessage, message: Message) -> Effect:
    """Errors answer on the response_url, where the person clicked or typed."""
    return Reply(request.response_url, request.user_id, request.channel_id, message)


def errors_by_dm(request: FromUser, message: Message) -> Effect:
    """Errors go to the person's DM (a modal, App Home or an alert DM has no reply of its own)."""
    return DirectMessage(request.user_id, message)


def errors_logged(request: object, message: Message) -> None:
    """Errors are only logged (nobody is waiting: an event, or a modal that did not open)."""
    return
