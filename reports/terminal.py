"""Block Kit for a terminal: what a Slack user would read, as plain (optionally coloured) text."""

from __future__ import annotations

import html
import re
import textwrap
from typing import Any

from reports.message import Message

EMOJI = {
    ":trophy:": "🏆",
    ":seedling:": "🌱",
    ":zzz:": "💤",
    ":sunrise:": "🌅",
    ":grey_question:": "?",
    ":white_check_mark:": "✅",
    ":large_green_circle:": "🟢",
    ":warning:": "⚠",
    ":x:": "❌",
    ":hourglass_flowing_sand:": "⏳",
    ":arrow_right:": "→",
    ":clock3:": "🕒",
    ":rotating_light:": "🚨",
    ":tada:": "🎉",
}
WIDTH = 100


class Style:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.colour else text

    def dim(self, text: str) -> str:
        return f"\033[2m{text}\033[0m" if self.colour else text


def mrkdwn(text: str, style: Style) -> str:
    """Slack mrkdwn to terminal text: links, mentions, bold, code, emoji and entities."""
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)
    text = re.sub(r"<#([A-Z0-9]+)(\|[^>]*)?>", r"#\1", text)
    for code, glyph in EMOJI.items():
        text = text.replace(code, glyph)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", lambda m: style.bold(m.group(1)), text)
    return html.unescape(text)


def _wrap(text: str, indent: str = "") -> str:
    lines = []
    for line in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(line, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or [indent])
    return "\n".join(lines)


def _block(block: dict[str, Any], style: Style) -> str:
    kind = block.get("type")
    if kind == "header":
        title = html.unescape(block["text"]["text"])
        return style.bold(title) + "\n" + "═" * min(len(title), WIDTH)
    if kind == "divider":
        return "─" * 40
    if kind == "context":
        return style.dim(_wrap(" · ".join(mrkdwn(e.get("text", ""), style) for e in block.get("elements", []))))
    if kind == "actions":
        return "  ".join(f"[{e['text']['text']}]" for e in block.get("elements", []) if e.get("text"))
    if kind == "section":
        parts = []
        if block.get("text"):
            parts.append(_wrap(mrkdwn(block["text"]["text"], style)))
        for item in block.get("fields") or []:
            label, _, value = mrkdwn(item["text"], style).partition("\n")
            parts.append(f"  {label}" + (f"\n{_wrap(value, '      ')}" if value else ""))
        return "\n".join(parts)
    return ""


def render_message(message: Message, *, colour: bool = False) -> str:
    style = Style(colour)
    if not message.blocks:
        return message.text
    out = [text for text in (_block(b, style) for b in message.blocks) if text]
    for file in message.files:
        out.append(style.dim(f"📎 {file.filename} — {file.title}"))
    return "\n".join(out)
