"""Inline SVG charts for the HTML report: histograms and bar charts with axes, ticks and labels.

Hand-written rather than matplotlib: a few rectangles and lines need no plotting dependency, and
inline SVG keeps the report one self-contained file. Colours come from the page's CSS classes;
every text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 560  # a chart card's viewBox width; the SVG scales to its card
WIDE = 1140  # a full-width chart (articles per day)
_CHAR_PX = 6.6  # mean advance of a 12px sans-serif character, to size the label column
_ROW = 24  # horizontal bar pitch
TAIL_QUANTILE = 0.98  # values past it go to one open-ended bar when the tail is long
TAIL_MIN_VALUES = 50  # below this, every value keeps its own bar


@dataclass(frozen=True, slots=True)
class Bin:
    """One histogram bin: values in [low, high) and how many fell in it; an ``open_ended`` bin
    holds every value from ``low`` up (the long tail, drawn one bin wide)."""

    low: float
    high: float
    count: int
    open_ended: bool = False


def fmt(value: float) -> str:
    """A number for an axis or label: integers with thousands separators, else 3 digits."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3g}"


def nice_step(raw: float) -> float:
    """The smallest 1-2-5 step >= raw (and >= 1: we chart counts and word lengths)."""
    if raw <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def count_ticks(maximum: float, target: int = 5) -> list[float]:
    """Axis ticks from 0 past ``maximum`` in about ``target`` round steps."""
    step = nice_step(maximum / target)
    top = step * max(1, math.ceil(maximum / step))
    return [step * index for index in range(round(top / step) + 1)]


