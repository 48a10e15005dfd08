"""Chart spec + query result → Vega-Lite JSON (built with Altair's schema; data inline). Pure: no I/O.

Choices a person would make by hand are made from the data: a time axis follows the data's grain, a
value axis starts at zero only where the mark needs it, many or long categories turn bars horizontal,
dense lines drop their point markers, years and ids print without separators, and one category keeps
one colour across the page.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from reportsite.charts import colors, dates, numbers, order, palette, temporal
from reportsite.charts.columns import ChartContext, Column, link_marks, make_column
from reportsite.charts.theme import light_config
from reportsite.charts.values import (
    column_kind,
    field_names,
    looks_like_id,
    records,
    shown_titles,
)
from reportsite.config.models import Chart
from reportsite.values.timevalues import chart_instant, period_end, span_days
from reportsite.values.words import ENGLISH, Words

DENSE_POINTS = 100  # a line with more points than this draws no point markers
HORIZONTAL_CATEGORIES = 8  # more bars than this are drawn horizontally
LONG_LABEL = 12  # characters; longer bar labels turn bars horizontal
HEIGHT = 300
MAX_SERIES = palette.SIZE  # more colour series than this fold the smallest into 'Other'


def colored_categories(chart: Chart, table: Any, words: Words = ENGLISH) -> list[Any]:
    """The category values this chart colours (series or pie slices), in query order, after folding."""
    params = chart.params
    table = fold(chart, table, words)
    column = params.x if chart.type == "pie" else params.color
    if not column or column not in table.column_names:
        return []
    if chart.type == "heatmap" or column_kind(table.schema.field(column).type) != "nominal":
        return []
    return [colors.category_label(v) for v in table.column(column).to_pylist()]


def fold(chart: Chart, table: Any, words: Words = ENGLISH) -> Any:
    """Apply ``params.top``: keep the N largest categories, fold the rest into 'Other' (in the site's words)."""
    params = chart.params
    if table.num_rows == 0 or chart.type == "heatmap":
        return table
    category = params.x if chart.type == "pie" or (chart.type == "bar" and not params.color) else params.color
    if not category or category not in table.column_names:
        return table
    if column_kind(table.schema.field(category).type) != "nominal":
        return table
    keep = params.top
    if keep is None and (category == params.color or chart.type == "pie"):
        distinct = len(set(table.column(category).to_pylist()))
        keep = MAX_SERIES - 1 if distinct > MAX_SERIES else None  # past the palette, series cannot be told apart
    if not keep:
        return table
    value = params.y if params.y in table.column_names and column_kind(
        table.schema.field(params.y).type) == "quantitative" else None
    others = [c for c in (params.x, params.y2) if c and c != category]
    return colors.fold_top(table, category, value, keep, *others, other=words.gettext(colors.OTHER))


def vega_lite(chart: Chart, table: Any, context: ChartContext | None = None) -> dict[str, Any]:
    """The Vega-Lite spec for one chart of a page, sized to its container."""
    ctx = context or ChartContext()
    table = fold(chart, table, ctx.words)
    params = chart.params
    names = list(dict.fromkeys(c for c in (params.x, params.y, params.color, params.y2, *params.tooltip)
                               if c and c in table.column_names))
    fields = field_names(names)
    data = table.select(names).to_pydict()
    columns = {name: make_column(name, fields[name], table.schema.field(name).type, data[name], chart, ctx)
               for name in names}
    builder = _Builder(chart, columns, ctx)
    layers, extra = builder.build()
    spec = skeleton(extra.pop("height", HEIGHT))
    if len(layers) == 1 and "resolve" not in extra:
        spec.update(layers[0])
    else:
        spec["layer"] = layers
    spec.update(extra)
    shown_titles(spec.get("encoding", {}))
    for layer in spec.get("layer", []):
        shown_titles(layer.get("encoding", {}))
    values = records({n: data[n] for n in names}, fields, ctx.timezone)
    for field_, derived in builder.derived.items():
        for row, value in zip(values, derived, strict=True):
            row[field_] = value
    if params.link and ctx.links:
        link_marks(spec, values, data[params.x], ctx.links)
    spec["data"] = {"values": values}
    spec["autosize"] = {"type": "fit", "contains": "padding", "resize": True}
    spec["config"] = light_config(palette.light(ctx.primary_color)[0])
    builder.meta["dark"] = palette.dark_twins(ctx.primary_color)  # the page script swaps them in the dark theme
    spec["usermeta"] = {"reportsite": builder.meta}
    return spec


def skeleton(height: int) -> dict[str, Any]:
    """A top-level spec as Altair writes it (its Vega-Lite schema version), sized to its container: made once
    per height, copied per chart (a family draws thousands of charts)."""
    return json.loads(_skeleton(height))


@functools.lru_cache(maxsize=16)
def _skeleton(height: int) -> str:
    import altair as alt

    spec: dict[str, Any] = alt.Chart(alt.Data(values=[])).mark_point().properties(
        width="container", height=height).to_dict(validate=False)
    spec.pop("mark", None)
    spec.pop("encoding", None)
    return json.dumps(spec)


class _Builder:
    """Encodings and marks for one chart type."""

    def __init__(self, chart: Chart, columns: dict[str, Column], ctx: ChartContext) -> None:
        self.chart, self.params, self.columns, self.ctx = chart, chart.params, columns, ctx
        self.meta: dict[str, Any] = {}
        self.derived: dict[str, list[Any]] = {}  # fields computed here (bar middles), added to the data

    def col(self, name: str | None) -> Column | None:
        return self.columns.get(name) if name else None

    def build(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        kind = self.chart.type
        if kind == "pie":
            return [self.pie()], {}
        if kind == "histogram":
            return [self.histogram()], {}
        if kind == "heatmap":
            return self.heatmap()
        layers, extra = self.xy()
        return layers, extra

    # ------------------------------------------------------------------ shared pieces

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

    def category_axis(self, column: Column, sort: Any = None) -> dict[str, Any]:
        labels = [str(v) for v in column.values if v is not None]
        encoding: dict[str, Any] = {"field": column.field, "type": "ordinal" if column.kind == "ordinal"
                                    else "nominal", "title": column.title, "sort": sort or self.natural(column),
                                    "axis": {"labelLimit": 180, "labelOverlap": False, "labelAngle": 0}}
        if column.kind == "ordinal":
            encoding["axis"]["labelOverlap"] = self.chart.type != "bar"  # bars turn their labels instead
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

    def period_bars(self, column: Column, position: dict[str, Any]) -> None:
        """Bars on a time axis as wide as their period: each sits at its period's middle, the domain runs from
        the first period's start to the last one's end, and the page script sizes the bars to the width."""
        zone = self.ctx.timezone
        starts = [chart_instant(v, zone) if v is not None else None for v in column.values]
        ends = [chart_instant(period_end(v, column.grain, zone), "UTC") if v is not None else None
                for v in column.values]
        field_ = f"{column.field}__middle"
        self.derived[field_] = [None if a is None or b is None else (a + b) // 2 for a, b in zip(starts, ends,
                                                                                             strict=True)]
        known = [(a, b) for a, b in zip(starts, ends, strict=True) if a is not None and b is not None]
        position["field"] = field_
        if known:
            position["scale"].update(domain=[min(a for a, _ in known), max(b for _, b in known)], nice=False,
                                     padding=0)  # Vega-Lite pads by a bar width otherwise
            periods = (max(b for _, b in known) - min(a for a, _ in known)) / max(
                min(b - a for a, b in known), 1)
            self.meta["bars"] = {"periods": max(1.0, periods)}

    def color(self, column: Column) -> dict[str, Any]:
        labels = [colors.category_label(v) for v in column.values]
        encoding = {"field": column.field, "type": "nominal", "title": column.title,
                    "scale": colors.scale(labels, self.ctx.colors or colors.page_colors(
                        labels, self.ctx.primary_color, self.ctx.words.gettext(colors.OTHER)), self.ctx.primary_color),
                    "sort": None, "legend": {}}
        self.meta["legend"] = {"count": len(set(labels)), "longest": max((len(v) for v in labels), default=0)}
        return encoding

    # ------------------------------------------------------------------ chart types

    def xy(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        chart, params = self.chart, self.params
        x, y, series = self.col(params.x), self.col(params.y), self.col(params.color)
        assert x is not None and y is not None
        kind = chart.type
        category_x = x.kind in ("nominal", "ordinal")
        horizontal = kind == "bar" and category_x and (params.horizontal if params.horizontal is not None else (
            len({str(v) for v in x.values}) > HORIZONTAL_CATEGORIES
            or max((len(str(v)) for v in x.values), default=0) > LONG_LABEL))
        stack = params.stack or ("stacked" if series else None)
        zero = kind in ("bar", "area")
        encoding: dict[str, Any] = {"tooltip": self.tooltips()}
        if x.kind == "temporal":
            position = self.time_axis(x, banded=False)
            if kind == "bar":
                self.period_bars(x, position)
        elif category_x:
            position = self.category_axis(x)
        else:
            position = self.value_axis(x, zero_default=False, axis_name="x")
        value = self.value_axis(y, zero_default=zero, axis_name="y", stack=stack if kind in ("bar", "area") else None)
        if kind in ("bar", "area") and series:
            value["stack"] = {"stacked": "zero", "grouped": None, "normalize": "normalize"}[stack or "stacked"]
        elif kind in ("bar", "area") and params.zero is False:
            value["stack"] = None  # a stack always starts at zero
        if horizontal:  # the title above the labels, whatever their width (the page script sizes them)
            position["axis"].update(labelLimit=150, titleAngle=0, titleAlign="right", titleAnchor="start",
                                    titleBaseline="bottom", titleX=0, titleY=-6)
            encoding.update(y=position, x=value)
            self.meta["horizontal"] = True
        else:
            encoding.update(x=position, y=value)
        if series:
            encoding["color"] = self.color(series)
            if kind == "bar" and stack == "grouped":
                encoding["yOffset" if horizontal else "xOffset"] = {"field": series.field, "sort": None}
        layers = [{"mark": self.mark(kind, x, series), "encoding": encoding}, *self.rules(horizontal)]
        extra: dict[str, Any] = {}
        if horizontal:
            count = len({str(v) for v in x.values}) * (len({str(v) for v in series.values}) if series and
                                                       stack == "grouped" else 1)
            extra["height"] = max(160, min(26 * count + 60, 2400))
        if params.y2 and not horizontal:  # the rules share the first value axis; the second line has its own
            layers = [{"layer": layers} if len(layers) > 1 else layers[0], self.second_axis(position)]
            extra["resolve"] = {"scale": {"y": "independent"}}
        return layers, extra

    def mark(self, kind: str, x: Column, series: Column | None) -> dict[str, Any]:
        if kind == "line":
            per_series = len(x.values) / max(1, len({str(v) for v in series.values}) if series else 1)
            mark: dict[str, Any] = {"type": "line", "strokeWidth": 2, "interpolate": "monotone"
                                    if x.kind == "temporal" else "linear"}
            if per_series <= DENSE_POINTS:
                mark["point"] = {"size": 28, "filled": True}
            return mark
        if kind == "bar":
            return {"type": "bar", "cornerRadiusEnd": 2, "tooltip": True}
        if kind == "area":
            return {"type": "area", "opacity": 0.8, "line": {"strokeWidth": 1.5}}
        return {"type": "circle", "size": 56, "opacity": 0.75}

    def second_axis(self, position: dict[str, Any]) -> dict[str, Any]:
        y2 = self.col(self.params.y2)
        assert y2 is not None
        axis = self.value_axis(y2, zero_default=True, axis_name="y2")
        axis["axis"].update(orient="right", grid=False)
        color = palette.light(self.ctx.primary_color)[1]
        return {"mark": {"type": "line", "strokeWidth": 2.5, "color": color, "point": {"size": 30, "filled": True,
                                                                                        "color": color}},
                "encoding": {"x": position, "y": axis, "tooltip": self.tooltips()}}

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

    def pie(self) -> dict[str, Any]:
        label, size = self.col(self.params.x), self.col(self.params.y)
        assert label is not None and size is not None
        color = self.color(label)
        color["legend"] = {"title": None}
        return {"mark": {"type": "arc", "innerRadius": 50, "stroke": "#fff"},
                "encoding": {"theta": {"field": size.field, "type": "quantitative", "stack": True,
                                       "title": size.title},
                             "color": color,
                             "order": {"field": size.field, "type": "quantitative", "sort": "descending"},
                             "tooltip": self.tooltips()}}

    def histogram(self) -> dict[str, Any]:
        value = self.col(self.params.x)
        assert value is not None
        x = {"field": value.field, "type": "quantitative", "title": value.title,
             "bin": {"maxbins": self.params.bins or 20},
             "axis": {"labelExpr": numbers.axis_label_expr(value.style, self.ctx.locale, self.ctx.currency)}}
        count = self.ctx.words.gettext("Count")
        encoding: dict[str, Any] = {"x": x, "y": {"aggregate": "count", "type": "quantitative", "title": count,
                                                  "axis": {"tickCount": 5, "tickMinStep": 1, "format": ",d"}},
                                    "tooltip": [{"field": value.field, "bin": {"maxbins": self.params.bins or 20},
                                                 "type": "quantitative", "title": value.title,
                                                 "format": numbers.tooltip_format(value.style, value.values)},
                                                {"aggregate": "count", "type": "quantitative", "title": count}]}
        series = self.col(self.params.color)
        if series:
            encoding["color"] = self.color(series)
        return {"mark": {"type": "bar", "cornerRadiusEnd": 1, "binSpacing": 1}, "encoding": encoding}

    def heatmap(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        x, y, value = self.col(self.params.x), self.col(self.params.y), self.col(self.params.color)
        assert x is not None and y is not None

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


__all__ = ["ChartContext", "colored_categories", "fold", "vega_lite"]
