"""Run one report: resolve its sources, run checks and queries, build chart specs.

Everything a report page shows is gathered here into a ``ReportPage``; nothing
is rendered or published. Errors from every item are collected so that one run
reports all of them.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from . import checks, query, sandbox, sources
from .config import Report, SiteConfig
from .errors import Problem, QueryError, ReportError, SourceError, did_you_mean
from .formats import Formats
from .pages import ReportPage, with_parameters

STALE_AFTER = {"hourly": dt.timedelta(hours=2), "daily": dt.timedelta(days=2), "weekly": dt.timedelta(days=14),
               "monthly": dt.timedelta(days=62)}


def stale_sources(report: Report, resolved: list[sources.Source], now: dt.datetime) -> list[str]:
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


def resolve_sources(report: Report, data_root: str, s3_client: Any | None = None,
                    now: dt.datetime | None = None) -> list[sources.Source]:
    """List every source of a report (running its loaders, see ``loaders``); SourceErrors come back located
    at their key."""
    found: list[sources.Source] = []
    problems: list[Problem] = []
    config = report.config
    for table, written in config.tables_by_name().items():
        key = config.source_key(table)
        spec = config.source_spec(table)
        try:
            if spec.loader is not None:
                from . import loaders

                found.append(loaders.resolve(report, table, spec, now))
            else:
                found.append(sources.resolve(table, written, data_root, s3_client, spec.sheet))
        except SourceError as exc:
            problems.extend(report.problem(key, p.message) for p in exc.problems)
    if problems:
        raise SourceError(problems)
    return found


def report_queries(report: Report) -> list[tuple[str, dict[str, Any]]] | None:
    """Every metric, chart and table query with its bound parameters (None if one cannot be bound).

    None too when a query uses a filter's or for_each's value: planned with a stand-in, DuckDB would fold
    ``$region IS NULL OR region = $region`` to true and leave out columns the real choices read.
    """
    from .config import filter_parameters

    out = []
    chosen = set(filter_parameters(report.config))
    for key, label in report.queries():
        ref = query.QueryRef(report, key, label)
        try:
            sql = ref.sql.strip().rstrip(";")
            bound = query.bound_parameters(sql, report.bindable(), ref)
        except (QueryError, OSError):
            return None
        if chosen & set(bound):
            return None
        out.append((sql, bound))
    return out


def s3_columns(report: Report, resolved: list[sources.Source], fs: Any, cache: Path,
               notes: list[str] | None = None) -> dict[str, set[str]]:
    """For each S3 Parquet source (by URL): the columns this report's queries and checks read."""
    from . import s3fetch

    problems: list[Problem] = []
    schemas: dict[str, Any] = {}
    for source in resolved:
        if source.is_s3 and source.format == "parquet":
            try:
                schemas[source.table] = s3fetch.schema_of(source, fs, cache, notes)
            except Exception as exc:
                problems.append(_unreadable(report, source, exc))
    if problems:
        raise SourceError(problems)
    if not schemas:
        return {}
    queries = report_queries(report)
    needed: dict[str, set[str]] = (
        s3fetch.columns_used(queries, schemas) if queries is not None
        else {t: set(schema.names) for t, schema in schemas.items()})
    for check in report.config.checks:
        if check.table in needed:
            needed[check.table].update(
                [*check.not_null, *check.unique, *([check.freshness.column] if check.freshness else [])])
    as_of = report.config.as_of
    if as_of is not None and as_of.table in needed:
        needed[as_of.table].add(as_of.column)
    urls = {s.table: s.url for s in resolved}
    return {urls[table]: columns for table, columns in needed.items()}


