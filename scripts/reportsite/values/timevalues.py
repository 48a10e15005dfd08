"""Dates and times as the site shows them: in site.yaml's ``timezone``, the same for every reader.

- A DATE is a calendar day: it is never shifted.
- A TIMESTAMP WITH TIME ZONE (an aware datetime) is an instant: it is shown as the wall-clock time in
  the site's zone.
- A TIMESTAMP without a zone (a naive datetime) is a wall-clock reading already: it is shown as written.

Charts receive wall-clock times encoded as if they were UTC (``chart_instant``) and draw them with
Vega's UTC scales and formats, so neither the build machine's nor the reader's zone moves them.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import zoneinfo
from collections.abc import Iterable
from typing import Any

EPOCH = dt.datetime(1970, 1, 1)
GRAINS = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def wall_clock(value: dt.datetime, zone_name: str) -> dt.datetime:
    """The naive wall-clock time a reader of the site sees for ``value``."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone(zone_name)).replace(tzinfo=None)


def chart_instant(value: Any, zone_name: str) -> Any:
    """A date or datetime as milliseconds since 1970 of its wall-clock time read as UTC (for Vega's UTC
    scales); other values unchanged."""
    if isinstance(value, dt.datetime):
        return round((wall_clock(value, zone_name) - EPOCH).total_seconds() * 1000)
    if isinstance(value, dt.date):
        return round((dt.datetime.combine(value, dt.time()) - EPOCH).total_seconds() * 1000)
    return value


def grain(values: Iterable[Any], zone_name: str = "UTC") -> str:
    """The finest step the dates or times move in: 'year', 'quarter', 'month', 'week', 'day', 'hour',
    'minute' or 'second' (a single value counts as 'day', or 'hour' when it has a time)."""
    moments = sorted({wall_clock(v, zone_name) if isinstance(v, dt.datetime)
                      else dt.datetime.combine(v, dt.time()) for v in values
                      if isinstance(v, dt.date)})
    if not moments:
        return "day"
    if any(m.second or m.microsecond for m in moments):
        finest = "second"
    elif any(m.minute for m in moments):
        finest = "minute"
    elif any(m.hour for m in moments):
        finest = "hour"
    elif any(m.day != 1 for m in moments):
        finest = "day"
    elif any(m.month not in (1, 4, 7, 10) for m in moments):
        finest = "month"
    elif any(m.month != 1 for m in moments):
        finest = "quarter"
    else:
        finest = "year"
    if finest == "day" and len(moments) > 1:
        gaps = {(b - a).days for a, b in itertools.pairwise(moments)}
        if gaps and all(g % 7 == 0 for g in gaps):
            finest = "week"
    if len(moments) == 1 and finest in ("year", "quarter", "month"):
        return "day"
    return finest


def period_end(value: Any, grain: str, zone_name: str = "UTC") -> Any:
    """The start of the next period after ``value`` at ``grain`` (a bar on a time axis spans the two)."""
    if not isinstance(value, dt.date):
        return value
    moment = wall_clock(value, zone_name) if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    if grain in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[grain]
        index = moment.year * 12 + moment.month - 1 + months
        return moment.replace(year=index // 12, month=index % 12 + 1, day=1)
    step = {"second": dt.timedelta(seconds=1), "minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1),
            "day": dt.timedelta(days=1), "week": dt.timedelta(days=7)}[grain]
    return moment + step


def span_days(values: Iterable[Any], zone_name: str = "UTC") -> float:
    """Days between the first and the last date or time."""
    moments = [wall_clock(v, zone_name) if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time())
               for v in values if isinstance(v, dt.date)]
    if len(moments) < 2:
        return 0.0
    return (max(moments) - min(moments)).total_seconds() / 86400


__all__ = ["GRAINS", "chart_instant", "grain", "period_end", "span_days", "wall_clock", "zone"]
