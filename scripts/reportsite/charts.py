"""Chart spec + query result → Vega-Lite JSON via Altair. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Any

from .config import Chart

PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c",
           "#475569"]
FONT = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
Y_FORMATS = {"number": ",.4~r", "currency": "$,.2f", "percent": ".1%"}
AXIS_FORMATS = {"number": "~s", "currency": "$~s", "percent": ".0%"}


# Names every JavaScript object already has: as data fields they confuse Vega's grouping and lookups.
OBJECT_NAMES = frozenset({"constructor", "__proto__", "prototype", "toString", "valueOf", "hasOwnProperty",
                          "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "__defineGetter__",
                          "__defineSetter__", "__lookupGetter__", "__lookupSetter__"})
PLAIN_FIELD = re.compile(r"[^.\[\]\\'\"`$\x00-\x1f]+")


def field_names(columns: list[str]) -> dict[str, str]:
    """The field each column is called in the chart's data: its own name when Vega reads it as written,
    else ``field_N`` (quotes, dots, brackets and backslashes mean paths to Vega; ``constructor`` and the
    other names every object has clash with its lookups). Titles always show the column's own name."""
    taken = set(columns)
    names: dict[str, str] = {}
    for number, column in enumerate(columns, 1):
        if PLAIN_FIELD.fullmatch(column) and column not in OBJECT_NAMES:
            names[column] = column
            continue
        field = f"field_{number}"
        while field in taken:
            field += "_"
        taken.add(field)
        names[column] = field
    return names


def column_kind(arrow_type: Any) -> str:
    """Vega-Lite measurement type for an Arrow column type."""
    import pyarrow as pa

    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return "temporal"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "quantitative"
    return "nominal"


