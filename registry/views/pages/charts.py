"""Charts drawn on the server as SVG geometry: bars per category or per year, stacked by series.

A chart is plain data (rectangles, ticks, legend entries with numbers, not text), so the same
chart is drawn by the monitor pages and by the offline annual report, and the template formats
every number in the page's language (``site/templates/monitor_macros.html``). No script is
needed to read it. Yearly charts get one tick per year, gaps filled with zero; every chart has
its zero baseline drawn and a legend when it has more than one series.

>>> chart = bar_chart([("a", "s", 2.0), ("b", "s", 3.0)])
>>> [round(b["h"], 1) for b in chart["bars"]], chart["ticks"][-1]["value"]
([136.0, 204.0], 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 12, 64  # room for the value axis and the category labels
PALETTE = ("#0b4f8a", "#f2a900", "#2e8540", "#b8422e", "#6b4fa0", "#1a8f94", "#8a6d3b", "#5b6b7a",
           "#d96fa6", "#7fa82e")
OTHER = "other"  # the series the smallest are summed into when there are more than colours
MAX_CATEGORIES = 40  # bars drawn at most (the table under the chart has every row)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 up to at least ``top`` (0 … 1 when there is nothing to show)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def bar_chart(points: Iterable[tuple[str, str, float]], *, years: bool = False) -> dict:
    """A (stacked) bar chart of ``(category, series, value)`` points.

    ``years``: the categories are years (integers as text): every year from the first to the
    last gets a tick, those without a value a zero bar. Negative values count as zero."""
    categories: list[str] = []
    series: list[str] = []
    values: dict[tuple[str, str], float] = {}
    for category, name, value in points:
        if category not in categories:
            categories.append(category)
        if name not in series:
            series.append(name)
        values[(category, name)] = values.get((category, name), 0.0) + max(float(value), 0.0)
    if len(series) > len(PALETTE):  # the largest series keep a colour of their own, the rest is "other"
        sums = {name: sum(v for (c, n), v in values.items() if n == name) for name in series}
        kept = sorted(series, key=lambda n: -sums[n])[:len(PALETTE) - 1]
        merged: dict[tuple[str, str], float] = {}
        for (c, n), v in values.items():
            key = (c, n if n in kept else OTHER)
            merged[key] = merged.get(key, 0.0) + v
        values, series = merged, [n for n in series if n in kept] + [OTHER]
    if years and categories:
        numbers = sorted(int(c) for c in categories)
        categories = [str(y) for y in range(numbers[0], numbers[-1] + 1)]
    categories = categories[:MAX_CATEGORIES]
    totals = [sum(values.get((c, s), 0.0) for s in series) for c in categories]
    ticks = nice_ticks(max(totals, default=0.0))
    top = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(categories), 1)
    bar_w = max(slot * 0.7, 1.0)
    bars, labels = [], []
    for i, category in enumerate(categories):
        x = LEFT + i * slot + (slot - bar_w) / 2
        base = 0.0
        for j, name in enumerate(series):
            value = values.get((category, name), 0.0)
            if value <= 0:
                continue
            h = value / top * plot_h
            bars.append({"x": x, "y": TOP + plot_h - (base + h), "w": bar_w, "h": h, "value": value,
                         "category": category, "series": name, "fill": PALETTE[j % len(PALETTE)]})
            base += h
        labels.append({"x": x + bar_w / 2, "y": TOP + plot_h + 14, "text": category,
                       "rotate": not years and len(categories) > 6})
    tick_rows = [{"y": TOP + plot_h - t / top * plot_h, "value": t} for t in ticks]
    legend = [{"name": s, "fill": PALETTE[j % len(PALETTE)]} for j, s in enumerate(series)] \
        if len(series) > 1 or (series and series[0]) else []
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
            "baseline": TOP + plot_h, "bars": bars, "labels": labels, "ticks": tick_rows,
            "legend": legend, "years": years, "empty": not bars,
            "cut": max(len(categories) - MAX_CATEGORIES, 0)}


def gauge(value: float | None, target: float, *, lower_is_better: bool = False, scale: float = 1.0) -> dict:
    """A progress bar from 0 to ``scale`` with the value and a mark at the target."""
    width = 400
    shown = None if value is None else min(max(value / scale, 0.0), 1.0)
    reached = None if value is None else (value <= target if lower_is_better else value >= target)
    return {"width": width, "value": value, "target": target, "bar": None if shown is None else shown * width,
            "mark": min(max(target / scale, 0.0), 1.0) * width, "reached": reached,
            "lower_is_better": lower_is_better}


__all__ = ["OTHER", "PALETTE", "bar_chart", "gauge", "nice_ticks"]
