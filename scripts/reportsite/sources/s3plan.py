"""Which columns of each S3 Parquet source a build reads, and the local copies it queries instead.

The columns come from DuckDB's plans of the report's queries (``s3fetch.columns_used``) plus what its
checks and ``as_of`` read; the copies are made by ``s3fetch`` within the cache budget (``cachebudget``), or
the source is streamed. Reports reading the same source share one copy of the union of their columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportsite.config.project import Report, filter_parameters
from reportsite.errors import Problem, QueryError, SourceError, read_detail
from reportsite.query import batch, located
from reportsite.sources import cachebudget, kinds, s3fetch
from reportsite.sources.model import Source
from reportsite.sources.s3fetch import PlannedQuery


def report_queries(report: Report) -> list[PlannedQuery] | None:
    """Every query of the report as DuckDB will plan it, with its bound parameters (None if one cannot be
    planned, and every column of the report's S3 sources is copied).

    A query that uses a filter's or for_each's value is planned as one pass for every value (``batch.lateral``):
    the value is a column of a values table, so DuckDB cannot fold ``$region IS NULL OR region = $region`` to
    true and leave out the columns the real choices read.
    """
    out = []
    chosen = set(filter_parameters(report.config))
    for key, label in report.queries():
        ref = located.QueryRef(report, key, label)
        try:
            sql = ref.sql.strip().rstrip(";")
            bound = located.bound_parameters(sql, report.bindable(), ref)
        except (QueryError, OSError):
            return None
        varying = sorted(chosen & set(bound))
        if not varying:
            out.append(PlannedQuery(sql, sql, bound))
            continue
        planned = batch.lateral(sql, varying)
        if isinstance(planned, batch.NotBatched):
            return None
        out.append(PlannedQuery(sql, planned, {k: v for k, v in bound.items() if k not in varying}))
    return out


def s3_columns(report: Report, resolved: list[Source], fs: Any, cache: Path,
               notes: list[str] | None = None) -> dict[str, set[str]]:
    """For each S3 Parquet source (by URL): the columns this report's queries and checks read."""
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
        s3fetch.columns_used(queries, schemas, filter_parameters(report.config)) if queries is not None
        else {t: set(schema.names) for t, schema in schemas.items()})
    for table, columns in checked_columns(report).items():
        if table in needed:
            needed[table].update(columns)
    urls = {s.table: s.url for s in resolved}
    return {urls[table]: columns for table, columns in needed.items()}


def checked_columns(report: Report) -> dict[str, set[str]]:
    """The columns of each table that the report's checks and ``as_of`` read (beside its queries)."""
    out: dict[str, set[str]] = {}
    for check in report.config.checks:
        out.setdefault(check.table, set()).update(
            [*check.not_null, *check.unique, *([check.freshness.column] if check.freshness else [])])
    as_of = report.config.as_of
    if as_of is not None:
        out.setdefault(as_of.table, set()).add(as_of.column)
    return out


def fetch_s3_sources(report: Report, resolved: list[Source], cache: Path,
                     wanted: dict[str, set[str]] | None = None,
                     notes: list[str] | None = None, cache_max_gb: float | None = None) -> list[Source]:
    """Replace S3 sources by local copies of the columns the build reads (see s3fetch).

    ``wanted`` (URL → columns) is the union over every report of the build, so reports reading the
    same source share one copy; without it, this report's own columns are fetched.
    """
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
            fetch = kinds.kind_of(source).localize  # e.g. a workbook, fetched whole once per ETag
            if fetch is not None:
                local.append(fetch(source, cache, notes))
                continue
            local.append(cachebudget.place(source, columns.get(source.url), cache, fs, budget, notes))
        except Exception as exc:
            problems.append(_unreadable(report, source, exc))
    if problems:
        raise SourceError(problems)
    return local


def s3_columns_of_build(pairs: list[tuple[Report, list[Source]]], cache: Path) -> dict[str, set[str]]:
    """Union, over several reports, of the columns each reads from each S3 Parquet source."""
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


def _unreadable(report: Report, source: Source, exc: Exception) -> Problem:
    message = f"data source '{source.written}': cannot read {source.url}: {read_detail(exc)}"
    return report.problem(report.config.source_key(source.table), message)


__all__ = ["checked_columns", "fetch_s3_sources", "report_queries", "s3_columns", "s3_columns_of_build"]
