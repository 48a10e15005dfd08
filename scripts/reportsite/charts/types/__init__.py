"""The chart types, one module each; importing this package registers them (``charts.registry``).

A new chart type is one module here that calls ``registry.register`` and one line below, plus its name in
``config.chart_rules`` so report files may use it.
"""

from __future__ import annotations

from reportsite.charts.types import area, bar, heatmap, histogram, line, pie, scatter

__all__ = ["area", "bar", "heatmap", "histogram", "line", "pie", "scatter"]