def fetch_s3_sources(report: Report, resolved: list[sources.Source], cache: Path,
                     wanted: dict[str, set[str]] | None = None,
                     notes: list[str] | None = None, cache_max_gb: float | None = None) -> list[sources.Source]:
    """Replace S3 sources by local copies of the columns the build reads (see s3fetch).

    ``wanted`` (URL → columns) is the union over every report of the build, so reports reading the
    same source share one copy; without it, this report's own columns are fetched.
    """
    from . import cachebudget, s3fetch

    if not any(s.is_s3 for s in resolved):
        return resolved
    budget = cachebudget.budget_for(cache_max_gb, cache)
    fs = s3fetch.filesystem()
    columns = dict(wanted or {})
    for url, needed in s3_columns(report, resolved, fs, cache, notes).items():
        columns.setdefault(url, set()).update(needed)
    local, problems = [], []
    for source in resolved:
        if not source.is_s3:
            local.append(source)
            continue
        try:
            if source.format == "xlsx":  # a workbook is fetched whole, once per ETag
                from . import excel_source

                local.append(excel_source.localize(source, cache, notes))
                continue
            local.append(cachebudget.place(source, columns.get(source.url), cache, fs, budget, notes))
        except Exception as exc:
            problems.append(_unreadable(report, source, exc))
    if problems:
        raise SourceError(problems)
    return local


def s3_columns_of_build(pairs: list[tuple[Report, list[sources.Source]]], cache: Path) -> dict[str, set[str]]:
    """Union, over several reports, of the columns each reads from each S3 Parquet source."""
    from . import s3fetch

    if not any(s.is_s3 for _, found in pairs for s in found):
        return {}
    fs = s3fetch.filesystem()
    wanted: dict[str, set[str]] = {}
    for report, found in pairs:
        try:
            for url, columns in s3_columns(report, found, fs, cache).items():
                wanted.setdefault(url, set()).update(columns)
        except SourceError:
            continue  # reported, located, when this report runs
    return wanted


def _unreadable(report: Report, source: sources.Source, exc: Exception) -> Problem:
    message = f"data source '{source.written}': cannot read {source.url}: {sources.read_detail(exc)}"
    return report.problem(report.config.source_key(source.table), message)


def run_report(
    report: Report,
    site: SiteConfig,
    resolved: list[sources.Source],
    downloads: Path | None,
    now: dt.datetime,
    cache: Path | None = None,
    s3_wanted: dict[str, set[str]] | None = None,
    families: dict[str, dict[str, str]] | None = None,
    page_files: Any = None,
) -> ReportPage:
    """Query everything the report shows. Raises ReportError listing every failed item.

    ``cache`` keeps local copies of S3 sources between builds (a temporary folder when None).
    """
    config = report.config
    page = ReportPage(
        slug=report.slug,
        title=with_parameters(config.title, config.parameters) or config.title,
        description=config.description,
        update_frequency=config.update_frequency,
        text=[p.strip() for p in re.split(r"\n\s*\n", config.text or "") if p.strip()],
        sources=[
            {"table": s.table, "url": s.written, "files": len(s.files), "bytes": s.size,
             "modified": s.modified.isoformat() if s.modified else None}
            for s in resolved
        ],
    )
    modified = [s.modified for s in resolved if s.modified]
    page.data_modified = max(modified).isoformat() if modified else None
    files_updated(page, Formats.of(site))
    page.warnings.extend(stale_sources(report, resolved, now))
    started = time.perf_counter()
    if any(s.is_s3 for s in resolved):
        if cache is None:
            with tempfile.TemporaryDirectory(prefix="reportsite-s3-") as scratch:
                return run_report(report, site, resolved, downloads, now, Path(scratch), s3_wanted, families)
        resolved = fetch_s3_sources(report, resolved, cache, s3_wanted, page.notes, site.cache_max_gb)
        page.seconds["fetch"] = time.perf_counter() - started
    readable = [f.url for s in resolved for f in s.files if not s.is_s3]  # streamed S3 sources need no file
    con = sandbox.connect(readable, cache, site.timezone)
    problems: list[Problem] = []
    session = None
    try:
        for source in resolved:
            try:
                sources.register(con, source)
            except SourceError as exc:
                problems.extend(report.problem(config.source_key(source.table), p.message) for p in exc.problems)
        if problems:
            raise SourceError(problems)
        sandbox.lock(con)

        def low_footprint() -> Any:
            """The same tables on a fresh connection with one thread and no insertion order (see memory)."""
            fresh = sandbox.connect(readable, cache, site.timezone, low_footprint=True)
            for source in resolved:
                sources.register(fresh, source)
            sandbox.lock(fresh)
            return fresh

        session = query.Session(con, [s.table for s in resolved], site.query_timeout_seconds, low_footprint)
        page.seconds["register"] = time.perf_counter() - started
        mark = time.perf_counter()
        for outcome in checks.run_checks(session, report, now):
            if outcome.severity == "error":
                problems.append(outcome.problem)
            else:
                page.warnings.append(str(outcome.problem))
        page.seconds["checks"] = time.perf_counter() - mark
        problems.extend(set_data_as_of(page, session, report, Formats.of(site)))
        mark = time.perf_counter()
        from . import family, slices  # charts, formats and Markdown: only when a report runs

        if config.for_each is not None:
            family.run_members(session, report, site, downloads, problems, page, site_today(site, now), families,
                               page_files)
        else:
            slices.run_items(session, report, site, downloads, problems, page, site_today(site, now),
                             config.parameters, config.title, None, families)
        page.seconds["queries"] = time.perf_counter() - mark
        page.queries = session.count
        page.notes.extend(f"{label} ran out of memory and was run again with one thread and insertion order not "
                          "preserved" for label in dict.fromkeys(session.retried))
    finally:
        con.close()
        if session is not None:
            session.close()
    if problems:
        raise ReportError(list({str(p): p for p in problems}.values()))  # once, whichever choices it failed for
    return page


