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
    return {"type": "bar", "cornerRadiusEnd": 2, "tooltip": True}


def folded(params: Any) -> str | None:
    """The series, or without them the bars' own categories."""
    return params.color or params.x  # type: ignore[no-any-return]


BAR = register(ChartKind("bar", N_("Bar chart"), drawer(XyStyle(mark, stacks=True, bars=True)), by_x,
                         folded=folded, whole_x="categories"))
