"""Server-rendered SVG charts: one small approach used everywhere (no JavaScript, no chart library).

Functions here turn series into geometry; templates/charts/*.html draw it. Charts are readable without
colour: every series has its own dash pattern and marker shape, values are labelled, and each chart has
its numbers as a table for screen readers and for anyone who wants them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

WIDTH, HEIGHT = 640, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 64, 12, 12, 28
MAX_POINTS = 400  # longer series are down-sampled (by bucket means) before drawing


@dataclass
class Series:
    label: str
    points: list[tuple[datetime, float | None]]  # None: no reading (a failed check): a gap in the line
    style: str = "solid"  # solid | dashed | dotted: tells series apart without colour
    marker: str = "circle"  # circle | square


@dataclass
class LineChart:
    title: str
    unit: str
    width: int = WIDTH
    height: int = HEIGHT
    paths: list[dict] = field(default_factory=list)
    y_ticks: list[dict] = field(default_factory=list)
    x_ticks: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # the data table
    guides: list[dict] = field(default_factory=list)  # baseline / threshold lines
    empty: bool = True
    summary: str = ""
    note: str = ""  # shown instead of an empty chart


@dataclass
class Guide:
    """A horizontal reference line: the baseline, an alert threshold."""

    label: str
    value: float
    kind: str = "baseline"  # baseline | threshold: drawn differently, named in the legend


def nice_step(span: float, max_ticks: int = 5) -> float:
    """The smallest 1-2-5 step (…, 0.1, 0.2, 0.5, 1, 2, 5, 10, …) that covers `span` in at most max_ticks-1 steps."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, max_ticks - 1)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw * (1 - 1e-9):
            return m * power
    return 10 * power


