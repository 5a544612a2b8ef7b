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


@dataclass(frozen=True)
class Message:
    text: str  # notification and fallback text: always present
    blocks: list[dict[str, Any]] = field(default_factory=list)
    files: tuple[File, ...] = ()
    response_type: Literal["ephemeral", "in_channel"] = "ephemeral"
    shareable: bool = True  # a view worth a "Share in channel" button (not a refusal, a question or an error)

    def payload(self) -> dict[str, Any]:
        """What Slack receives: blocks plus the fallback text."""
        return {"response_type": self.response_type, "text": self.text, "blocks": self.blocks}
