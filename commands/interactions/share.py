"""Sharing: "Share in channel" under a reply (the command runs again, in the channel), and "Share…" on App Home,
which opens a modal asking where to post a partner's scorecard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from commands.errors import UserFacingError
from commands.interactions import payload
from commands.interactions.context import InteractionContext
from commands.interactions.effects import DeleteOriginal, Effect, OpenView, Post, Reply
from commands.interactions.payload import Body
from commands.table import dispatch, dispatch_partner
from reports.blocks.share import SHARE_CHANNEL_BLOCK, SHARE_CHANNEL_INPUT, share_modal
from reports.message import Message


@dataclass(frozen=True)
class ShareReply:
    text: str  # the command as typed, or `#id` for a card picked by a button
    user_id: str
    channel_id: str | None
    response_url: str
    message_key: str


def parse_share_reply(body: Body) -> ShareReply | None:
    user = payload.user_id(body)
    if user is None:
        return None
    return ShareReply(
        text=payload.action_value(body),
        user_id=user,
        channel_id=payload.channel_id(body),
        response_url=str(body.get("response_url") or ""),
        message_key=payload.message_key(body),
    )


def handle_share_reply(request: ShareReply, ctx: InteractionContext) -> Sequence[Effect]:
    if not ctx.claim(f"share:{request.message_key}"):
        return []  # a double click or a retried delivery: shared once already
    command = ctx.command_context(request.user_id, request.channel_id)
    text = request.text
    message = (
        dispatch_partner(int(text[1:]), command)
        if text.startswith("#") and text[1:].isdigit()
        else dispatch(text, command)
    )
    shared = replace(message, response_type="in_channel", shareable=False)
    return [
        Reply(request.response_url, request.user_id, request.channel_id, shared),
        DeleteOriginal(request.response_url),
    ]


@dataclass(frozen=True)
class StartShare:
    partner_id: int
    user_id: str
    trigger_id: str


def parse_start_share(body: Body) -> StartShare | None:
    value, user, trigger = payload.action_value(body), payload.user_id(body), body.get("trigger_id")
    if not value.isdigit() or user is None or not trigger:
        return None
    return StartShare(int(value), user, str(trigger))


def handle_start_share(request: StartShare, ctx: InteractionContext) -> Sequence[Effect]:
    return [OpenView(request.trigger_id, share_modal(request.partner_id))]


@dataclass(frozen=True)
class FinishShare:
    partner_id: int
    channel_id: str
    user_id: str
    submission: str  # the view and trigger ids: one submission, whatever Slack retries


def parse_finish_share(body: Body) -> FinishShare | None:
    """None when the submission names no partner or no channel (Slack requires the channel, so: not ours)."""
    user, view = payload.user_id(body), body.get("view") or {}
    partner = str(view.get("private_metadata") or "")
    selected = payload.view_values(body).get(SHARE_CHANNEL_BLOCK, {}).get(SHARE_CHANNEL_INPUT) or {}
    channel = selected.get("selected_conversation") or selected.get("selected_channel")
    if user is None or not partner.isdigit() or not channel:
        return None
    return FinishShare(int(partner), str(channel), user, f"{view.get('id')}:{body.get('trigger_id')}")


def handle_finish_share(request: FinishShare, ctx: InteractionContext) -> Sequence[Effect]:
    if not ctx.claim(f"share-view:{request.submission}"):
        return []
    message: Message = dispatch_partner(request.partner_id, ctx.command_context(request.user_id, request.channel_id))
    if not message.shareable:  # a refusal is for the person who asked, never for the channel
        raise UserFacingError(message.text)
    refused = "I can't post in that channel: invite @partnerbot to that channel first, then share again."
    return [Post(request.channel_id, message, refused=refused)]
