"""The quarterly business review pack as a multi-page PDF: a title page, then one page per section of the view.

Drawn with matplotlib's Figure API (no pyplot) on A4 landscape pages and written with PdfPages; fonts are embedded
as TrueType (text stays selectable and searchable) and the PDF's dates are the pack's as-of, so one as-of always
gives the same bytes. Every text is drawn with mathtext off, so amounts like "$50k of $100k" stay as written.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from collections.abc import Iterator, Sequence
from datetime import UTC

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from reports.formatting import local_time, money
from reports.views.qbr import QbrView, Section, Table, TrendSeries

PAGE = (11.69, 8.27)  # A4 landscape, inches
INK, MUTED, RULE, ACCENT, ACCENT_LIGHT = "#1f2933", "#616e7c", "#cbd2d9", "#2f6fb2", "#9cc3e6"
TOP, BOTTOM, LEFT, RIGHT = 0.86, 0.08, 0.05, 0.95
LINE_STEP = 0.032  # one 10 pt line on the page, in figure height
MAX_LINES = int((TOP - BOTTOM - 0.04) / LINE_STEP)


def _style() -> contextlib.AbstractContextManager[None]:
    """Fonts embedded as TrueType, so the PDF's text stays searchable (and readable back in tests)."""
    return matplotlib.rc_context({"pdf.fonttype": 42, "font.family": "DejaVu Sans"})


def qbr_filename(view: QbrView) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", view.partner.name.lower()).strip("-") or view.partner.external_id
    suffix = "-partner" if view.partner_safe else ""
    return f"qbr-{slug}-{view.quarter.quarter.label}{suffix}.pdf"


def _text(fig: Figure, x: float, y: float, text: str, **style: object) -> None:
    fig.text(x, y, text, parse_math=False, color=style.pop("color", INK), **style)  # type: ignore[arg-type]


def _page(view: QbrView, title: str, number: int, pages: int) -> Figure:
    fig = Figure(figsize=PAGE)
    _text(fig, LEFT, 0.93, title, fontsize=18, weight="bold")
    _text(fig, RIGHT, 0.935, f"{view.partner.name} · {view.quarter.title}", fontsize=10, ha="right", color=MUTED)
    fig.add_artist(Line2D([LEFT, RIGHT], [0.905, 0.905], color=RULE, linewidth=1))
    audience = "Prepared for the partner" if view.partner_safe else "Internal: for the partner team"
    _text(fig, LEFT, 0.04, f"{view.freshness} · {audience}", fontsize=8, color=MUTED)
    _text(fig, RIGHT, 0.04, f"{number} / {pages}", fontsize=8, color=MUTED, ha="right")
    return fig


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def _title_page(view: QbrView, pages: int) -> Figure:
    fig = _page(view, view.program_name, 1, pages)
    partner = view.partner
    tz = view.quarter.card.activation.tz
    _text(fig, LEFT, 0.72, partner.name, fontsize=30, weight="bold")
    _text(fig, LEFT, 0.65, f"Quarterly business review · {view.quarter.title}", fontsize=18, color=ACCENT)
    facts = [
        ("As of", local_time(view.as_of, tz)),
        ("Partner", " · ".join(v for v in (partner.type, partner.tier, partner.segment, partner.region) if v) or "–"),
        ("Onboarded", partner.onboarded_text()),
        ("Quarters shown", f"{view.trend[0].quarter.label} to {view.quarter.quarter.label}"),
    ]
    if not view.partner_safe:
        owner = view.owner
        name = (owner.name or owner.email) if owner else (partner.owner_email or "unassigned")
        email = f" ({owner.email})" if owner and owner.name else ""
        facts.insert(1, ("Partner owner", f"{name}{email}"))
    y = 0.55
    for label, value in facts:
        _text(fig, LEFT, y, label, fontsize=11, color=MUTED)
        _text(fig, LEFT + 0.17, y, value, fontsize=11)
        y -= 0.045
    _text(fig, LEFT, y - 0.03, "Contents", fontsize=11, weight="bold")
    y -= 0.07
    for number, section in enumerate(view.sections, start=1):  # section n is on page n + 1
        _text(fig, LEFT + 0.02, y, f"{number}. {section.title}", fontsize=10)
        _text(fig, LEFT + 0.55, y, f"page {number + 1}", fontsize=10, color=MUTED)
        y -= 0.03
    return fig


def _lines_page(fig: Figure, section: Section, top: float) -> float:
    y = top
    budget = MAX_LINES - 2
    shown = 0
    for line in section.lines:
        wrapped = _wrap(line.text, 95)
        if shown + len(wrapped) > budget:
            _text(fig, LEFT, y, f"… and {len(section.lines) - section.lines.index(line)} more", color=MUTED, fontsize=9)
            y -= LINE_STEP
            break
        _text(fig, LEFT, y, line.label, fontsize=10, color=MUTED)
        for part in wrapped:
            _text(fig, LEFT + 0.26, y, part, fontsize=10)
            y -= LINE_STEP
            shown += 1
    return y


