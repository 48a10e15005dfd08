"""Build warnings in the words a reader of the page understands.

The terminal and the job summary show a warning in its located form, for whoever fixes it:
``reports/sales.yaml:30:5 checks[0].min_rows: table 'sales' has 120 rows; at least 1000 expected``.
A report page shows the same warning to the people who read the numbers, so it drops the file, line
and key and says what it means for them:
``The “sales” data has only 120 rows, fewer than the 1,000 expected, so some of it may be missing.``

Known warnings (stale sources, failed data checks) are reworded; anything else keeps its message,
without the location.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from reportsite.config.models import table_name_for

_LOCATED = re.compile(r"^(?P<file>\S.*?\.ya?ml)(?::\d+){0,2} (?:(?P<key>[A-Za-z_][\w\[\].\-]*): )?(?P<message>.+)$",
                      re.DOTALL)


def split_located(warning: str) -> tuple[str | None, str]:
    """``(key, message)`` of a located warning; ``(None, warning)`` when it has no location."""
    match = _LOCATED.match(warning.strip())
    if not match:
        return None, warning.strip()
    return match.group("key"), match.group("message").strip()


def _number(text: str, locale: str) -> str:
    from babel.numbers import format_decimal

    try:
        return str(format_decimal(int(text), locale=locale.replace("-", "_")))
    except ValueError:
        return text


def _age(days_text: str) -> str:
    days = float(days_text)
    if days < 1:
        hours = max(1, round(days * 24))
        return f"{hours} hour{'' if hours == 1 else 's'}"
    whole = round(days)
    return f"{whole} day{'' if whole == 1 else 's'}"


def _data(table: str) -> str:
    return f"“{table}”"


def _stale(m: re.Match[str], key: str | None, locale: str) -> str:
    source = m.group("source")
    table = key.split(".", 1)[1] if key and key.startswith("data_sources.") else _table_of(source)
    return (f"The {_data(table)} data was last updated {_age(m.group('age'))} ago ({m.group('when')} UTC). "
            f"This report normally updates {m.group('frequency')}, so its numbers may be out of date.")


def _table_of(source: str) -> str:
    return table_name_for(source)


def _min_rows(m: re.Match[str], key: str | None, locale: str) -> str:
    return (f"The {_data(m.group('table'))} data has only {_number(m.group('rows'), locale)} rows, fewer than "
            f"the {_number(m.group('expected'), locale)} expected, so some of it may be missing.")


def _not_null(m: re.Match[str], key: str | None, locale: str) -> str:
    count = int(m.group("count"))
    rows = f"{_number(m.group('count'), locale)} row{'' if count == 1 else 's'}"
    return (f"{rows} of the {_data(m.group('table'))} data {'has' if count == 1 else 'have'} no "
            f"“{m.group('column')}”; every row is expected to have one.")


def _unique(m: re.Match[str], key: str | None, locale: str) -> str:
    count = int(m.group("count"))
    values = f"{_number(m.group('count'), locale)} {m.group('columns')} value{'' if count == 1 else 's'}"
    return (f"In the {_data(m.group('table'))} data, {values} {'appears' if count == 1 else 'appear'} more than "
            f"once (e.g. {m.group('example')}, {m.group('times')} times), so some totals may count things twice.")


def _fresh(m: re.Match[str], key: str | None, locale: str) -> str:
    return (f"The newest “{m.group('column')}” in the {_data(m.group('table'))} data is {m.group('value')}, "
            f"{_age(m.group('age'))} old; it is expected to be at most {m.group('limit')} days old, so recent "
            "activity may be missing.")


def _empty(m: re.Match[str], key: str | None, locale: str) -> str:
    return (f"The “{m.group('column')}” column of the {_data(m.group('table'))} data is empty, so how recent "
            "the data is cannot be judged.")


# The messages of report_run.stale_sources and checks.py, in the order they are tried.
_KNOWN: list[tuple[re.Pattern[str], Callable[[re.Match[str], str | None, str], str]]] = [
    (re.compile(r"data source '(?P<source>.+)' was last modified (?P<when>\d{4}-\d\d-\d\d \d\d:\d\d) UTC "
                r"\((?P<age>[\d.]+) days ago\), older than twice the update_frequency \((?P<frequency>\w+)\)"),
     _stale),
    (re.compile(r"table '(?P<table>.+)' has (?P<rows>\d+) rows; at least (?P<expected>\d+) expected"), _min_rows),
    (re.compile(r"column '(?P<column>.+)' of table '(?P<table>.+)' has (?P<count>\d+) null values?; none expected"),
     _not_null),
    (re.compile(r"(?P<count>\d+) values? of \((?P<columns>.+)\) in table '(?P<table>.+)' occurs? more than once "
                r"\(e\.g\. (?P<example>.+), (?P<times>\d+) times\)"), _unique),
    (re.compile(r"newest (?P<column>.+) in table '(?P<table>.+)' is (?P<value>.+) \((?P<age>[\d.]+) days old\); "
                r"at most (?P<limit>[\d.]+) days expected"), _fresh),
    (re.compile(r"column '(?P<column>.+)' of table '(?P<table>.+)' is empty; cannot judge freshness"), _empty),
]


def reader_warning(warning: str, locale: str = "en-US") -> str:
    """One build warning as a sentence for the page (the ``reader_warning`` Jinja filter)."""
    key, message = split_located(warning)
    for pattern, reword in _KNOWN:
        match = pattern.search(message)
        if match:
            return reword(match, key, locale)
    text = message[:1].upper() + message[1:]
    if key and key.startswith("checks"):
        text = f"A data check did not pass: {message}"
    return text if text.endswith((".", "?", "!")) else text + "."


def is_stale(warning: str) -> bool:
    """A warning that a data source has not been updated as often as the report expects."""
    return bool(_KNOWN[0][0].search(split_located(warning)[1]))


__all__ = ["is_stale", "reader_warning", "split_located"]
