"""Query values as JSON and as text: dates as ISO strings, decimals as numbers, intervals, lists and maps."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from typing import Any


def json_value(value: Any) -> Any:
    """A JSON-safe value: dates as ISO strings, decimals as numbers, NaN as null."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):  # SUM of integers arrives as DECIMAL(38, 0): keep it whole
        if not value.is_finite():
            return None
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


def as_text(value: Any) -> str | None:
    """A value as one text cell (None stays None): bytes decoded, lists and maps as compact JSON."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    value = json_value(value)
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


__all__ = ["as_text", "interval_text", "json_value"]
