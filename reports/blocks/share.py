"""Sharing: the "Share in channel" button under a reply, and the modal that shares a scorecard into a channel."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ConversationFilter, ConversationSelectElement, InputBlock
from slack_sdk.models.views import View

from reports.blocks.kit import Block, actions, button, section

SHARE_ACTION = "share_in_channel"
SHARE_VIEW = "share_scorecard"
SHARE_CHANNEL_BLOCK, SHARE_CHANNEL_INPUT = "where", "channel"


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
