"""A report's filters: the choices each offers, what each choice binds, and which items follow which filter.

A select filter's choices come from its options (a YAML list, or a query run once per build); a
date_range filter's from its presets, counted back from the build's date in the site's time zone. Every
choice has a URL token (``?region=North&period=year_to_date``), a label the reader sees, and the values
it binds: ``{"region": "North"}``, ``{"region": None}`` for All, ``{"period_start": date, "period_end": date}``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reportsite.config.models import Filter
from reportsite.errors import Problems, QueryError
from reportsite.query import located
from reportsite.query.sqltext import mask
from reportsite.values.formats import Formats
from reportsite.values.tokens import PARAMETER, token_of
from reportsite.values.words import N_

ALL_TOKEN = ""  # ?region= (empty) is "All"; the default choice is left out of the URL
FIRST_DAY, LAST_DAY = dt.date(1, 1, 1), dt.date(9999, 12, 31)
PRESET_LABELS = {  # in the site's words where they are shown
    "last_7_days": N_("Last 7 days"), "last_30_days": N_("Last 30 days"), "last_90_days": N_("Last 90 days"),
    "last_12_months": N_("Last 12 months"), "month_to_date": N_("Month to date"),
    "year_to_date": N_("Year to date"), "last_month": N_("Last month"), "last_year": N_("Last year"),
    "all": N_("All time"),
}
MAX_OPTIONS = 1000


@dataclass(frozen=True)
class Choice:
    token: str  # in the URL
    label: str  # in the dropdown and in $name of titles and text
    binds: dict[str, Any]  # the SQL parameters it sets
    hint: str = ""  # a date range as the site writes it: "Nov 2, 2026 – Dec 1, 2026"
    words: dict[str, Any] = field(default_factory=dict)  # what $names show in titles and text


@dataclass
class PageFilter:
    name: str
    label: str
    type: str
    choices: list[Choice]
    default: int  # index of the choice the page opens with
    names: tuple[str, ...] = field(default=())  # the $names it binds

    def text_values(self, choice: Choice) -> dict[str, Any]:
        """What ``$name`` shows in titles and text: the choice's label, and a range's dates the site's way."""
        return {self.name: choice.label, **choice.words}


def months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it has fewer days)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def preset_range(preset: str, today: dt.date, data: tuple[dt.date, dt.date] | None) -> tuple[dt.date, dt.date]:
    """The first and last day a preset covers, both included, counted back from ``today``."""
    days = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90}
    if preset in days:
        return today - dt.timedelta(days=days[preset] - 1), today
    if preset == "last_12_months":
        return months_back(today, 12) + dt.timedelta(days=1), today
    if preset == "month_to_date":
        return today.replace(day=1), today
    if preset == "year_to_date":
        return today.replace(month=1, day=1), today
    if preset == "last_month":
        first = today.replace(day=1)
        return months_back(first, 1), first - dt.timedelta(days=1)
    if preset == "last_year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    return data or (FIRST_DAY, LAST_DAY)


def select_choices(spec: Filter, values: Iterable[Any], formats: Formats) -> list[Choice]:
    """All (when offered) then each distinct value, NULL and empty ones left out."""
    choices = [Choice(ALL_TOKEN, formats.words.gettext("All"), {spec.name: None})] if spec.all else []
    seen: set[str] = set()
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        token = token_of(value)
        if token in seen:
            continue
        seen.add(token)
        choices.append(Choice(token, formats.parameter(spec.name, value), {spec.name: value}))
    return choices


