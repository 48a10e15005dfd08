"""Line charts: y against x, one line per series; dense lines drop their point markers."""

from __future__ import annotations

from typing import Any

from reportsite.charts.columns import Column
from reportsite.charts.describe import by_x
from reportsite.charts.registry import ChartKind, register
from reportsite.charts.types.xy import XyStyle, drawer
from reportsite.values.words import N_

DENSE_POINTS = 100  # a line with more points than this draws no point markers


def mark(x: Column, series: Column | None) -> dict[str, Any]:
    per_series = len(x.values) / max(1, len({str(v) for v in series.values}) if series else 1)
    found: dict[str, Any] = {"type": "line", "strokeWidth": 2, "interpolate": "monotone"
                             if x.kind == "temporal" else "linear"}
    if per_series <= DENSE_POINTS:
        found["point"] = {"size": 28, "filled": True}
    return found


LINE = register(ChartKind("line", N_("Line chart"), drawer(XyStyle(mark)), by_x, whole_x="years"))
