"""Server-rendered SVG charts: one small approach used everywhere (no JavaScript, no chart library).

Functions here turn series into geometry; templates/charts/*.html draw it. Charts are readable without
colour: every series has its own dash pattern and marker shape, values are labelled, and each chart has
its numbers as a table for screen readers and for anyone who wants them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

WIDTH, HEIGHT = 640, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 12, 12, 28
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
    empty: bool = True
    summary: str = ""


def _fmt(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "★":
        return f"{value:.1f}★"
    return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"


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


def line_chart(title: str, series: list[Series], unit: str = "", *, zero_based: bool = False) -> LineChart:
    chart = LineChart(title=title, unit=unit)
    all_points = [(t, v) for s in series for t, v in s.points if v is not None]
    if not all_points:
        chart.summary = "No readings yet."
        return chart
    chart.empty = False
    times = [t for s in series for t, _ in s.points]
    t0, t1 = min(times), max(times)
    span = (t1 - t0).total_seconds() or 1.0
    values = [v for _, v in all_points]
    lo, hi = (0.0 if zero_based else min(values)), max(values)
    if hi == lo:
        lo, hi = lo - (abs(lo) * 0.05 or 1), hi + (abs(hi) * 0.05 or 1)
    margin = (hi - lo) * 0.08
    lo, hi = (lo if zero_based else lo - margin), hi + margin
    plot_w = chart.width - PAD_LEFT - PAD_RIGHT
    plot_h = chart.height - PAD_TOP - PAD_BOTTOM

    def x(t: datetime) -> float:
        return round(PAD_LEFT + (t - t0).total_seconds() / span * plot_w, 1)

    def y(v: float) -> float:
        return round(PAD_TOP + (1 - (v - lo) / (hi - lo)) * plot_h, 1)

    for s in series:
        points = _downsample(s.points)
        d, pen_down, markers = [], False, []
        for t, v in points:
            if v is None:
                pen_down = False
                continue
            d.append(f"{'L' if pen_down else 'M'}{x(t)},{y(v)}")
            pen_down = True
            if len(points) <= 60:
                markers.append({"x": x(t), "y": y(v), "label": f"{t:%Y-%m-%d %H:%M}: {_fmt(v, unit)}"})
        last = next((v for _, v in reversed(s.points) if v is not None), None)
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
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        chart.y_ticks.append({"y": y(v), "label": _fmt(v, unit)})
    for i in range(4):
        t = t0 + (t1 - t0) * i / 3
        chart.x_ticks.append({"x": x(t), "label": f"{t:%b %d}"})
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
