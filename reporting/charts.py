"""Charts drawn on the server as inline SVG: no JavaScript, nothing from another origin, and
colours from CSS classes (the Content-Security-Policy allows no `style` attributes). Each chart
is an image with a title and description, and every chart on a page sits beside the table it
was drawn from, which is its accessible alternative."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LABEL_WIDTH = 230
BAR_HEIGHT = 22
GAP = 8


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    short_label: str = ""


def _svg(element_id: str, title: str, description: str, height: float, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 (every text is escaped)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart__svg" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" focusable="false" '
        f'aria-labelledby="{element_id}-title {element_id}-desc">'
        f'<title id="{element_id}-title">{escape(title)}</title>'
        f'<desc id="{element_id}-desc">{escape(description)}</desc>{body}</svg>'
    )


def _number(value: float, money: bool) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() or value >= 100 else f"{value:,.1f}"
    return f"£{text}" if money else text


def _shorten(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    *, element_id: str, title: str, description: str, points: Sequence[Point], money=False
) -> SafeString | None:
    """Horizontal bars, largest first as given, labelled with their values."""
    if not points:
        return None
    top = max(point.value for point in points) or 1
    span = WIDTH - LABEL_WIDTH - 80
    parts = []
    for index, point in enumerate(points):
        y = index * (BAR_HEIGHT + GAP)
        length = max(1.0, span * point.value / top) if point.value else 0
        parts.append(
            f'<text class="app-chart__label" x="{LABEL_WIDTH - 8}" y="{y + 16}" '
            f'text-anchor="end">{escape(_shorten(point.label))}</text>'
            f'<rect class="app-chart__bar" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT}"></rect>'
            f'<text class="app-chart__value" x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 16}">'
            f"{escape(_number(point.value, money))}</text>"
        )
    height = len(points) * (BAR_HEIGHT + GAP)
    return _svg(element_id, title, description, height, "".join(parts))


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def column_chart(
    *, element_id: str, title: str, description: str, points: Sequence[Point], money=False
) -> SafeString | None:
    """Vertical columns in order (months), with a scale and every few labels."""
    if not points:
        return None
    left, bottom, top_margin, plot_height = 70, 40, 10, 220
    top = _nice_top(max(point.value for point in points))
    slot = (WIDTH - left - 10) / len(points)
    width = max(1.0, slot * 0.75)
    every = max(1, math.ceil(len(points) / 12))
    parts = []
    for fraction in (0, 0.5, 1):
        y = top_margin + plot_height * (1 - fraction)
        parts.append(
            f'<line class="app-chart__grid" x1="{left}" x2="{WIDTH - 10}" y1="{y:.1f}" '
            f'y2="{y:.1f}"></line>'
            f'<text class="app-chart__label" x="{left - 8}" y="{y + 5:.1f}" text-anchor="end">'
            f"{escape(_number(top * fraction, money))}</text>"
        )
    for index, point in enumerate(points):
        height = plot_height * point.value / top
        x = left + index * slot + (slot - width) / 2
        parts.append(
            f'<rect class="app-chart__bar" x="{x:.1f}" y="{top_margin + plot_height - height:.1f}" '
            f'width="{width:.1f}" height="{height:.1f}"></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text class="app-chart__label" x="{x + width / 2:.1f}" '
                f'y="{top_margin + plot_height + 24}" text-anchor="middle">'
                f"{escape(point.short_label or point.label)}</text>"
            )
    return _svg(element_id, title, description, top_margin + plot_height + bottom, "".join(parts))
