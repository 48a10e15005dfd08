"""A query result as chart data: column kinds, field names Vega reads as written, JSON-ready values."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from typing import Any

from reportsite.values.jsonvalues import json_value
from reportsite.values.timevalues import chart_instant

# Names every JavaScript object already has: as data fields they confuse Vega's grouping and lookups.
OBJECT_NAMES = frozenset({"constructor", "__proto__", "prototype", "toString", "valueOf", "hasOwnProperty",
                          "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "__defineGetter__",
                          "__defineSetter__", "__lookupGetter__", "__lookupSetter__"})
PLAIN_FIELD = re.compile(r"[^.\[\]\\'\"`$\x00-\x1f]+")
YEAR_NAME = re.compile(r"(^|[_ ])(year|yr|fy|season|vintage|cohort|built|founded|established|jahr|annee|anno|ano)"
                       r"([_ ]|$)|years?$", re.I)
ID_NAME = re.compile(r"(^|[_ ])(id|ids|code|zip|zipcode|postcode|postal|plz|sku|ean|upc|isbn|no|nr|number|num|"
                     r"account|phone|key)$|^id[_ ]|[_ ]id[_ ]", re.I)


def column_kind(arrow_type: Any) -> str:
    """Vega-Lite measurement type for an Arrow column type."""
    import pyarrow as pa

    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return "temporal"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "quantitative"
    return "nominal"


def is_integer_type(arrow_type: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_integer(arrow_type) or (pa.types.is_decimal(arrow_type) and arrow_type.scale == 0))


def looks_like_year(name: str, values: list[Any]) -> bool:
    """An integer column of years: named like one (year, fiscal_year, year_built, built, …) with whole values
    between 1000 and 2999."""
    numbers = [v for v in values if isinstance(v, int | float | decimal.Decimal) and not isinstance(v, bool)]
    if not numbers or any(float(v) != int(v) for v in numbers):
        return False
    return all(1000 <= v <= 2999 for v in numbers) and bool(YEAR_NAME.search(name))


def looks_like_id(name: str) -> bool:
    """A column of identifiers or codes: their digits are not quantities (no thousands separators)."""
    return bool(ID_NAME.search(name))


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


def shown_title(title: str) -> str:
    """A title Vega draws as written: 'constructor' and the like get an invisible word joiner, because
    Vega-Lite looks titles up as object keys and a built-in name there breaks the whole chart."""
    return title + "\u2060" if title in OBJECT_NAMES else title


def shown_titles(node: Any) -> None:
    """Apply ``shown_title`` to every ``title`` in an encoding, in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "title" and isinstance(value, str):
                node[key] = shown_title(value)
            else:
                shown_titles(value)
    elif isinstance(node, list):
        for item in node:
            shown_titles(item)


def chart_value(value: Any, zone: str) -> Any:
    """One value of the chart's data: dates and times as wall-clock instants (ms), the rest JSON-safe."""
    if isinstance(value, dt.date):
        return chart_instant(value, zone)
    if value is None:
        return None
    shown = json_value(value)
    if isinstance(shown, list | dict):
        return json.dumps(shown, ensure_ascii=False, default=str)
    return shown


def records(columns: dict[str, list[Any]], names: dict[str, str], zone: str) -> list[dict[str, Any]]:
    """The rows as JSON-ready mappings keyed by field name (``names``: column → field)."""
    keys = [(names[c], values) for c, values in columns.items()]
    count = len(next(iter(columns.values()))) if columns else 0
    return [{key: chart_value(values[i], zone) for key, values in keys} for i in range(count)]


__all__ = ["chart_value", "column_kind", "field_names", "looks_like_id",
           "looks_like_year", "records", "shown_title", "shown_titles"]
