"""How fresh the data is, as every card says it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from reports.blocks.kit import Block, context
from reports.formatting import elapsed, local_date, local_time
from reports.freshness import Freshness


def freshness_text(freshness: Freshness, tz: ZoneInfo) -> str:
    """'Data as of <newest record> (last delivery <day>, <age> ago) · computed as of <as-of>'; the delivery only
    when it is far from the record time, or the data is stale."""
    newest = freshness.newest_record_at
    data = local_time(newest, tz) if newest is not None else "no data yet"
    last, age = freshness.last_delivery_at, freshness.age
    if freshness.shows_delivery and last is not None and age is not None:
        data += f" (last delivery {local_date(last, tz)}, {elapsed(age)} ago)"
    return f"Data as of {data} · computed as of {local_time(freshness.as_of, tz)}"


def freshness_block(freshness: Freshness, tz: ZoneInfo) -> Block:
    icon = ":warning:" if freshness.stale else ":clock3:"
    return context(f"{icon} {freshness_text(freshness, tz)}")