def previous_range(start: dt.date, end: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The period of equal length just before ``start``–``end`` (both included): what $name_prev_start and
    $name_prev_end bind; NULLs when the range is unbounded (the 'all' preset without an options query)."""
    if start <= FIRST_DAY or end >= LAST_DAY:
        return None, None
    length = end - start + dt.timedelta(days=1)
    try:
        return start - length, start - dt.timedelta(days=1)
    except OverflowError:
        return None, None


def range_names(name: str) -> tuple[str, str, str, str]:
    """The $names a date_range filter binds: period_start, period_end, period_prev_start, period_prev_end."""
    return f"{name}_start", f"{name}_end", f"{name}_prev_start", f"{name}_prev_end"


def range_choices(spec: Filter, today: dt.date, data: tuple[dt.date, dt.date] | None,
                  formats: Formats) -> list[Choice]:
    choices = []
    words = formats.words
    first, last = words.gettext("the first day"), words.gettext("the last day")
    start_name, end_name, prev_start_name, prev_end_name = range_names(spec.name)
    for preset in spec.presets:
        start, end = preset_range(preset, today, data)
        known = not (preset == "all" and data is None)
        prev_start, prev_end = previous_range(start, end)
        hint = words.gettext("%(start)s – %(end)s", start=formats.date(start), end=formats.date(end)) if known else ""
        shown = {start_name: formats.date(start) if known else first, end_name: formats.date(end) if known else last,
                 prev_start_name: formats.date(prev_start) if prev_start else first,
                 prev_end_name: formats.date(prev_end) if prev_end else last}
        choices.append(Choice(preset, words.gettext(PRESET_LABELS[preset]),
                              {start_name: start, end_name: end, prev_start_name: prev_start,
                               prev_end_name: prev_end}, hint, shown))
    return choices


def default_index(spec: Filter, choices: list[Choice]) -> int | None:
    """Where the page opens: the default's choice (None when the default is not offered)."""
    if spec.default is None:
        return 0 if spec.type == "select" else len(choices) - 1
    wanted = token_of(spec.default)
    return next((i for i, c in enumerate(choices) if c.token == wanted), None)


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def resolve(session: Any, report: Any, formats: Formats, today: dt.date,
            problems: Problems) -> list[PageFilter]:
    """Each filter of the report with its choices; options queries run here, once. Problems are collected."""
    found = []
    for index, spec in enumerate(report.config.filters):
        key = ("filters", index)
        data: tuple[dt.date, dt.date] | None = None
        values: list[Any] = spec.options if isinstance(spec.options, list) else []
        if isinstance(spec.options, str):
            ref = located.QueryRef(report, (*key, "options"), f"filter '{spec.name}' options")
            try:
                table = session.fetch(ref, report.config.parameters, MAX_OPTIONS)
            except QueryError as exc:
                problems.extend(exc.problems)
                continue
            if table.num_columns == 0:
                continue
            if spec.type == "select":
                if table.num_rows > MAX_OPTIONS:
                    problems.add(located.locate(ref, f"{ref.label}: the query returns more than {MAX_OPTIONS} "
                                                      "values, too many for a dropdown; use for_each for a page "
                                                      "per value"))
                    continue
                values = table.column(0).to_pylist()
            else:
                row = table.slice(0, 1).to_pylist()
                first = [as_date(v) for v in (list(row[0].values()) if row else [])]
                if table.num_columns != 2 or len(first) != 2:
                    problems.add(located.locate(ref, f"{ref.label}: the query must return one row with the "
                                                      "data's first and last date (two columns, e.g. SELECT "
                                                      "min(date), max(date) FROM sales)"))
                    continue
                if first[0] is not None and first[1] is not None:
                    data = (first[0], first[1])
        choices = (select_choices(spec, values, formats) if spec.type == "select"
                   else range_choices(spec, today, data, formats))
        if not choices:
            problems.add(report.problem((*key, "options"), f"filter '{spec.name}' has no values to choose "
                                                               "from (its options are empty)"))
            continue
        chosen = default_index(spec, choices)
        if chosen is None:
            offered = ", ".join(c.token or "All" for c in choices[:8]) + (", …" if len(choices) > 8 else "")
            problems.add(report.problem((*key, "default"), f"default '{spec.default}' is not one of filter "
                                                               f"'{spec.name}''s choices ({offered})"))
            continue
        names = tuple(choices[0].binds)
        found.append(PageFilter(spec.name, spec.label or spec.name.replace("_", " ").capitalize(), spec.type,
                                choices, chosen, names))
    return found


def used_names(*texts: str | None) -> set[str]:
    """The ``$names`` some SQL or text mentions (SQL string literals and comments masked)."""
    names: set[str] = set()
    for text in texts:
        if text and "$" in text:
            names.update(m.group(1) for m in PARAMETER.finditer(mask(text)))
    return names


def depends_on(filters: list[PageFilter], names: set[str]) -> tuple[int, ...]:
    """Which filters (by position) an item follows: those whose $names (or $name, in text) it mentions."""
    return tuple(i for i, f in enumerate(filters) if names & {f.name, *f.names})


def combinations(filters: list[PageFilter], which: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every combination of choices of the filters in ``which``: tuples of choice indexes, in order."""
    return list(itertools.product(*(range(len(filters[i].choices)) for i in which)))


def count(filters: list[PageFilter]) -> int:
    total = 1
    for f in filters:
        total *= len(f.choices)
    return total


def bindings(filters: list[PageFilter], which: tuple[int, ...], picked: tuple[int, ...],
             base: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(SQL parameters, text values) for one combination of the filters in ``which``."""
    sql, text = dict(base), dict(base)
    for position, choice_index in zip(which, picked, strict=True):
        page_filter = filters[position]
        choice = page_filter.choices[choice_index]
        sql.update(choice.binds)
        text.update(page_filter.text_values(choice))
    return sql, text


def unbound(filters: list[PageFilter], base: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """For items that follow no filter: each filter's $names bound to its default (NULL for All)."""
    return bindings(filters, tuple(range(len(filters))), tuple(f.default for f in filters), base)
