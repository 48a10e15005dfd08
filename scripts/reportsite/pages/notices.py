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
from reportsite.values.words import ENGLISH, N_, Words

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


def _age(days_text: str, words: Words) -> str:
    days = float(days_text)
    if days < 1:
        hours = max(1, round(days * 24))
        return words.ngettext("%(count)s hour", "%(count)s hours", hours)
    whole = round(days)
    return words.ngettext("%(count)s day", "%(count)s days", whole)


def _data(table: str) -> str:
    return f"“{table}”"


Reword = Callable[[re.Match[str], str | None, str, Words], str]


def _stale(m: re.Match[str], key: str | None, locale: str, words: Words) -> str:
    source = m.group("source")
    table = key.split(".", 1)[1] if key and key.startswith("data_sources.") else _table_of(source)
    frequency = words.gettext(FREQUENCY_WORDS.get(m.group("frequency"), m.group("frequency")))
    return words.gettext("The %(data)s data was last updated %(age)s ago (%(when)s UTC). This report normally updates "
                         "%(frequency)s, so its numbers may be out of date.", data=_data(table),
                         age=_age(m.group("age"), words), when=m.group("when"), frequency=frequency)


def _table_of(source: str) -> str:
    return table_name_for(source)


def _min_rows(m: re.Match[str], key: str | None, locale: str, words: Words) -> str:
    return words.ngettext("The %(data)s data has only %(count)s row, fewer than the %(expected)s expected, so some of "
                          "it may be missing.",
                          "The %(data)s data has only %(count)s rows, fewer than the %(expected)s expected, so some "
                          "of it may be missing.", int(m.group("rows")), data=_data(m.group("table")),
                          count=_number(m.group("rows"), locale), expected=_number(m.group("expected"), locale))


def _not_null(m: re.Match[str], key: str | None, locale: str, words: Words) -> str:
    return words.ngettext("%(count)s row of the %(data)s data has no %(column)s; every row is expected to have one.",
                          "%(count)s rows of the %(data)s data have no %(column)s; every row is expected to have one.",
                          int(m.group("count")), count=_number(m.group("count"), locale),
                          data=_data(m.group("table")), column=_data(m.group('column')))


def _unique(m: re.Match[str], key: str | None, locale: str, words: Words) -> str:
    return words.ngettext("In the %(data)s data, %(count)s %(columns)s value appears more than once (e.g. %(example)s, "
                          "%(times)s times), so some totals may count things twice.",
                          "In the %(data)s data, %(count)s %(columns)s values appear more than once (e.g. "
                          "%(example)s, %(times)s times), so some totals may count things twice.",
                          int(m.group("count")), data=_data(m.group("table")), count=_number(m.group("count"), locale),
                          columns=m.group("columns"), example=m.group("example"), times=m.group("times"))


def _fresh(m: re.Match[str], key: str | None, locale: str, words: Words) -> str:
    return words.gettext("The newest %(column)s in the %(data)s data is %(value)s, %(age)s old; it is expected to be "
                         "at most %(limit)s days old, so recent activity may be missing.",
                         column=_data(m.group('column')), data=_data(m.group("table")), value=m.group("value"),
                         age=_age(m.group("age"), words), limit=m.group("limit"))


def _empty(m: re.Match[str], key: str | None, locale: str, words: Words) -> str:
    return words.gettext("The %(column)s column of the %(data)s data is empty, so how recent the data is cannot be "
                         "judged.", column=_data(m.group('column')), data=_data(m.group("table")))


FREQUENCY_WORDS = {"hourly": N_("hourly"), "daily": N_("daily"), "weekly": N_("weekly"), "monthly": N_("monthly")}

# The messages of report_run.stale_sources and checks.py, in the order they are tried.
_KNOWN: list[tuple[re.Pattern[str], Reword]] = [
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


def reader_warning(warning: str, locale: str = "en-US", words: Words = ENGLISH) -> str:
    """One build warning as a sentence for the page (the ``reader_warning`` Jinja filter), in the site's words."""
    key, message = split_located(warning)
    for pattern, reword in _KNOWN:
        match = pattern.search(message)
        if match:
            return reword(match, key, locale, words)
    text = message[:1].upper() + message[1:]
    if key and key.startswith("checks"):
        text = words.gettext("A data check did not pass: %(message)s", message=message)
    return text if text.endswith((".", "?", "!")) else text + "."


def is_stale(warning: str) -> bool:
    """A warning that a data source has not been updated as often as the report expects."""
    return bool(_KNOWN[0][0].search(split_located(warning)[1]))


__all__ = ["is_stale", "reader_warning", "split_located"]
