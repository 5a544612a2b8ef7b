"""Replies for a partner name that matched several partners, or none."""

from __future__ import annotations

import re

from reports.blocks.kit import actions, button, section
from reports.lookup import Lookup
from reports.message import Message, esc

PICK_ACTION = "partner_pick"  # each button's action id is PICK_ACTION_<id> (Slack wants them unique in a block)
PICK_ACTIONS = re.compile(rf"^{PICK_ACTION}_\d+$")


def _describe(name: str, detail: str | None) -> str:
    return f"{name} ({detail})" if detail else name


def lookup_reply(query: str, found: Lookup) -> Message:
    if found.candidates:
        names = [_describe(p.name, p.type) for p in found.candidates]
        text = f"Several partners match “{query}”: {', '.join(names)}. Which one did you mean?"
        return Message(
            shareable=False,
            text=text,
            blocks=[
                section(f"Several partners match *{esc(query)}*. Which one did you mean?"),
                actions(
                    *[button(p.name, f"{PICK_ACTION}_{p.id}", str(p.id)) for p in found.candidates],
                    block_id="partner_pick",
                ),
            ],
        )
    if found.suggestions:
        suggested = ", ".join(p.name for p in found.suggestions)
        return Message(
            shareable=False,
            text=f"No partner matches “{query}”. Did you mean {suggested}?",
            blocks=[
                section(f"No partner matches *{esc(query)}*. Did you mean one of these?"),
                actions(
                    *[button(p.name, f"{PICK_ACTION}_{p.id}", str(p.id)) for p in found.suggestions],
                    block_id="partner_pick",
                ),
            ],
        )
    text = f"No partner matches “{query}”, and no name is close. Try part of the name, an alias or the partner id."
    return Message(text=text, blocks=[section(esc(text))], shareable=False)
