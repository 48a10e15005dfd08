"""Bar charts: bars stand on zero and stack by series; many or long categories lie horizontally, bars on a time
axis are as wide as their period, and without series ``params.top`` folds the smallest categories."""

from __future__ import annotations

from typing import Any

from reportsite.charts.columns import Column
from reportsite.charts.describe import by_x
from reportsite.charts.registry import ChartKind, register
from reportsite.charts.types.xy import XyStyle, drawer
from reportsite.values.words import N_


def mark(x: Column, series: Column | None) -> dict[str, Any]:
    """Rounded ends on category bars only: Vega-Lite 6.4 draws every bar of a continuous (time or number) axis
    at its left edge when the bar has a corner radius."""
    if x.kind == "temporal":  # each bar spans its period (x to x2) and stands up from zero (y stacks)
        return {"type": "bar", "orient": "vertical", "tooltip": True}
    if x.kind != "nominal":
        return {"type": "bar", "tooltip": True}
    return {"type": "bar", "cornerRadiusEnd": 2, "tooltip": True}


def folded(params: Any) -> str | None:
    """The series, or without them the bars' own categories."""
    return params.color or params.x  # type: ignore[no-any-return]


BAR = register(ChartKind("bar", N_("Bar chart"), drawer(XyStyle(mark, stacks=True, bars=True)), by_x,
                         folded=folded, whole_x="categories"))