def _column_widths(table: Table) -> list[float]:
    """The first column (labels) and a last long one (a reason) get more room; the rest share what is left."""
    columns = len(table.header)
    longest = [max(len(row[i]) for row in (table.header, *table.rows)) for i in range(columns)]
    total = RIGHT - LEFT
    weights = [max(10, min(n + 2, 44)) for n in longest]  # room for the longest cell and a gap
    scale = total / sum(weights)
    return [w * scale for w in weights]


def _table(fig: Figure, table: Table, top: float, *, fontsize: float = 9.5) -> float:
    widths = _column_widths(table)
    y = top
    # characters a column holds, with a gap before the next: a bold header runs wider than 0.58 em a character
    chars = [max(6, int((w - 0.012) * PAGE[0] * 72 / (fontsize * 0.66))) for w in widths]
    for row_index, row in enumerate((table.header, *table.rows)):
        cells = [_wrap(cell, n) for cell, n in zip(row, chars, strict=True)]
        height = max(len(c) for c in cells)
        x = LEFT
        for cell, width in zip(cells, widths, strict=True):
            for k, part in enumerate(cell):
                _text(
                    fig,
                    x,
                    y - k * LINE_STEP * 0.8,
                    part,
                    fontsize=fontsize,
                    weight="bold" if row_index == 0 else "normal",
                    color=MUTED if row_index == 0 else INK,
                )
            x += width
        y -= LINE_STEP * (0.8 * (height - 1) + 1)
        fig.add_artist(Line2D([LEFT, RIGHT], [y + 0.012, y + 0.012], color=RULE, linewidth=0.5))
    return y


def _trend_chart(fig: Figure, series: TrendSeries, top: float) -> None:
    """Won revenue per quarter (sourced and influenced, side by side) above open pipeline at each quarter's end;
    a quarter before onboarding is left empty and labelled so."""
    height = top - BOTTOM - 0.1
    revenue: Axes = fig.add_axes((LEFT + 0.05, BOTTOM + 0.08 + height * 0.5, 0.85, height * 0.42))
    pipeline: Axes = fig.add_axes((LEFT + 0.05, BOTTOM + 0.08, 0.85, height * 0.38), sharex=revenue)
    xs = range(len(series.labels))
    width = 0.38
    for offset, values, colour, name in (
        (-width / 2, series.sourced, ACCENT, "sourced"),
        (width / 2, series.influenced, ACCENT_LIGHT, "influenced"),
    ):
        revenue.bar([x + offset for x in xs], [v or 0 for v in values], width, color=colour, label=name)
    pipeline.plot(list(xs), [v if v is not None else float("nan") for v in series.open_pipeline], color=INK, marker="o")
    for axes, title in ((revenue, "Won revenue per quarter"), (pipeline, "Open pipeline at each quarter's end")):
        axes.set_title(title, loc="left", fontsize=10, color=INK)
        axes.yaxis.set_major_formatter(lambda value, _: money(value, series.currency))
        axes.tick_params(labelsize=9)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    for x, value in zip(xs, series.sourced, strict=True):
        if value is None:
            revenue.text(x, 0, "not yet onboarded", ha="center", va="bottom", fontsize=8, color=MUTED, parse_math=False)
    revenue.legend(fontsize=8, frameon=False, loc="upper left")
    pipeline.set_xticks(list(xs), list(series.labels))
    revenue.tick_params(labelbottom=False)
    pipeline.set_ylim(bottom=0)


def _section_page(view: QbrView, section: Section, number: int, pages: int) -> Figure:
    fig = _page(view, f"{number - 1}. {section.title}", number, pages)
    y = TOP
    if section.lines:
        y = _lines_page(fig, section, y)
    if section.table is not None:
        y = _table(fig, section.table, y - 0.01)
    if section.table is not None and section.table is view.sections[1].table:
        _trend_chart(fig, view.series, y - 0.02)
    note = _wrap(section.note, 160) if section.note else []
    for k, part in enumerate(note):
        _text(fig, LEFT, BOTTOM + 0.022 * (len(note) - 1 - k), part, fontsize=8.5, color=MUTED)
    return fig


def qbr_figures(view: QbrView) -> Iterator[Figure]:
    """Each page as a Figure: the PDF's pages, and PNGs of them for a look."""
    pages = 1 + len(view.sections)
    yield _title_page(view, pages)
    for number, section in enumerate(view.sections, start=2):
        yield _section_page(view, section, number, pages)


def qbr_pdf(view: QbrView) -> bytes:
    out = io.BytesIO()
    stamp = view.as_of.astimezone(UTC)
    metadata = {
        "Title": view.title,
        "Author": view.program_name,
        "Subject": f"Quarterly business review {view.quarter.title}",
        "Creator": "partnerbot",
        "CreationDate": stamp,
        "ModDate": stamp,
    }
    with _style(), PdfPages(out, metadata=metadata) as pdf:
        for figure in qbr_figures(view):
            pdf.savefig(figure)
    return out.getvalue()


def qbr_pngs(view: QbrView, *, dpi: int = 80) -> Sequence[bytes]:
    """Every page as PNG (for a look at the layout; not sent anywhere)."""
    out = []
    with _style():
        for figure in qbr_figures(view):
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=dpi)
            out.append(buffer.getvalue())
    return out
