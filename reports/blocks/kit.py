"""Building blocks that respect Slack's limits: 50 blocks, 3000-char sections, 10 fields of 2000 chars."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from reports.message import esc

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
Block = dict[str, Any]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> Block:
    """A header from plain text (names included as they are): escaped here, as every text Slack parses is."""
    return HeaderBlock(text=PlainTextObject(text=clip_escaped(text, MAX_HEADER), emoji=True)).to_dict()


def clip_escaped(text: str, limit: int) -> str:
    """`text` escaped, clipped before escaping so that no entity is cut and the result fits `limit`."""
    room = limit
    while len(escaped := esc(clip(text, room))) > limit:
        room -= max(1, (len(escaped) - limit) // 5)  # an entity is at most 5 characters: never too far
    return escaped


def section(text: str, *, fields: Sequence[str] = ()) -> Block:
    block = SectionBlock(
        text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)) if text else None,
        fields=[MarkdownTextObject(text=clip(f, MAX_FIELD_TEXT)) for f in fields[:MAX_FIELDS]] or None,
    )
    return block.to_dict()


def fields_section(pairs: Sequence[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as field sections of at most ten fields each."""
    items = [f"*{label}*\n{value}" for label, value in pairs]
    return [section("", fields=items[i : i + MAX_FIELDS]) for i in range(0, len(items), MAX_FIELDS)]


def context(*texts: str) -> Block:
    return ContextBlock(
        elements=[MarkdownTextObject(text=clip(t, MAX_SECTION_TEXT)) for t in texts[:MAX_CONTEXT_ELEMENTS]]
    ).to_dict()


def divider() -> Block:
    return DividerBlock().to_dict()


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=clip_escaped(text, MAX_BUTTON_TEXT), action_id=action_id, value=value[:2000], style=style)


def actions(*buttons: ButtonElement, block_id: str | None = None) -> Block:
    return ActionsBlock(elements=list(buttons[:25]), block_id=block_id).to_dict()


def bullet_lines(lines: Sequence[str], *, limit: int = MAX_SECTION_TEXT) -> list[Block]:
    """Lines packed into as few sections as the text limit allows."""
    blocks: list[Block] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = clip(raw, limit)
        if current and size + len(line) + 1 > limit:
            blocks.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        blocks.append(section("\n".join(current)))
    return blocks


def check_blocks(blocks: Sequence[Block], *, max_blocks: int = MAX_BLOCKS) -> list[str]:
    """Every way these blocks break Slack's limits (empty when none)."""
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (limit {max_blocks})")
    for index, block in enumerate(blocks):
        text = block.get("text")
        if isinstance(text, dict):
            limit = MAX_HEADER if block["type"] == "header" else MAX_SECTION_TEXT
            if len(text.get("text", "")) > limit:
                problems.append(f"block {index}: text of {len(text['text'])} chars (limit {limit})")
        fields = block.get("fields") or []
        if len(fields) > MAX_FIELDS:
            problems.append(f"block {index}: {len(fields)} fields (limit {MAX_FIELDS})")
        for field in fields:
            if len(field.get("text", "")) > MAX_FIELD_TEXT:
                problems.append(f"block {index}: field of {len(field['text'])} chars (limit {MAX_FIELD_TEXT})")
        if block.get("type") == "context" and len(block.get("elements", [])) > MAX_CONTEXT_ELEMENTS:
            problems.append(f"block {index}: more than {MAX_CONTEXT_ELEMENTS} context elements")
    return problems
