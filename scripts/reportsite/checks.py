"""Data checks declared under ``checks:``; run in SQL before a report is published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .config import Check, Report
from .errors import Problem


@dataclass(frozen=True)
class CheckOutcome:
    problem: Problem
    severity: str  # error | warning


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_checks(con: Any, report: Report, tables: list[str], now: dt.datetime) -> list[CheckOutcome]:
    """Every failed check of the report, each located at its key in the YAML."""
    outcomes: list[CheckOutcome] = []
    for index, check in enumerate(report.config.checks):
        for key, message in _failures(con, check, tables, now):
            problem = report.problem(("checks", index, key), message)
            outcomes.append(CheckOutcome(problem, check.severity))
    return outcomes


def _scalar(con: Any, sql: str) -> Any:
    rows = con.sql(sql).fetchall()
    return rows[0][0] if rows else None


def _failures(con: Any, check: Check, tables: list[str], now: dt.datetime) -> list[tuple[str, str]]:
    import duckdb

    from .errors import did_you_mean

    table = check.table
    if table not in tables:
        return [("table", f"table '{table}' is not defined{did_you_mean(table, tables)}; defined: "
                          f"{', '.join(tables) or 'none'}")]
    name = _quote(table)
    try:
        columns = [row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {name}").fetchall()]
    except duckdb.Error as exc:
        return [("table", f"table '{table}' cannot be read: {str(exc).splitlines()[0]}")]
    failures: list[tuple[str, str]] = []

    def unknown(key: str, column: str) -> bool:
        if column in columns:
            return False
        failures.append((key, f"column '{column}' is not in table '{table}'{did_you_mean(column, columns)} "
                              f"(columns: {', '.join(columns)})"))
        return True

    if check.min_rows is not None:
        rows = _scalar(con, f"SELECT count(*) FROM {name}")
        if rows < check.min_rows:
            failures.append(("min_rows", f"table '{table}' has {rows} rows; at least {check.min_rows} expected"))
    for column in check.not_null:
        if unknown("not_null", column):
            continue
        nulls = _scalar(con, f"SELECT count(*) FROM {name} WHERE {_quote(column)} IS NULL")
        if nulls:
            failures.append(("not_null", f"column '{column}' of table '{table}' has {nulls} null values; "
                                         "none expected"))
    if check.unique and not any(unknown("unique", c) for c in check.unique):
        cols = ", ".join(_quote(c) for c in check.unique)
        dupes = _scalar(con, f"SELECT count(*) FROM (SELECT {cols} FROM {name} GROUP BY ALL HAVING count(*) > 1)")
        if dupes:
            failures.append(("unique", f"{dupes} values of ({', '.join(check.unique)}) in table '{table}' occur "
                                       "more than once; each must be unique"))
    if check.freshness and not unknown("freshness", check.freshness.column):
        newest = _scalar(con, f"SELECT max({_quote(check.freshness.column)}) FROM {name}")
        failures.extend(_stale(check, table, newest, now))
    return failures


def _stale(check: Check, table: str, newest: Any, now: dt.datetime) -> list[tuple[str, str]]:
    assert check.freshness is not None
    column, limit = check.freshness.column, check.freshness.max_age_days
    if newest is None:
        return [("freshness", f"column '{column}' of table '{table}' is empty; cannot judge freshness")]
    if isinstance(newest, dt.datetime):
        moment = newest if newest.tzinfo else newest.replace(tzinfo=dt.UTC)
    elif isinstance(newest, dt.date):
        moment = dt.datetime.combine(newest, dt.time(), tzinfo=dt.UTC)
    else:
        return [("freshness", f"column '{column}' of table '{table}' is not a date or timestamp")]
    age = (now - moment).total_seconds() / 86400
    if age > limit:
        return [("freshness", f"newest {column} in table '{table}' is {newest} ({age:.1f} days old); "
                              f"at most {limit:g} days expected")]
    return []
