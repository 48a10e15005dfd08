"""Histograms: how many rows fall in each bin of x (``params.bins``), stacked by series."""

from __future__ import annotations

from typing import Any

from reportsite.charts import numbers
from reportsite.charts.builder import Builder
from reportsite.charts.describe import Facts, is_number, written
from reportsite.charts.registry import ChartKind, Layers, register
from reportsite.values.words import N_


def draw(self: Builder) -> Layers:
    value = self.column(self.params.x)
    bins = {"maxbins": self.params.bins or 20}
    x = {"field": value.field, "type": "quantitative", "title": value.title, "bin": bins,
         "axis": {"labelExpr": numbers.axis_label_expr(value.style, self.ctx.locale, self.ctx.currency)}}
    count = self.ctx.words.gettext("Count")
    encoding: dict[str, Any] = {"x": x, "y": {"aggregate": "count", "type": "quantitative", "title": count,
                                              "axis": {"tickCount": 5, "tickMinStep": 1, "format": ",d"}},
                                "tooltip": [{"field": value.field, "bin": dict(bins), "type": "quantitative",
                                             "title": value.title,
                                             "format": numbers.tooltip_format(value.style, value.values)},
                                            {"aggregate": "count", "type": "quantitative", "title": count}]}
    series = self.col(self.params.color)
    if series:
        encoding["color"] = self.color(series)
    return [{"mark": {"type": "bar", "cornerRadiusEnd": 1, "binSpacing": 1}, "encoding": encoding}], {}


def describe(facts: Facts) -> str:
    """'Histogram of price: 120 values from 3 to 480.'"""
    x = facts.params.x
    values = [v for v in facts.data[x] if is_number(v)]
    if not values:
        return facts.words.gettext("%(kind)s of %(x)s.", kind=facts.kind, x=facts.x_title)
    return facts.words.ngettext("%(kind)s of %(x)s: %(count)s value from %(low)s to %(high)s.",
                                "%(kind)s of %(x)s: %(count)s values from %(low)s to %(high)s.", len(values),
                                kind=facts.kind, x=facts.x_title, count=facts.formats.number(len(values)),
                                low=written(facts.formats, min(values), facts.kinds[x]),
                                high=written(facts.formats, max(values), facts.kinds[x]))


HISTOGRAM = register(ChartKind("histogram", N_("Histogram"), draw, describe))
