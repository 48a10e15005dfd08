"""Pie (donut) charts: one slice per x category sized by y; the slices take the page's category colours."""

from __future__ import annotations

from typing import Any

from reportsite.charts.builder import Builder
from reportsite.charts.describe import Facts, is_number, x_head
from reportsite.charts.registry import ChartKind, Layers, register
from reportsite.values.words import N_


def draw(self: Builder) -> Layers:
    label, size = self.column(self.params.x), self.column(self.params.y)
    color = self.color(label)
    color["legend"] = {"title": None}
    return [{"mark": {"type": "arc", "innerRadius": 50, "stroke": "#fff"},
             "encoding": {"theta": {"field": size.field, "type": "quantitative", "stack": True, "title": size.title},
                          "color": color,
                          "order": {"field": size.field, "type": "quantitative", "sort": "descending"},
                          "tooltip": self.tooltips()}}], {}


def describe(facts: Facts) -> str:
    """The categories, then the largest slice's share of the total."""
    head, data, y = x_head(facts), facts.data, facts.y
    if data.get(y):
        total = sum(float(v) for v in data[y] if is_number(v))
        best = max(((v, label) for v, label in zip(data[y], data[facts.params.x], strict=True) if is_number(v)),
                   key=lambda pair: pair[0], default=None)
        if best is not None and total > 0:
            return " ".join([head, facts.words.gettext("Largest: %(label)s, %(share)s of the total.",
                                                       label=str(best[1]),
                                                       share=facts.formats.percent(float(best[0]) / total))])
    return head


def slices(params: Any) -> str | None:
    """The slices' column (x)."""
    return params.x  # type: ignore[no-any-return]


PIE = register(ChartKind("pie", N_("Pie chart"), draw, describe, colored=slices, folded=slices))
