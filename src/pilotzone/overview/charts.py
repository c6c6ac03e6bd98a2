"""Server-side SVG chart geometry (the templates draw it): grouped horizontal bars per city and
vertical bars per month. Every bar carries its number as text; the second series is hatched, so
nothing depends on colour."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    series: int  # 0 solid, 1 hatched


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str]]  # (x, y, text) category labels


def city_bars(rows: list[tuple[str, int, int]], width: int = 640) -> Chart:
    """Two bars per city: submitted (solid) and decided (hatched), each labelled with its value."""
    left, bar, gap = 150, 16, 14
    peak = max([max(a, b) for _name, a, b in rows] + [1])
    scale = (width - left - 70) / peak
    bars: list[Bar] = []
    labels: list[tuple[float, float, str]] = []
    y = 10.0
    for name, submitted, decided in rows:
        labels.append((left - 8, y + bar + 4, name))
        for series, value in enumerate((submitted, decided)):
            bars.append(Bar(left, y, max(value * scale, 1), bar, value, str(value), series))
            y += bar + 2
        y += gap
    return Chart(width, int(y) + 10, bars, labels)


def month_bars(points: list[tuple[str, int]], height: int = 220) -> Chart:
    """One bar per month with its count above it and the month below."""
    left, step, top, bottom = 10, 46, 20, 30
    peak = max([v for _m, v in points] + [1])
    scale = (height - top - bottom) / peak
    bars: list[Bar] = []
    labels: list[tuple[float, float, str]] = []
    for i, (month, value) in enumerate(points):
        h = max(value * scale, 1)
        x = left + i * step
        bars.append(Bar(x, height - bottom - h, step - 10, h, value, f"{value:,}", 0))
        labels.append((x + (step - 10) / 2, height - bottom + 16, month[2:]))
    return Chart(left + step * max(len(points), 1) + 10, height, bars, labels)


def value_bars(rows: list[tuple[str, int]], width: int = 640) -> Chart:
    """One solid bar per category (a customs mode and direction) with its value (whole 万元) after it."""
    left, bar, gap = 230, 18, 10
    peak = max([v for _name, v in rows] + [1])
    scale = (width - left - 90) / peak
    bars: list[Bar] = []
    labels: list[tuple[float, float, str]] = []
    y = 10.0
    for name, value in rows:
        labels.append((left - 8, y + bar - 4, name))
        bars.append(Bar(left, y, max(value * scale, 1), bar, value, f"{value:,}", 0))
        y += bar + gap
    return Chart(width, int(y) + 10, bars, labels)
