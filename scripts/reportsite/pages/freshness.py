"""How fresh a report's data is: sources older than their update frequency, and the page's "data as of" line
(the newest value of ``as_of``'s column, else of a freshness check's, else the files' modification time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportsite.config.project import Report
from reportsite.errors import Problem, did_you_mean, read_detail
from reportsite.pages.page import ReportPage
from reportsite.query import located
from reportsite.query.engine import EngineError
from reportsite.query.session import Session
from reportsite.sources.model import Source
from reportsite.values.formats import Formats

STALE_AFTER = {"hourly": dt.timedelta(hours=2), "daily": dt.timedelta(days=2), "weekly": dt.timedelta(days=14),
               "monthly": dt.timedelta(days=62)}


def stale_sources(report: Report, resolved: list[Source], now: dt.datetime) -> list[str]:
    """Warnings for sources older than twice the report's update frequency (errors under --strict)."""
    limit = STALE_AFTER.get(report.config.update_frequency)
    warnings = []
    for source in resolved:
        if limit is None or source.modified is None or now - source.modified <= limit:
            continue
        age = (now - source.modified).total_seconds() / 86400
        key = report.config.source_key(source.table)
        message = (f"data source '{source.written}' was last modified {source.modified:%Y-%m-%d %H:%M} UTC "
                   f"({age:.1f} days ago), older than twice the update_frequency "
                   f"({report.config.update_frequency}); is the data pipeline running?")
        warnings.append(str(report.problem(key, message)))
    return warnings


FILES_UPDATED = "Files updated"


DATA_AS_OF = "Data as of"


def files_updated(page: ReportPage, formats: Formats) -> None:
    """'Files updated <time>': the data files' newest modification time, when no column says better."""
    page.data_as_of_label = FILES_UPDATED
    page.data_as_of_at = page.data_modified
    modified = dt.datetime.fromisoformat(page.data_modified) if page.data_modified else None
    page.data_as_of = formats.moment(modified, seconds=False) if modified else None


def set_data_as_of(page: ReportPage, session: Session, report: Report, formats: Formats) -> list[Problem]:
    """'Data as of': the newest value of ``as_of``'s column, else of the first freshness check's column,
    in the site's zone and locale; the files' modification time stays when neither gives a date.

    A wrong ``as_of`` is a problem at its key; a freshness column is reported by its own check.
    """
    config = report.config
    if config.as_of is not None:
        table, column, key = config.as_of.table, config.as_of.column, ("as_of",)
    else:
        check = next((c for c in config.checks if c.freshness is not None and c.table in session.tables), None)
        if check is None or check.freshness is None:
            return []
        table, column, key = check.table, check.freshness.column, None
    try:
        newest = _newest(session, table, column)
    except _AsOfProblem as exc:
        return [] if key is None else [report.problem((*key, exc.key), exc.message)]
    moment = as_moment(newest)
    if moment is None:
        if key is not None and newest is not None:
            return [report.problem((*key, "column"), f"column '{column}' of table '{table}' is not a date or "
                                                     f"timestamp (its newest value is {newest!r})")]
        return []  # an empty table: the files' time stays
    page.data_as_of_label, page.data_as_of_at = DATA_AS_OF, moment.isoformat()
    page.data_as_of = formats.moment(moment)
    return []


class _AsOfProblem(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


def _newest(session: Session, table: str, column: str) -> Any:
    """``max(column)`` of ``table``, on the report's engine under its time limit."""
    if table not in session.tables:
        raise _AsOfProblem("table", f"table '{table}' is not defined{did_you_mean(table, session.tables)}; "
                                    f"defined tables: {', '.join(session.tables) or 'none'}")
    quoted = '"' + table.replace('"', '""') + '"'
    try:
        columns = [row[0] for row in session.rows(f"DESCRIBE SELECT * FROM {quoted}", f"as_of on table '{table}'")]
        if column not in columns:
            raise _AsOfProblem("column", f"column '{column}' is not in table '{table}'"
                                         f"{did_you_mean(column, columns)} (columns: {', '.join(columns)})")
        name = '"' + column.replace('"', '""') + '"'
        rows = session.rows(f"SELECT max({name}) FROM {quoted}", f"as_of on table '{table}'")
        return rows[0][0] if rows else None
    except EngineError as exc:
        if exc.timed_out:
            raise _AsOfProblem("table", located.timeout_message(f"as_of on table '{table}'", exc.seconds)) from None
        raise _AsOfProblem("table", f"table '{table}' cannot be read: {read_detail(exc.message)}") from None


def as_moment(value: Any) -> dt.datetime | dt.date | None:
    """A date stays a date, a timestamp a datetime (naive ones stay naive); ISO text becomes either."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    return value if isinstance(value, dt.date) else None


__all__ = ["DATA_AS_OF", "FILES_UPDATED", "STALE_AFTER", "as_moment", "files_updated", "set_data_as_of",
           "stale_sources"]
