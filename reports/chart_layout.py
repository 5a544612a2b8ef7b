"""The charts' fixed layout: every margin worked out once from the sizes of the texts around the plot.

Text sizes are measured with the Agg renderer's font metrics, without drawing, so the axes are placed before the
figure is drawn and saving draws it once (a layout engine draws the figure to find its margins, then again to save
it). The figure is sized for Slack's image preview, about 360 px wide: `preview_px` is what a font size comes to
there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

WIDTH_IN, HEIGHT_IN, DPI = 6.0, 4.5, 160  # 960 x 720 px
PREVIEW_WIDTH_PX = 360  # how wide Slack shows an image in a message
EDGE_PT = 7.0  # blank border around everything
GAP_PT = 5.0  # between one block of text and the next
TICK_SPACE_PT = 7.5  # tick length plus the pad between a tick and its label
LABEL_PAD_PT = 4.0  # between tick labels and the axis label (matplotlib's default labelpad)
LINE_SPACING = 1.2  # matplotlib's line height, in font sizes
MIN_LABEL_GAP_PX = 12  # x tick labels closer than this read as one another


def preview_px(points: float) -> float:
    """How tall a font of this size is, in pixels, when Slack shows the chart `PREVIEW_WIDTH_PX` wide."""
    return points / 72 * PREVIEW_WIDTH_PX / WIDTH_IN


def pixels(points: float) -> float:
    return points * DPI / 72


def renderer_of(fig: Figure) -> RendererAgg:
    """The Agg renderer the figure is saved with: it measures texts without drawing anything."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer: RendererAgg = canvas.get_renderer()
    return renderer


def text_width(renderer: RendererAgg, text: str, points: float, weight: str = "normal") -> float:
    """The widest line of `text`, in pixels."""
    font = FontProperties(size=points, weight=weight)
    return max(float(renderer.get_text_width_height_descent(line, font, ismath=False)[0]) for line in text.split("\n"))


def lines_height(lines: int, points: float) -> float:
    """Pixels taken by `lines` lines of text at this size."""
    return pixels(lines * points * LINE_SPACING)


def line_count(text: str) -> int:
    return text.count("\n") + 1 if text else 0


def wrap(renderer: RendererAgg, text: str, width_px: float, points: float, weight: str = "normal") -> str:
    """`text` broken so that no line is wider than `width_px`: between its ' · ' phrases where it can (the '·' ends
    the line), so a figure stays with its words, else between words (a single long word stays whole)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for phrase in paragraph.split(" · "):
            trial = f"{current} · {phrase}" if current else phrase
            if text_width(renderer, trial, points, weight) <= width_px:
                current = trial
                continue
            if current:
                lines.append(current + " ·")  # the phrase goes on: the next line holds the next one
            current = ""
            for word in phrase.split(" "):
                trial = f"{current} {word}" if current else word
                if current and text_width(renderer, trial, points, weight) > width_px:
                    lines.append(current)
                    current = word
                else:
                    current = trial
        lines.append(current)
    return "\n".join(lines)


def y_tick_width(renderer: RendererAgg, ax: Axes) -> float:
    """The widest y tick label the axes draws inside its view, in pixels."""
    if not ax.axison or not ax.yaxis.get_visible():
        return 0.0
    low, high = sorted(ax.get_ylim())
    labels = [
        label
        for label, tick in zip(ax.yaxis.get_majorticklabels(), ax.yaxis.get_majorticklocs(), strict=False)
        if label.get_text() and low <= tick <= high
    ]
    return max((text_width(renderer, label.get_text(), float(label.get_fontsize())) for label in labels), default=0)


@dataclass(frozen=True)
class Frame:
    """What surrounds the stacked panels, in pixels."""

    top: float
    bottom: float
    left: float
    right: float
    gaps: tuple[float, ...] = ()  # between consecutive panels, top to bottom


def place(fig: Figure, panels: Sequence[Axes], ratios: Sequence[float], frame: Frame) -> None:
    """Stack the panels top to bottom inside the frame, their heights in proportion to `ratios`."""
    width_px, height_px = fig.bbox.width, fig.bbox.height
    inner = width_px - frame.left - frame.right
    room = height_px - frame.top - frame.bottom - sum(frame.gaps)
    top = height_px - frame.top
    for index, (ax, ratio) in enumerate(zip(panels, ratios, strict=True)):
        height = room * ratio / sum(ratios)
        ax.set_position((frame.left / width_px, (top - height) / height_px, inner / width_px, height / height_px))
        top -= height + (frame.gaps[index] if index < len(frame.gaps) else 0.0)


def fit_step(widths: Sequence[float], slot_px: float) -> int:
    """The smallest k such that labelling every k-th of these evenly spaced slots leaves room between labels."""
    widest = max(widths, default=0.0)
    step = 1
    while step < len(widths) and step * slot_px < widest + MIN_LABEL_GAP_PX:
        step += 1
    return step


def every_kth(count: int, step: int) -> list[int]:
    """Every `step`-th index, counted back from the last, so the latest is always labelled."""
    return list(range(count - 1, -1, -step))[::-1]
