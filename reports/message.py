"""A reply as plain data: fallback text, Block Kit blocks and files, ready for Slack or a terminal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class File:
    filename: str
    title: str
    content: bytes
    alt_text: str = ""

    @property
    def is_png(self) -> bool:
        return self.content.startswith(b"\x89PNG\r\n\x1a\n")


def esc(text: object) -> str:
    """Escape the three characters Slack treats as control characters in any text it parses (mrkdwn and the
    message's fallback text): the one escaping function, for names and anything else not meant as markup."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Message:
    text: str  # notification and fallback text, always present: plain text, escaped on its way to Slack
    blocks: list[dict[str, Any]] = field(default_factory=list)
    files: tuple[File, ...] = ()
    response_type: Literal["ephemeral", "in_channel"] = "ephemeral"
    shareable: bool = True  # a view worth a "Share in channel" button (not a refusal, a question or an error)

    @property
    def wire_text(self) -> str:
        """The fallback text as Slack receives it: escaped here, and only here, so a name holding `&`, `<` or `>`
        never turns into markup (a link, a mention) in a notification or a client without blocks."""
        return esc(self.text)

    def payload(self) -> dict[str, Any]:
        """What Slack receives: blocks plus the fallback text."""
        return {"response_type": self.response_type, "text": self.wire_text, "blocks": self.blocks}
