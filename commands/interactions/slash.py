"""`/partner …`: the command table answers on the response_url."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from commands.interactions.context import InteractionContext
from commands.interactions.effects import Effect, Reply
from commands.interactions.payload import Body
from commands.table import dispatch


@dataclass(frozen=True)
class SlashCommand:
    text: str
    user_id: str
    channel_id: str | None
    response_url: str


def parse_slash_command(body: Body) -> SlashCommand | None:
    if not body.get("user_id") or not body.get("response_url"):
        return None
    return SlashCommand(
        text=html.unescape(str(body.get("text") or "")),  # should_escape turns & < > into entities
        user_id=str(body["user_id"]),
        channel_id=str(body["channel_id"]) if body.get("channel_id") else None,
        response_url=str(body["response_url"]),
    )


def handle_slash_command(request: SlashCommand, ctx: InteractionContext) -> Sequence[Effect]:
    message = dispatch(request.text, ctx.command_context(request.user_id, request.channel_id))
    return [Reply(request.response_url, request.user_id, request.channel_id, message, share_text=request.text.strip())]
