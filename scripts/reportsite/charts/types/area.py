"""Area charts: y against x filled down to zero, series stacked."""

from __future__ import annotations

from typing import Any

from reportsite.charts.columns import Column
from reportsite.charts.describe import by_x
from reportsite.charts.registry import ChartKind, register
from reportsite.charts.types.xy import XyStyle, drawer
from reportsite.values.words import N_


def mark(x: Column, series: Column | None) -> dict[str, Any]:
    return {"type": "area", "opacity": 0.8, "line": {"strokeWidth": 1.5}}


AREA = register(ChartKind("area", N_("Area chart"), drawer(XyStyle(mark, stacks=True)), by_x, whole_x="years"))
