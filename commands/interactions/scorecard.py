"""Scorecard buttons: a partner picked from a list of matches (the reply is replaced by the card), and "Open
scorecard" on App Home or an alert DM (the card arrives in the person's DM)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from commands.interactions import payload
from commands.interactions.context import InteractionContext
from commands.interactions.effects import DirectMessage, Effect, Reply
from commands.interactions.payload import Body
from commands.table import dispatch_partner


@dataclass(frozen=True)
class PickPartner:
    partner_id: int
    user_id: str
    channel_id: str | None
    response_url: str
    message_key: str


def parse_pick_partner(body: Body) -> PickPartner | None:
    value, user = payload.action_value(body), payload.user_id(body)
    if not value.isdigit() or user is None:
        return None
    return PickPartner(
        partner_id=int(value),
        user_id=user,
        channel_id=payload.channel_id(body),
        response_url=str(body.get("response_url") or ""),
        message_key=payload.message_key(body),
    )


def handle_pick_partner(request: PickPartner, ctx: InteractionContext) -> Sequence[Effect]:
    if not ctx.claim(f"pick:{request.message_key}:{request.partner_id}"):
        return []  # a double click: the card is on its way
    message = dispatch_partner(request.partner_id, ctx.command_context(request.user_id, request.channel_id))
    reply = Reply(
        request.response_url,
        request.user_id,
        request.channel_id,
        message,
        share_text=f"#{request.partner_id}",
        replace_original=True,
    )
    return [reply]


@dataclass(frozen=True)
class OpenScorecard:
    partner_id: int
    user_id: str


def parse_open_scorecard(body: Body) -> OpenScorecard | None:
    value, user = payload.action_value(body), payload.user_id(body)
    return OpenScorecard(int(value), user) if value.isdigit() and user is not None else None


def handle_open_scorecard(request: OpenScorecard, ctx: InteractionContext) -> Sequence[Effect]:
    # asked from App Home or a DM, answered in the DM: never a partner's shared channel
    message = dispatch_partner(request.partner_id, ctx.command_context(request.user_id, None))
    return [DirectMessage(request.user_id, message)]
