"""What every chart type draws with: its columns, the page's context, and the shared axes, colours and tooltips.

A chart type (a module of ``charts.types``) gets a ``Builder`` and returns its layers; what it computes along the
way for the page script (``meta``: ticks, label lengths, legend size) and fields it derives (bar middles) stay on
the builder for ``spec.vega_lite`` to put into the spec.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportsite.charts import colors, dates, numbers, order, temporal
from reportsite.charts.columns import ChartContext, Column
from reportsite.charts.values import looks_like_id
from reportsite.config.models import Chart
from reportsite.values.timevalues import chart_instant, period_end, span_days

BAR_GAP = 0.07  # the share of its period a time-axis bar leaves empty at each end


class Builder:
    """Encodings and marks for one chart: the pieces chart types share."""

    def __init__(self, chart: Chart, columns: dict[str, Column], ctx: ChartContext) -> None:
        self.chart, self.params, self.columns, self.ctx = chart, chart.params, columns, ctx
        self.meta: dict[str, Any] = {}
        self.derived: dict[str, list[Any]] = {}  # fields computed here (bar middles), added to the data

    def col(self, name: str | None) -> Column | None:
        return self.columns.get(name) if name else None

    def column(self, name: str | None) -> Column:
        """A column the chart type needs (config has checked it is given)."""
        found = self.col(name)
        assert found is not None
        return found

    def tooltips(self) -> list[dict[str, Any]]:
        params = self.params
        order = [params.color, params.x, params.y, params.y2, *params.tooltip]
        other = self.ctx.currency if self.ctx.page_currency and self.ctx.currency != self.ctx.page_currency else None
        return [c.tooltip(self.ctx.locale, other) for c in (self.col(n) for n in dict.fromkeys(o for o in order if o))
                if c]

    def value_axis(self, column: Column, zero_default: bool, axis_name: str, stack: str | None = None
                   ) -> dict[str, Any]:
        params = self.params
        zero = params.zero if params.zero is not None and axis_name != "x" else zero_default  # zero: the value axis
        scale: dict[str, Any] = {"zero": zero}
        if axis_name in params.log:
            found = [float(v) for v in column.values if v is not None]
            scale = {"type": "log"} if found and min(found) > 0 else {"type": "symlog"}
        if not scale.get("zero", True) and "type" not in scale:
            scale["nice"] = True
        distinct = {float(v) for v in column.values if v is not None}
        if len(distinct) <= 1 and "type" not in scale and stack != "normalize":
            only = next(iter(distinct), 0.0)  # one value: a scale from zero to it, so the axis has two ticks
            scale = {"zero": True} if only else {"domain": [0, 1]}
        style = "percent" if stack == "normalize" else column.style
        self.meta.setdefault("value_labels", {})[axis_name] = numbers.label_chars(style, column.values,
                                                                                   self.ctx.locale, self.ctx.currency)
        axis: dict[str, Any] = {"labelExpr": numbers.axis_label_expr(style, self.ctx.locale, self.ctx.currency,
                                                                     values=column.values),
                                "tickCount": 6, "labelFlush": True, "labelOverlap": True, "labelBound": True,
                                "labelSeparation": 6}
        if style == "plain" and column.kind == "quantitative":
            axis["tickMinStep"] = 1  # whole numbers (years, ids) never get ticks in between
        encoding = {"field": column.field, "type": "quantitative", "title": column.title, "scale": scale,
                    "axis": axis}
        return encoding

    def natural(self, column: Column) -> list[Any] | None:
        """The category values in their natural order (hours, weekdays, months), or None: the query's order."""
        return order.natural_order(column.values, self.ctx.locale, looks_like_id(column.name))

    def category_axis(self, column: Column, sort: Any = None, turns: bool = False) -> dict[str, Any]:
        """A category axis; ``turns``: its labels turn when they do not fit (bars) instead of thinning out."""
        labels = [str(v) for v in column.values if v is not None]
        encoding: dict[str, Any] = {"field": column.field, "type": "ordinal" if column.kind == "ordinal"
                                    else "nominal", "title": column.title, "sort": sort or self.natural(column),
                                    "axis": {"labelLimit": 180, "labelOverlap": False, "labelAngle": 0}}
        if column.kind == "ordinal":
            encoding["axis"]["labelOverlap"] = not turns  # bars turn their labels instead
            encoding["axis"]["labelExpr"] = "format(datum.value, 'd')" if all(
                isinstance(v, int | float) for v in column.values if v is not None) else "datum.label"
        self.meta["categories"] = {"count": len(set(labels)), "longest": max((len(v) for v in labels), default=0)}
        return encoding

    def time_axis(self, column: Column, banded: bool) -> dict[str, Any]:
        span = span_days(column.values, self.ctx.timezone) * 86400
        instants = [chart_instant(v, self.ctx.timezone) for v in column.values if isinstance(v, dt.date)]
        first = min(instants, default=None)
        week_start = order.first_weekday(self.ctx.locale)
        if column.grain == "week" and first is not None:  # weekly data: ticks on its own weeks' first day
            week_start = (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=first)).weekday()
        candidates = temporal.ticks(column.grain, span, dates.patterns(self.ctx.locale), first,
                                    max(instants, default=None), week_start)
        self.meta["ticks"] = candidates
        encoding: dict[str, Any] = {"field": column.field, "type": "temporal", "title": column.title,
                                    "scale": {"type": "utc"}, "axis": temporal.axis(candidates[0])}
        if banded:
            encoding["timeUnit"] = {"unit": temporal.time_unit(column.grain), "utc": True}
        return encoding

    def period_bars(self, column: Column, position: dict[str, Any]) -> dict[str, Any]:
        """Bars on a time axis as wide as their period, less a small gap: each runs from just after its period's
        start to just before its end (``x`` and the returned ``x2``), the domain from the first period's start to
        the last one's end. Drawn with two ends, not a middle and a width: Vega's expression interpreter (the
        pages' CSP allows no eval) places every bar of a middle and a width at the axis's left edge."""
        zone = self.ctx.timezone
        starts = [chart_instant(v, zone) if v is not None else None for v in column.values]
        ends = [chart_instant(period_end(v, column.grain, zone), "UTC") if v is not None else None
                for v in column.values]
        first, last = f"{column.field}__from", f"{column.field}__to"
        pairs = list(zip(starts, ends, strict=True))
        self.derived[first] = [None if a is None or b is None else a + round((b - a) * BAR_GAP) for a, b in pairs]
        self.derived[last] = [None if a is None or b is None else b - round((b - a) * BAR_GAP) for a, b in pairs]
        known = [(a, b) for a, b in pairs if a is not None and b is not None]
        position["field"] = first
        if known:
            position["scale"].update(domain=[min(a for a, _ in known), max(b for _, b in known)], nice=False,
                                     padding=0)  # Vega-Lite pads by a bar width otherwise
        return {"field": last}

    def color(self, column: Column) -> dict[str, Any]:
        labels = [colors.category_label(v) for v in column.values]
        encoding = {"field": column.field, "type": "nominal", "title": column.title,
                    "scale": colors.scale(labels, self.ctx.colors or colors.page_colors(
                        labels, self.ctx.primary_color, self.ctx.words.gettext(colors.OTHER)), self.ctx.primary_color),
                    "sort": None, "legend": {}}
        self.meta["legend"] = {"count": len(set(labels)), "longest": max((len(v) for v in labels), default=0)}
        return encoding

    def rules(self, horizontal: bool) -> list[dict[str, Any]]:
        layers = []
        for rule in self.params.rules:
            along = "y" if rule.y is not None else "x"
            if horizontal:
                along = "x" if along == "y" else "y"
            position = rule.y if rule.y is not None else rule.x
            datum = chart_instant(position, self.ctx.timezone) if isinstance(position, dt.date) else position
            mark = {"type": "rule", "strokeDash": [5, 4], "strokeWidth": 1.5, "color": "#64748b", "aria": False}
            place: dict[str, Any] = {"datum": datum}
            if isinstance(position, dt.date):
                place["type"] = "temporal"
            one: dict[str, Any] = {"values": [{}]}  # drawn once, not once per row of the chart's data
            layers.append({"data": one, "mark": mark, "encoding": {along: place}})
            if rule.label:
                text = {"type": "text", "aria": False, "text": rule.label, "align": "right" if along == "y" else "left",
                        "baseline": "bottom", "dx": -4 if along == "y" else 4, "dy": -3, "color": "#475569",
                        "fontSize": 11, "x": "width" if along == "y" else None, "y": 0 if along == "x" else None}
                layers.append({"data": one, "mark": {k: v for k, v in text.items() if v is not None},
                               "encoding": {along: dict(place)}})
        return layers


__all__ = ["Builder"]