def nice_ticks(lo: float, hi: float, max_ticks: int = 5) -> list[float]:
    """Round tick values on 1-2-5 steps that enclose lo..hi (the axis runs from the first to the last)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo, max_ticks)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    count = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(count + 1)]


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0


def _fmt(value: float, unit: str, decimals: int | None = None) -> str:
    if unit == "%":
        return f"{value:.{1 if decimals is None else decimals}f}%"
    if unit == "★":
        return f"{value:.{1 if decimals is None else decimals}f}★"
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"


def _axis_range(values: list[float], unit: str, zero_based: bool) -> tuple[float, float]:
    """The value range an axis must show: every value, with floors that keep small moves small."""
    lo, hi = min(values), max(values)
    if unit == "★":  # stars live in 0–5; at least a whole star shown, so 4.6 → 4.5 is no cliff
        hi = 5.0
        lo = max(0.0, min(lo, hi - 1.0))
    elif unit == "%":
        hi = min(100.0, hi)
        lo = 0.0 if zero_based else max(0.0, min(lo, hi - 5.0))
    elif zero_based:
        lo = min(0.0, lo)
    elif hi - lo < abs(hi) * 0.1:  # a flat price: show ±5% around it, not a magnified wiggle
        mid = (hi + lo) / 2
        lo, hi = mid - abs(mid) * 0.05 or mid - 1, mid + abs(mid) * 0.05 or mid + 1
    return lo, hi


DAY = 86400.0
TIME_STEPS = [3600 * h for h in (1, 3, 6, 12)] + [DAY * d for d in (1, 2, 7, 14, 30, 60, 90)]


def time_ticks(t0: datetime, t1: datetime, max_ticks: int = 6) -> list[tuple[datetime, str]]:
    """Round times (whole hours or midnights) between t0 and t1, each label different from the others."""
    span = (t1 - t0).total_seconds()
    if span <= 0:
        return [(t0, f"{t0:%b %d %H:%M}")]
    step = next((st for st in TIME_STEPS if span / st <= max_ticks - 1), TIME_STEPS[-1])
    if step < DAY:
        start = t0.replace(minute=0, second=0, microsecond=0)
    else:
        start = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    ticks, t = [], start
    while t <= t1:
        if t >= t0:
            ticks.append(t)
        t += timedelta(seconds=step)
    if len(ticks) < 2:  # a short span: its two ends, to the minute
        ticks = [t0, t1]
        step = min(step, DAY - 1)
    labelled, previous_day, seen = [], None, set()
    for t in ticks:
        if step < DAY:
            label = f"{t:%H:%M}" if previous_day == t.date() else f"{t:%b %d %H:%M}"
        else:
            label = f"{t:%b %d}" if span < 330 * DAY else f"{t:%b %d %Y}"
        previous_day = t.date()
        if label not in seen:
            seen.add(label)
            labelled.append((t, label))
    return labelled


def _downsample(points: list[tuple[datetime, float | None]]) -> list[tuple[datetime, float | None]]:
    if len(points) <= MAX_POINTS:
        return points
    step = len(points) / MAX_POINTS
    result = []
    for i in range(MAX_POINTS):
        bucket = points[int(i * step) : int((i + 1) * step)] or points[-1:]
        values = [v for _, v in bucket if v is not None]
        result.append((bucket[-1][0], sum(values) / len(values) if values else None))
    return result


MAX_MARKERS = 60  # points with a hover/focus value; longer series get that many, evenly spread


def line_chart(
    title: str,
    series: list[Series],
    unit: str = "",
    *,
    zero_based: bool = False,
    guides: list[Guide] | None = None,
    empty_note: str = "",
) -> LineChart:
    chart = LineChart(title=title, unit=unit)
    chart.note = empty_note
    all_points = [(t, v) for s in series for t, v in s.points if v is not None]
    if not all_points:
        chart.summary = "No readings yet."
        return chart
    chart.empty = False
    times = [t for s in series for t, v in s.points if v is not None]
    t0, t1 = min(times), max(times)
    span = (t1 - t0).total_seconds()
    values = [v for _, v in all_points]
    guides = [g for g in (guides or []) if g.value is not None and math.isfinite(g.value)]
    lo, hi = _axis_range(values + [g.value for g in guides], unit, zero_based)
    ticks = nice_ticks(lo, hi, 6 if unit == "★" else 5)
    if unit == "%" and ticks[-1] > 100 >= hi:
        ticks = [t for t in ticks if t <= 100] or ticks
        if ticks[-1] < hi:
            ticks.append(100.0)
    if unit == "★":
        ticks = [t for t in ticks if 0 <= t <= 5] or ticks
    lo, hi = ticks[0], ticks[-1]
    decimals = _decimals(ticks[1] - ticks[0]) if len(ticks) > 1 else 1
    plot_w = chart.width - PAD_LEFT - PAD_RIGHT
    plot_h = chart.height - PAD_TOP - PAD_BOTTOM

    def x(t: datetime) -> float:
        if span == 0:
            return round(PAD_LEFT + plot_w / 2, 1)
        return round(PAD_LEFT + (t - t0).total_seconds() / span * plot_w, 1)

    def y(v: float) -> float:
        return round(PAD_TOP + (1 - (v - lo) / (hi - lo)) * plot_h, 1)

    for s in series:
        points = _downsample(s.points)
        d, pen_down, markers = [], False, []
        known = [(t, v) for t, v in points if v is not None]
        every = max(1, math.ceil(len(known) / MAX_MARKERS))
        for t, v in points:
            if v is None:
                pen_down = False
                continue
            d.append(f"{'L' if pen_down else 'M'}{x(t)},{y(v)}")
            pen_down = True
        for i, (t, v) in enumerate(known):
            if i % every == 0 or i == len(known) - 1:
                markers.append(
                    {
                        "x": x(t),
                        "y": y(v),
                        "label": f"{t:%Y-%m-%d %H:%M}: {_fmt(v, unit)}",
                        "visible": len(known) <= MAX_MARKERS,
                    }
                )
        if len(known) == 1:  # a single reading: a dot, not an invisible zero-length line
            markers[0]["visible"] = True
        last = known[-1][1] if known else None
        chart.paths.append(
            {
                "d": " ".join(d),
                "style": s.style,
                "marker": s.marker,
                "label": s.label,
                "markers": markers,
                "last": None if last is None else _fmt(last, unit),
            }
        )
    chart.guides = [
        {"y": y(g.value), "label": g.label, "kind": g.kind, "value": _fmt(g.value, unit)}
        for g in guides
        if lo <= g.value <= hi
    ]
    chart.y_ticks = [{"y": y(v), "label": _fmt(v, unit, decimals)} for v in ticks]
    labelled = time_ticks(t0, t1)
    chart.x_ticks = [
        {
            "x": x(t),
            "label": label,
            "alt": 0 < i < len(labelled) - 1 and i % 2 == 1,  # left out where the chart is narrow
            # the ends stay inside the chart (no overflow that would scroll a phone sideways)
            "anchor": "start" if i == 0 and len(labelled) > 1 else "end" if i == len(labelled) - 1 > 0 else "middle",
        }
        for i, (t, label) in enumerate(labelled)
    ]
    first_series = series[0]
    known = [(t, v) for t, v in first_series.points if v is not None]
    if known:
        (ta, va), (tb, vb) = known[0], known[-1]
        chart.summary = (
            f"{first_series.label}: {_fmt(va, unit)} on {ta:%Y-%m-%d}, {_fmt(vb, unit)} on {tb:%Y-%m-%d}; "
            f"lowest {_fmt(min(v for _, v in known), unit)}, highest {_fmt(max(v for _, v in known), unit)}."
        )
    # The table: at most one row per day (the last reading of the day), newest first.
    by_day: dict[str, dict] = {}
    for s in series:
        for t, v in s.points:
            if v is not None:
                by_day.setdefault(f"{t:%Y-%m-%d}", {})[s.label] = _fmt(v, unit)
    chart.rows = [
        {"day": day, "values": [vals.get(s.label, "—") for s in series]}
        for day, vals in sorted(by_day.items(), reverse=True)[:120]
    ]
    return chart


def as_float(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def histogram_bars(histogram: dict | None) -> list[dict]:
    """Star histogram as bars: each with its count and share, 5★ first."""
    if not histogram:
        return []
    counts = {int(k): int(v or 0) for k, v in histogram.items()}
    total = sum(counts.values()) or 1
    top = max(counts.values()) or 1
    return [
        {
            "stars": star,
            "count": counts.get(star, 0),
            "share": counts.get(star, 0) / total * 100,
            "width": round(counts.get(star, 0) / top * 100, 1),
        }
        for star in (5, 4, 3, 2, 1)
    ]
