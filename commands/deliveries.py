"""`/partner deliveries`: what the schedule sent, skipped and failed this week, and why; and when each source last
delivered data."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from commands.context import CommandContext
from reports.blocks.freshness import delivery_lines, freshness_block
from reports.blocks.kit import bullet_lines, context, header, section
from reports.formatting import local_time
from reports.message import Message, esc
from storage.loaders.freshness import load_freshness
from storage.program import load_config
from storage.work import load_deliveries

DAYS = 7
LIMIT = 20


def handle_deliveries(text: str, ctx: CommandContext) -> Message:
    with ctx.database.session() as session:
        config = load_config(session)
        rows = load_deliveries(session, since=ctx.as_of - timedelta(days=DAYS))
        freshness = load_freshness(session, as_of=ctx.as_of, config=config)
    counts = Counter(r.status for r in rows)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing yet"
    lines = [
        f"• {local_time(r.claimed_at, config.tz)} — *{esc(r.status)}* {esc(r.kind)} `{esc(r.key)}`"
        + (f": {esc(r.reason)}" if r.reason else "")
        for r in rows[:LIMIT]
    ]
    return Message(
        text=f"Deliveries in the last {DAYS} days: {summary}.",
        blocks=[
            header("Deliveries"),
            section(f"Last {DAYS} days: {summary}."),
            *bullet_lines(lines or ["Nothing was scheduled."]),
            context("Digests, owner alerts, first-win posts and admin notices, newest first."),
            section("*Data in:* each source's last delivery"),
            *bullet_lines(delivery_lines(freshness, config.tz) or ["No import or API batch has delivered data yet."]),
            freshness_block(freshness, config.tz),
        ],
        shareable=False,
    )
