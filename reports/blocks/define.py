"""`define` replies: a KPI's definition from the registry."""

from __future__ import annotations

from reports.blocks.kit import bullet_lines, context, header, section
from reports.message import Message, esc
from reports.registry import KPIS, Kpi


def define_reply(kpi: Kpi) -> Message:
    text = f"{kpi.title} ({kpi.id}): {kpi.definition} Window: {kpi.window}."
    return Message(
        text=text,
        blocks=[
            header(f"{kpi.title}"),
            section(f"`{kpi.id}` · {esc(kpi.group)}\n{esc(kpi.definition)}"),
            context(f"Window: {esc(kpi.window)} · small samples (n &lt; 5) show as “not enough data”"),
        ],
    )


def kpi_list_reply(prefix: str = "") -> Message:
    groups: dict[str, list[Kpi]] = {}
    for kpi in KPIS:
        groups.setdefault(kpi.group, []).append(kpi)
    lines = [f"*{group}*: " + ", ".join(f"`{k.id}`" for k in kpis) for group, kpis in groups.items()]
    return Message(
        text=prefix + "KPIs: " + ", ".join(k.id for k in KPIS),
        blocks=[
            *([section(esc(prefix))] if prefix else []),
            section("*Every KPI* — `/partner define &lt;kpi&gt;`"),
            *bullet_lines(lines),
        ],
    )
