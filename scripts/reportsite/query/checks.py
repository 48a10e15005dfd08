"""Data checks declared under ``checks:``; run in SQL before a report is published.

A failed check names the check (its key), the table and the observed value, e.g.
``reports/sales.yaml:30:5 checks[0].min_rows: table 'sales' has 120 rows; at least 1000 expected``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from reportsite.config.models import Check
from reportsite.config.project import Report
from reportsite.errors import Problem, did_you_mean, read_detail
from reportsite.query import memory
from reportsite.query.engine import EngineError
from reportsite.query.located import timeout_message
from reportsite.query.session import Session

Failure = tuple[str, str]  # (key under the check, message)


@dataclass(frozen=True)
class CheckOutcome:
    problem: Problem
    severity: str  # error | warning


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_checks(session: Session, report: Report, now: dt.datetime) -> list[CheckOutcome]:
    """Every failed check of the report, each located at its key in the YAML."""
    outcomes: list[CheckOutcome] = []
    for index, check in enumerate(report.config.checks):
        try:
            failures = _failures(_Checker(session), check, session.tables, now)
        except _TimedOut as exc:
            failures = [(exc.key, timeout_message(f"check on table '{check.table}'", exc.seconds))]
        for key, message in failures:
            problem = report.problem(("checks", index, key), message)
            outcomes.append(CheckOutcome(problem, check.severity))
    return outcomes


class _Unreadable(Exception):
    """A check's query failed: the table cannot be read."""


class _TimedOut(Exception):
    """A check's query ran past the time limit."""

    def __init__(self, key: str, seconds: float) -> None:
        super().__init__(key)
        self.key, self.seconds = key, seconds


class _Checker:
    """Runs the checks' own SQL on the report's engine, each statement under the time limit."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.key = "table"  # the check key the next statement belongs to, for a timeout's location

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """All rows of a check query; _Unreadable if the table cannot be read."""
        try:
            return self.session.rows(sql, "a data check")
        except EngineError as exc:
            if exc.timed_out:
                raise _TimedOut(self.key, exc.seconds) from None
            if exc.out_of_memory:
                raise _Unreadable(memory.out_of_memory_message("the check", memory.memory_limit())
                                  .removeprefix("the check: ")) from None
            raise _Unreadable(read_detail(exc.message)) from None

    def scalar(self, sql: str) -> Any:
        """The first value of a check query."""
        rows = self.rows(sql)
        return rows[0][0] if rows else None


def _failures(con: _Checker, check: Check, tables: list[str], now: dt.datetime) -> list[Failure]:
    """Every way one check fails: an unknown table, an unreadable one, or the column checks."""
    table = check.table
    if table not in tables:
        return [("table", f"table '{table}' is not defined{did_you_mean(table, tables)}; defined tables: "
                          f"{', '.join(tables) or 'none'}")]
    try:
        columns = [row[0] for row in con.rows(f"DESCRIBE SELECT * FROM {_quote(table)}")]
        return _column_failures(con, check, columns, now)
    except _Unreadable as exc:
        return [("table", f"table '{table}' cannot be read: {exc}")]


def _column_failures(con: _Checker, check: Check, columns: list[str], now: dt.datetime) -> list[Failure]:
    """Run min_rows, not_null, unique and freshness against a readable table."""
    table, name = check.table, _quote(check.table)
    failures: list[Failure] = []

    def unknown(key: str, column: str) -> bool:
        if column in columns:
            return False
        failures.append((key, f"column '{column}' is not in table '{table}'{did_you_mean(column, columns)} "
                              f"(columns: {', '.join(columns)})"))
        return True

    if check.min_rows is not None:
        con.key = "min_rows"
        rows = con.scalar(f"SELECT count(*) FROM {name}")
        if rows < check.min_rows:
            failures.append(("min_rows", f"table '{table}' has {rows} rows; at least {check.min_rows} expected"))
    for column in check.not_null:
        if unknown("not_null", column):
            continue
        con.key = "not_null"
        nulls = con.scalar(f"SELECT count(*) FROM {name} WHERE {_quote(column)} IS NULL")
        if nulls:
            failures.append(("not_null", f"column '{column}' of table '{table}' has {_count(nulls, 'null value')}; "
                                         "none expected"))
    if check.unique and not any([unknown("unique", c) for c in check.unique]):
        cols = ", ".join(_quote(c) for c in check.unique)
        con.key = "unique"
        failures.extend(_duplicates(con, check, cols))
    if check.freshness and not unknown("freshness", check.freshness.column):
        con.key = "freshness"
        newest = con.scalar(f"SELECT max({_quote(check.freshness.column)}) FROM {name}")
        failures.extend(_stale(check, table, newest, now))
    return failures


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _duplicates(con: _Checker, check: Check, cols: str) -> list[Failure]:
    """How many value combinations repeat, with the most repeated one as an example."""
    groups = f"SELECT {cols}, count(*) AS n FROM {_quote(check.table)} GROUP BY ALL HAVING count(*) > 1"
    order = ", ".join(str(position + 2) for position in range(len(check.unique)))
    rows = con.rows(f"SELECT (SELECT count(*) FROM ({groups})), * FROM ({groups}) ORDER BY n DESC, {order} LIMIT 1")
    if not rows:
        return []
    count, *example, times = rows[0]
    shown = ", ".join(f"{c} = {v!r}" for c, v in zip(check.unique, example, strict=True))
    verb = "occurs" if count == 1 else "occur"
    return [("unique", f"{_count(count, 'value')} of ({', '.join(check.unique)}) in table '{check.table}' {verb} "
                       f"more than once (e.g. {shown}, {times} times); each must be unique")]


def _as_moment(value: Any) -> dt.datetime | None:
    """A date, timestamp or ISO date text as an aware datetime; None for anything else."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    return None


def _stale(check: Check, table: str, newest: Any, now: dt.datetime) -> list[Failure]:
    """A freshness failure with the newest value and its age, if it is too old."""
    assert check.freshness is not None
    column, limit = check.freshness.column, check.freshness.max_age_days
    if newest is None:
        return [("freshness", f"column '{column}' of table '{table}' is empty; cannot judge freshness")]
    moment = _as_moment(newest)
    if moment is None:
        return [("freshness", f"column '{column}' of table '{table}' is not a date or timestamp "
                              f"(its newest value is {newest!r})")]
    age = (now - moment).total_seconds() / 86400
    if age > limit:
        return [("freshness", f"newest {column} in table '{table}' is {newest} ({age:.1f} days old); "
                              f"at most {limit:g} days expected")]
    return []
