"""Time axes that follow the data's grain: monthly data gets month ticks, the year shows where it changes.

Values arrive as wall-clock instants read as UTC (``timevalues.chart_instant``), so every scale, tick
and format here is Vega's UTC one: what the reader sees is the site's time zone, whoever they are.
Which ticks fit depends on the chart's width, known only in the browser: the spec carries a ladder of
candidates (every hour, every 3 hours, every day, … every year) from the data's grain upwards, and the
page script picks the finest one whose labels fit (``usermeta.reportsite.ticks``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportsite.charts.dates import DatePatterns

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
                "month": 30.44 * 86400, "year": 365.25 * 86400}
LADDER = [("second", 1), ("second", 5), ("second", 15), ("second", 30), ("minute", 1), ("minute", 5),
          ("minute", 15), ("minute", 30), ("hour", 1), ("hour", 2), ("hour", 3), ("hour", 6), ("hour", 12),
          ("day", 1), ("day", 2), ("week", 1), ("week", 2), ("month", 1), ("month", 2), ("month", 3),
          ("month", 6), ("year", 1), ("year", 2), ("year", 5), ("year", 10), ("year", 20), ("year", 50),
          ("year", 100)]
LABEL_PIXELS = {"second": 62, "minute": 46, "hour": 46, "day": 50, "week": 50, "month": 34, "quarter": 30,
                "year": 38}
EPOCH = dt.datetime(1970, 1, 1)
MAX_WEEK_TICKS = 2000
ORDER = ["second", "minute", "hour", "day", "week", "month", "quarter", "year"]
# Weeks are kept as their first day (Vega's weeks start on Sunday, DuckDB's date_trunc('week') on Monday), and
# weekly ticks are explicit values on the week's first day (week_ticks).
TIME_UNITS = {"second": "utcyearmonthdatehoursminutesseconds", "minute": "utcyearmonthdatehoursminutes",
              "hour": "utcyearmonthdatehours", "day": "utcyearmonthdate", "week": "utcyearmonthdate",
              "month": "utcyearmonth", "quarter": "utcyearquarter", "year": "utcyear"}


def _format(pattern: str) -> str:
    return "utcFormat(datum.value, '" + pattern.replace("\\", "\\\\").replace("'", "\\'") + "')"


def label_expr(unit: str, step: int, dates: DatePatterns, quarters: bool = False) -> str:
    """Tick labels for ticks every ``step`` ``unit``s: the unit on the first line, the larger unit under it
    on the first tick and wherever it changes (the first tick of each day, or of each year)."""
    first = "datum.index == 0"
    minutes = "utchours(datum.value) * 60 + utcminutes(datum.value)"
    if unit in ("second", "minute", "hour"):
        per_tick = {"second": 0, "minute": step, "hour": step * 60}[unit]
        new_day = f"{first} || {minutes} < {per_tick}" if per_tick else f"{first} || {minutes} == 0"
        clock = _format(dates.clock_seconds if unit == "second" else dates.clock)
        return f"[{clock}, ({new_day}) ? {_format(dates.day)} : '']"
    if unit in ("day", "week"):
        days = step * (7 if unit == "week" else 1)
        new_year = f"{first} || (utcmonth(datum.value) == 0 && utcdate(datum.value) <= {days})"
        return f"[{_format(dates.day)}, ({new_year}) ? {_format(dates.year)} : '']"
    if unit == "month":
        head = "'Q' + (floor(utcmonth(datum.value) / 3) + 1)" if quarters and step % 3 == 0 else _format(dates.month)
        return f"[{head}, ({first} || utcmonth(datum.value) < {step}) ? {_format(dates.year)} : '']"
    return _format(dates.year)


def week_ticks(first_ms: int, last_ms: int, weekday: int, step: int) -> list[int]:
    """Every ``step``-th week start from the one on or before ``first_ms`` through ``last_ms``: ``weekday`` is the
    week's first day (0 = Monday). Vega's own weeks start on Sunday; DuckDB's date_trunc('week') and most
    locales outside the Americas start them on Monday."""
    first = EPOCH + dt.timedelta(milliseconds=first_ms)
    start = dt.datetime.combine(first.date(), dt.time()) - dt.timedelta(days=(first.weekday() - weekday) % 7)
    found: list[int] = []
    moment = start
    while (moment - EPOCH) / dt.timedelta(milliseconds=1) <= last_ms and len(found) < MAX_WEEK_TICKS:
        found.append(round((moment - EPOCH) / dt.timedelta(milliseconds=1)))
        moment += dt.timedelta(days=7 * step)
    return found


def ticks(grain: str, span_seconds: float, dates: DatePatterns, first_ms: int | None = None,
          last_ms: int | None = None, week_start: int = 0) -> list[dict[str, Any]]:
    """Tick candidates from the data's grain upwards, finest first, each with its label count and width. Weekly
    ticks fall on ``week_start`` (the week's first day: the data's own weekday for weekly data, else the
    locale's; 0 = Monday) as explicit values."""
    start = "month" if grain == "quarter" else grain
    floor = UNIT_SECONDS[start] * (3 if grain == "quarter" else 1)
    found: list[dict[str, Any]] = []
    for unit, step in LADDER:
        if UNIT_SECONDS[unit] * step < floor - 1:
            continue
        shown = "quarter" if grain == "quarter" and unit == "month" and step % 3 == 0 else unit
        count = int(span_seconds // (UNIT_SECONDS[unit] * step)) + 1
        candidate: dict[str, Any] = {"interval": unit, "step": step, "count": count,
                     "pixels": LABEL_PIXELS[shown], "labelExpr": label_expr(unit, step, dates, grain == "quarter")}
        if unit == "week" and first_ms is not None and last_ms is not None:
            candidate["values"] = week_ticks(first_ms, last_ms, week_start, step)
        found.append(candidate)
    return found


def axis(candidate: dict[str, Any]) -> dict[str, Any]:
    """Axis settings for one tick candidate (the page script swaps in the one that fits)."""
    found = {"labelExpr": candidate["labelExpr"],
             "tickCount": {"interval": candidate["interval"], "step": candidate["step"]},
             "labelOverlap": True, "labelFlush": True, "labelPadding": 4, "grid": False}
    if "values" in candidate:
        found["values"] = candidate["values"]
        del found["tickCount"]
    return found


def time_unit(grain: str) -> str:
    return TIME_UNITS[grain]


def tooltip_format(grain: str, date_only: bool, dates: DatePatterns) -> str:
    """How one date or time reads in a tooltip, to the data's grain."""
    if date_only and grain in ("second", "minute", "hour"):
        grain = "day"
    return {"second": dates.full_seconds, "minute": dates.full_time, "hour": dates.full_time, "day": dates.full_day,
            "week": dates.full_day, "month": dates.full_month, "quarter": dates.quarter, "year": dates.year}[grain]


__all__ = ["ORDER", "axis", "label_expr", "ticks", "time_unit", "tooltip_format", "week_ticks"]
