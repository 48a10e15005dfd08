"""Heatmaps: a grid of x by y, each cell shaded by its value (``params.color``) or by its count of rows."""

from __future__ import annotations

from typing import Any

from reportsite.charts import numbers
from reportsite.charts.builder import Builder
from reportsite.charts.columns import Column
from reportsite.charts.describe import Facts, extremes, written
from reportsite.charts.registry import ChartKind, Layers, nothing, register
from reportsite.values.words import N_


def draw(self: Builder) -> Layers:
    x, y, value = self.column(self.params.x), self.column(self.params.y), self.col(self.params.color)

    def axis(column: Column) -> dict[str, Any]:
        if column.kind == "temporal":
            encoding = self.time_axis(column, banded=True)
            return encoding
        self.meta.setdefault("heatmap_labels", {})[
            "x" if column is x else "y"] = max((len(str(v)) for v in column.values if v is not None), default=0)
        return {"field": column.field, "type": "ordinal", "title": column.title, "sort": self.natural(column),
                "axis": {"labelLimit": 140, "labelOverlap": True}}

    encoding: dict[str, Any] = {"x": axis(x), "y": axis(y), "tooltip": self.tooltips()}
    if value is not None:
        encoding["color"] = {"field": value.field, "type": "quantitative", "title": value.title,
                             "scale": {"scheme": "blues"},
                             "legend": {"format": numbers.tooltip_format(value.style, value.values),
                                        "gradientLength": 160, "labelOverlap": True}}
        self.meta["gradient"] = True
    else:
        encoding["color"] = {"aggregate": "count", "type": "quantitative", "title": self.ctx.words.gettext("Count"),
                             "scale": {"scheme": "blues"}}
    rows = len({str(v) for v in y.values})
    self.meta["row_labels"] = max((len(str(v)) for v in y.values), default=0)
    return [{"mark": {"type": "rect", "stroke": "#fff", "strokeWidth": 0.5}, "encoding": encoding}], {
        "height": max(160, min(22 * rows + 60, 1600))}


def describe(facts: Facts) -> str:
    """'Heatmap of sales by weekday and hour: 168 cells.' and the hottest and coolest cells."""
    params, data, kinds, formats, y = facts.params, facts.data, facts.kinds, facts.formats, facts.y
    value_column = params.color if params.color else y
    at = [f"{written(formats, a, kinds[params.x])}, {written(formats, b, kinds[y])}"
          for a, b in zip(data[params.x], data[y], strict=True)]
    head = facts.words.ngettext("%(kind)s of %(value)s by %(x)s and %(y)s: %(count)s cell.",
                                "%(kind)s of %(value)s by %(x)s and %(y)s: %(count)s cells.", facts.count,
                                kind=facts.kind, value=facts.titles.get(value_column, value_column), x=facts.x_title,
                                y=facts.y_title, count=formats.number(facts.count))
    if value_column not in data:
        return head
    return f"{head} {extremes(formats, data[value_column], at, kinds[value_column], 'text')}".strip()


HEATMAP = register(ChartKind("heatmap", N_("Heatmap"), draw, describe, colored=nothing, folded=nothing))
