"""How fresh the data is, as every card, digest and admin notice says it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from reports.blocks.kit import Block, bullet_lines, context, section
from reports.formatting import elapsed, local_date, local_time
from reports.freshness import Freshness
from reports.message import Message, esc


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


def _silence(freshness: Freshness, tz: ZoneInfo) -> str | None:
    """'No data has arrived since <time> (<age> ago)' while the data is stale."""
    last, age = freshness.last_delivery_at, freshness.age
    if not freshness.stale or last is None or age is None:
        return None
    return f"No data has arrived since {local_time(last, tz)} ({elapsed(age)} ago)"


def stale_warning_text(freshness: Freshness, tz: ZoneInfo) -> str | None:
    """The warning that tops a digest computed on stale data; None while the data is fresh."""
    silence = _silence(freshness, tz)
    return None if silence is None else f":warning: {silence}: figures below may be incomplete."


def stale_warning_blocks(freshness: Freshness, tz: ZoneInfo) -> list[Block]:
    warning = stale_warning_text(freshness, tz)
    return [] if warning is None else [section(f"*{esc(warning)}*")]


def delivery_lines(freshness: Freshness, tz: ZoneInfo) -> list[str]:
    """Each source's last delivery of each kind, newest first."""
    ordered = sorted(freshness.deliveries, key=lambda d: (-d.delivered_at.timestamp(), d.source, d.kind))
    return [
        f"• {esc(d.label)}: {local_time(d.delivered_at, tz)} ({elapsed(freshness.as_of - d.delivered_at)} ago), "
        f"{d.records:,} record{'s' if d.records != 1 else ''}"
        for d in ordered
    ]


def stale_data_notice(freshness: Freshness, tz: ZoneInfo) -> Message:
    """What the admins are told, once, when data stops arriving."""
    text = (
        f"{_silence(freshness, tz)}, beyond the {freshness.limit_hours} h limit: digests carry a warning, and DMs "
        "about dormant partners (and intros that passed the SLA since) wait until data arrives again."
    )
    return Message(
        text=text,
        blocks=[
            section(f":warning: *{esc(text)}*"),
            *bullet_lines(delivery_lines(freshness, tz)),
            context(
                "Check the scheduled imports and the CRM's webhook. `freshness_limit_hours` sets the limit; "
                "`/partner deliveries` lists every source."
            ),
        ],
        response_type="in_channel",
        shareable=False,
    )
