"""Sharing: the "Share in channel" button under a reply, and the modal that shares a scorecard into a channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ConversationFilter, ConversationSelectElement, InputBlock
from slack_sdk.models.views import View

from reports.blocks.kit import MAX_BLOCKS, Block, actions, button, context, section
from reports.message import File, Message, esc

SHARE_ACTION = "share_in_channel"
SHARE_VIEW = "share_scorecard"
SHARE_CHANNEL_BLOCK, SHARE_CHANNEL_INPUT = "where", "channel"


def posted_note(file: File) -> str:
    return f":paperclip: {esc(file.title)}: posted in this channel."


def sent_to_dm_note(file: File) -> str:
    return (
        f":paperclip: {esc(file.title)}: sent to you in a direct message (`/invite @partnerbot` in this channel to "
        "post files here)."
    )


def reply_blocks(message: Message, *, notes: Sequence[str], share_text: str | None) -> list[Block]:
    """A reply's blocks as Slack receives them: the view's, then where its files went, then the Share button (for
    a shareable reply to a command). The runtime sends these; `partnerbot ask --json` prints them."""
    blocks = list(message.blocks)
    if notes:
        blocks.append(context(*notes))
    if share_text is not None and message.shareable and len(blocks) < MAX_BLOCKS:
        blocks.append(share_actions(share_text))
    return blocks[:MAX_BLOCKS]


def share_actions(text: str) -> Block:
    """The button that posts this reply in the channel: it carries the command text (or `#id`) to run again."""
    return actions(button("Share in channel", SHARE_ACTION, text))


def share_modal(partner_id: int) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=SHARE_VIEW,
        private_metadata=str(partner_id),
        title="Share a scorecard",
        submit="Share",
        close="Cancel",
        blocks=[
            section("Post this partner's scorecard in a channel (partnerbot must be a member there)."),
            InputBlock(
                block_id=SHARE_CHANNEL_BLOCK,
                label="Channel",
                element=ConversationSelectElement(
                    action_id=SHARE_CHANNEL_INPUT,
                    default_to_current_conversation=True,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            ),
        ],
    ).to_dict()