def site_today(site: SiteConfig, now: dt.datetime) -> dt.date:
    """The build's date in the site's time zone: what date_range presets count back from."""
    import zoneinfo

    return now.astimezone(zoneinfo.ZoneInfo(site.timezone)).date()




FILES_UPDATED = "Files updated"
DATA_AS_OF = "Data as of"


def files_updated(page: ReportPage, formats: Formats) -> None:
    """'Files updated <time>': the data files' newest modification time, when no column says better."""
    page.data_as_of_label = FILES_UPDATED
    page.data_as_of_at = page.data_modified
    modified = dt.datetime.fromisoformat(page.data_modified) if page.data_modified else None
    page.data_as_of = formats.moment(modified, seconds=False) if modified else None


def set_data_as_of(page: ReportPage, session: query.Session, report: Report, formats: Formats) -> list[Problem]:
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


def _newest(session: query.Session, table: str, column: str) -> Any:
    """``max(column)`` of ``table``, in the report's locked session under its time limit."""
    import duckdb

    from .sandbox import time_limit

    if table not in session.tables:
        raise _AsOfProblem("table", f"table '{table}' is not defined{did_you_mean(table, session.tables)}; "
                                    f"defined tables: {', '.join(session.tables) or 'none'}")
    quoted = '"' + table.replace('"', '""') + '"'
    for _ in range(2):  # once more on a low-footprint connection if it ran out of memory
        with time_limit(session.con, session.timeout) as limit:
            try:
                columns = [row[0] for row in session.con.sql(f"DESCRIBE SELECT * FROM {quoted}").fetchall()]
                if column not in columns:
                    raise _AsOfProblem("column", f"column '{column}' is not in table '{table}'"
                                                 f"{did_you_mean(column, columns)} (columns: {', '.join(columns)})")
                name = '"' + column.replace('"', '""') + '"'
                rows = session.con.sql(f"SELECT max({name}) FROM {quoted}").fetchall()
                return rows[0][0] if rows else None
            except duckdb.Error as exc:
                if limit.expired:
                    raise _AsOfProblem("table", query.timeout_message(f"as_of on table '{table}'",
                                                                      limit.seconds)) from None
                if session.switch_to_low_footprint(exc):
                    continue
                raise _AsOfProblem("table", f"table '{table}' cannot be read: {sources.read_detail(exc)}") from None
    return None


def as_moment(value: Any) -> dt.datetime | dt.date | None:
    """A date stays a date, a timestamp a datetime (naive ones stay naive); ISO text becomes either."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    return value if isinstance(value, dt.date) else None
