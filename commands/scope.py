"""Parsing an optional scope: `segment enterprise`, `region EMEA`, `owner ann@example.com`."""

from __future__ import annotations

from commands.errors import UserFacingError
from reports.model import Scope

SCOPE_WORDS = ("segment", "region", "owner")


def parse_scope(text: str) -> Scope:
    words = text.split()
    if not words:
        return Scope()
    values: dict[str, str | None] = {"segment": None, "region": None, "owner_email": None}
    index = 0
    while index < len(words):
        word = words[index].lower()
        if word not in SCOPE_WORDS or index + 1 >= len(words):
            raise UserFacingError(
                f"I don't understand “{text}”.",
                hint="Narrow a view with `segment &lt;name&gt;`, `region &lt;name&gt;` or `owner &lt;email&gt;`.",
            )
        values["owner_email" if word == "owner" else word] = (
            words[index + 1].lower() if word == "owner" else words[index + 1]
        )
        index += 2
    return Scope(segment=values["segment"], region=values["region"], owner_email=values["owner_email"])