def json_value(value: Any) -> Any:
    """A JSON-safe value: dates as ISO strings, decimals as floats, NaN as null."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):  # SUM of integers arrives as DECIMAL(38, 0): keep it whole
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    if type(value).__name__ == "MonthDayNano":  # a DuckDB INTERVAL
        return interval_text(value)
    if isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return {str(k): json_value(v) for k, v in value}  # a MAP arrives as (key, value) pairs
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def interval_text(value: Any) -> str:
    """'1 month 3 days 02:00:00' for an interval's (months, days, nanoseconds)."""
    months, days, nanos = value.months, value.days, value.nanoseconds
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((months, "month"), (days, "day")) if n]
    if nanos or not parts:
        parts.append(str(dt.timedelta(microseconds=nanos // 1000)))
    return " ".join(parts)


def shown_title(title: str) -> str:
    """A title Vega draws as written: 'constructor' and the like get an invisible word joiner, because
    Vega-Lite looks titles up as object keys and a built-in name there breaks the whole chart."""
    return title + "\u2060" if title in OBJECT_NAMES else title


def _shown_titles(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "title" and isinstance(value, str):
                node[key] = shown_title(value)
            else:
                _shown_titles(value)
    elif isinstance(node, list):
        for item in node:
            _shown_titles(item)


def records(table: Any, columns: list[str], names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The rows as JSON-ready mappings, keyed by ``names`` (column → field; default: the column names)."""
    data = table.select(columns).to_pydict()
    keys = [(names or {}).get(c, c) for c in columns]
    return [{key: json_value(data[c][i]) for key, c in zip(keys, columns, strict=True)} for i in range(table.num_rows)]


def used_columns(chart: Chart) -> list[str]:
    params = chart.params
    return list(dict.fromkeys(c for c in (params.x, params.y, params.color) if c))


def vega_lite(chart: Chart, table: Any, currency: str = "USD", title: str | None = None) -> dict[str, Any]:
    """The Vega-Lite spec for one chart, data inline, sized to its container (``title`` overrides the YAML's)."""
    import altair as alt

    params = chart.params
    columns = used_columns(chart)
    kinds = {c: column_kind(table.schema.field(c).type) for c in columns}
    fields = field_names(columns)
    y_format = Y_FORMATS[params.y_format or 'number']
    if params.y_format == "currency" and currency != "USD":
        y_format = ",.2f"

    def field(name: str, title: str | None = None, **kw: Any) -> dict[str, Any]:
        kind = kinds[name]
        spec: dict[str, Any] = {"field": fields[name], "type": kind, "title": title or name}
        if kind == "temporal":
            spec["scale"] = {"type": "utc"}
        spec.update(kw)
        return spec

    def tooltip(name: str, title: str | None = None) -> dict[str, Any]:
        kind = kinds[name]
        tip: dict[str, Any] = {"field": fields[name], "type": kind, "title": title or name}
        if kind == "temporal":
            tip.update(format="%Y-%m-%d", formatType="utc")
        elif kind == "quantitative":
            tip["format"] = y_format if name == params.y else ",.4~r"
        return tip

    x, y, color = params.x, params.y or "", params.color
    tooltips = [tooltip(x, params.x_title), tooltip(y, params.y_title)]
    if color:
        tooltips.insert(0, tooltip(color))
    data = alt.Data(values=[])  # rows are added after to_dict: Altair would walk and copy every one
    title = title or params.title or chart.name
    if chart.type == "pie":
        base = alt.Chart(data).mark_arc(innerRadius=50, stroke="#fff")
        encoding: dict[str, Any] = {
            "theta": {"field": fields[y], "type": "quantitative", "stack": True, "title": params.y_title or y},
            "color": {"field": fields[x], "type": "nominal", "title": params.x_title or x, "sort": None},
            "order": {"field": fields[y], "type": "quantitative", "sort": "descending"},
            "tooltip": tooltips,
        }
    else:
        mark = {
            "line": lambda c: c.mark_line(point=alt.OverlayMarkDef(size=18, filled=True), strokeWidth=2),
            "bar": lambda c: c.mark_bar(cornerRadiusEnd=2),
            "area": lambda c: c.mark_area(opacity=0.85, line=True),
            "scatter": lambda c: c.mark_circle(size=60, opacity=0.75),
        }[chart.type]
        base = mark(alt.Chart(data))
        x_kind = kinds[x]
        x_extra: dict[str, Any] = {}
        if chart.type == "bar" and x_kind == "nominal":
            x_extra["sort"] = None
            labels = {str(v) for v in table.column(x).to_pylist()}
            if len(labels) <= 12 and max((len(v) for v in labels), default=0) <= 14:
                x_extra["axis"] = {"labelAngle": 0}
        if x_kind == "nominal" and chart.type in ("line", "area"):
            x_extra["sort"] = None
        encoding = {
            "x": field(x, params.x_title, **x_extra),
            "y": field(y, params.y_title, axis={"format": AXIS_FORMATS[params.y_format or 'number']}),
            "tooltip": tooltips,
        }
        if chart.type in ("bar", "area") and color:
            encoding["y"]["stack"] = "zero"
        if color:
            encoding["color"] = {"field": fields[color], "type": kinds[color], "title": color}
    result = base.properties(width="container", height=300, title=title)
    spec: dict[str, Any] = result.to_dict(validate=False)
    # The encoding is already plain Vega-Lite; Altair's encode() would re-parse it (~30 ms a chart).
    _shown_titles(encoding)
    spec["encoding"] = encoding
    spec["data"] = {"values": records(table, columns, fields)}
    spec["autosize"] = {"type": "fit", "contains": "padding", "resize": True}
    spec["config"] = {
        "font": FONT,
        "view": {"stroke": None},
        "range": {"category": PALETTE},
        "axis": {"labelColor": "#475569", "titleColor": "#334155", "gridColor": "#e2e8f0", "domainColor": "#cbd5e1"},
        "title": {"anchor": "start", "fontSize": 14, "fontWeight": 600, "color": "#0f172a"},
        "legend": {"orient": "bottom", "columns": 4, "labelColor": "#475569", "titleColor": "#334155"},
        "line": {"color": PALETTE[0]}, "bar": {"color": PALETTE[0]}, "area": {"color": PALETTE[0]},
        "point": {"color": PALETTE[0]}, "circle": {"color": PALETTE[0]},
    }
    return spec