def histogram_bins(
    values: Sequence[float], target: int = 20, upper: float | None = None
) -> list[Bin]:
    """About ``target`` equal bins of round width covering every value; with ``upper``, the
    bins cover the values up to it and one open-ended bin holds the rest."""
    low, high = min(values), max(values)
    top = high if upper is None else min(upper, high)
    width = nice_step((top - low) / target)
    start = math.floor(low / width) * width
    counts = [0] * (int((top - start) // width) + 1)
    beyond = 0
    for value in values:
        index = int((value - start) // width)
        if index < len(counts):
            counts[index] += 1
        else:
            beyond += 1
    bins = [Bin(start + i * width, start + (i + 1) * width, c) for i, c in enumerate(counts)]
    if beyond:
        edge = start + len(counts) * width
        bins.append(Bin(edge, edge + width, beyond, open_ended=True))
    return bins


def tail_cut(values: Sequence[float]) -> float | None:
    """Where a long tail starts, or None: the 98th percentile when the largest value is over
    twice it (one 40,000-word page otherwise squeezes every other article into the first bar)."""
    if len(values) < TAIL_MIN_VALUES:
        return None
    ordered = sorted(values)
    cut = ordered[math.ceil(TAIL_QUANTILE * len(ordered)) - 1]  # nearest rank
    return cut if ordered[-1] > 2 * cut else None


def histogram_svg(values: Sequence[float], *, title: str, x_label: str, y_label: str) -> str:
    """A histogram with count axis, value axis and a dashed median marker; a long tail goes
    to one last, open-ended bar (``tail_cut``)."""
    bins = histogram_bins(values, upper=tail_cut(values))
    left, right, top, bottom, height = 56, WIDTH - 16, 24, 206, 250
    y_ticks = count_ticks(max(b.count for b in bins))
    x0, x1 = bins[0].low, bins[-1].high

    def x(value: float) -> float:
        return left + (value - x0) / (x1 - x0) * (right - left)

    def y(count: float) -> float:
        return bottom - count / y_ticks[-1] * (bottom - top)

    parts = [_y_axis(y_ticks, y, left, right)]
    for item in bins:
        span = f"{fmt(item.low)}–{fmt(item.high - 1)}"
        tip = f"{fmt(item.low)} or more" if item.open_ended else span
        tip += f": {fmt(item.count)}"
        parts.append(
            _rect(
                x(item.low) + 0.5,
                y(item.count),
                x(item.high) - x(item.low) - 1,
                bottom - y(item.count),
                tip,
            )
        )
    parts.extend(_bin_labels(bins, x, bottom))
    median = sorted(values)[len(values) // 2]
    parts.append(
        f'<line class="median" x1="{x(median + 0.5):.1f}" x2="{x(median + 0.5):.1f}" '
        f'y1="{top - 6}" y2="{bottom}"/><text class="median-label" x="{x(median + 0.5) + 4:.1f}" '
        f'y="{top - 8}">median {escape(fmt(median))}</text>'
    )
    parts.append(_axis_titles(x_label, y_label, (left + right) / 2, height, (top + bottom) / 2))
    return _svg(WIDTH, height, title, parts)


def bar_svg(
    items: Sequence[tuple[str, int]], *, title: str, x_label: str, label_chars: int = 34
) -> str:
    """Horizontal bars, one labelled row per item in the given order, values at the bar ends."""
    longest = max(len(label) for label, _ in items)
    left = 12 + min(label_chars, longest) * _CHAR_PX
    right, top = WIDTH - 52, 8
    bottom = top + len(items) * _ROW
    height = bottom + 44
    ticks = count_ticks(max(value for _, value in items))

    def x(value: float) -> float:
        return left + value / ticks[-1] * (right - left)

    parts = []
    for tick in ticks:
        parts.append(
            f'<line class="gridline" x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" '
            f'y2="{bottom}"/>'
        )
        parts.append(_tick_label(x(tick), bottom, fmt(tick)))
    for row, (label, value) in enumerate(items):
        y = top + row * _ROW
        shown = label if len(label) <= label_chars else label[: label_chars - 1] + "…"
        parts.append(
            f'<text class="label" x="{left - 8:.1f}" y="{y + _ROW / 2 + 4:.1f}" '
            f'text-anchor="end"><title>{escape(label)}</title>{escape(shown)}</text>'
        )
        parts.append(_rect(left, y + 4, x(value) - left, _ROW - 8, f"{label}: {fmt(value)}"))
        parts.append(
            f'<text class="value" x="{x(value) + 5:.1f}" y="{y + _ROW / 2 + 4:.1f}">'
            f"{escape(fmt(value))}</text>"
        )
    parts.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{bottom}"/>')
    parts.append(f'<line class="axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    parts.append(
        f'<text class="axis-title" x="{(left + right) / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    return _svg(WIDTH, height, title, parts)


def column_svg(items: Sequence[tuple[str, int]], *, title: str, x_label: str, y_label: str) -> str:
    """Vertical bars over ordered categories (days), with thinned category labels."""
    left, right, top, bottom, height = 56, WIDE - 16, 16, 206, 250
    ticks = count_ticks(max(value for _, value in items))
    pitch = (right - left) / len(items)

    def y(count: float) -> float:
        return bottom - count / ticks[-1] * (bottom - top)

    parts = [_y_axis(ticks, y, left, right)]
    gap = min(2.0, pitch * 0.2)
    every = max(1, math.ceil(len(items) / ((right - left) / 90)))
    for index, (label, value) in enumerate(items):
        x = left + index * pitch
        parts.append(
            _rect(x + gap / 2, y(value), pitch - gap, bottom - y(value), f"{label}: {fmt(value)}")
        )
        if index % every == 0:
            parts.append(_tick_label(x + pitch / 2, bottom, label))
    parts.append(_axis_titles(x_label, y_label, (left + right) / 2, height, (top + bottom) / 2))
    return _svg(WIDE, height, title, parts)


def _bin_labels(bins: Sequence[Bin], x: Callable[[float], float], bottom: float) -> list[str]:
    """Up to ~8 x labels: bin edges, or bin centres when each bin holds one integer value; an
    open-ended last bin is labelled ``N+`` at its centre."""
    tail = [bins[-1]] if bins[-1].open_ended else []
    bins = bins[: len(bins) - len(tail)]
    width = bins[0].high - bins[0].low
    every = max(1, math.ceil(len(bins) / 8))
    if width == 1:
        labels = [_tick_label(x(b.low + 0.5), bottom, fmt(b.low)) for b in bins[::every]]
    else:
        edges = [bins[0].low + index * width for index in range(0, len(bins) + 1, every)]
        # no edge label so close to the tail's that the two overlap
        edges = [edge for edge in edges if not tail or edge <= tail[0].low - 2 * width]
        labels = [_tick_label(x(edge), bottom, fmt(edge)) for edge in edges]
    return labels + [_tick_label(x((b.low + b.high) / 2), bottom, f"{fmt(b.low)}+") for b in tail]


def _svg(width: int, height: float, title: str, parts: list[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _rect(x: float, y: float, width: float, height: float, tip: str) -> str:
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" '
        f'height="{max(height, 0):.1f}"><title>{escape(tip)}</title></rect>'
    )


def _y_axis(ticks: list[float], y: Callable[[float], float], left: float, right: float) -> str:
    parts = []
    for tick in ticks:
        level = y(tick)
        parts.append(
            f'<line class="gridline" x1="{left}" x2="{right}" y1="{level:.1f}" '
            f'y2="{level:.1f}"/><text class="tick" x="{left - 6}" y="{level + 4:.1f}" '
            f'text-anchor="end">{escape(fmt(tick))}</text>'
        )
    bottom = y(0)
    parts.append(
        f'<line class="axis" x1="{left}" x2="{right}" y1="{bottom:.1f}" y2="{bottom:.1f}"/>'
    )
    parts.append(
        f'<line class="axis" x1="{left}" x2="{left}" y1="{y(ticks[-1]):.1f}" y2="{bottom:.1f}"/>'
    )
    return "".join(parts)


def _tick_label(x: float, bottom: float, text: str) -> str:
    return (
        f'<line class="axis" x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 4}"/>'
        f'<text class="tick" x="{x:.1f}" y="{bottom + 17}" text-anchor="middle">'
        f"{escape(text)}</text>"
    )


def _axis_titles(x_label: str, y_label: str, x_mid: float, height: float, y_mid: float) -> str:
    return (
        f'<text class="axis-title" x="{x_mid:.1f}" y="{height - 6}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text class="axis-title" transform="translate(14 {y_mid:.1f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
