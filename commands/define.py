"""`/partner define <kpi>`: what a number means, word for word from the KPI registry."""

from __future__ import annotations

from commands.context import CommandContext
from reports.blocks.define import define_reply, kpi_list_reply
from reports.message import Message
from reports.registry import find_kpi


def handle_define(text: str, ctx: CommandContext) -> Message:
    query = text.strip()
    if not query:
        return kpi_list_reply()
    kpi, suggestions = find_kpi(query)
    if kpi is not None:
        return define_reply(kpi)
    hint = f"Did you mean {', '.join(f'`{s}`' for s in suggestions)}? " if suggestions else ""
    return kpi_list_reply(f"There is no KPI called “{query}”. {hint}")
