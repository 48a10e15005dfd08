"""Data sources: turn a report's URLs into concrete files and DuckDB tables.

Local paths are read by DuckDB's own Parquet/CSV readers (``local``). ``s3://`` sources are listed with
boto3 (``s3list``: names, sizes, ETags: the build's fingerprint), then fetched by ``s3fetch`` into local
copies of the columns the build reads, so no DuckDB extension is needed. Excel workbooks (``excel``) and
Python loaders (``loaders``) become Arrow tables. Each kind registers itself (``registry``): a new kind is one
module that calls ``registry.register`` and its import here.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from reportsite.config.project import Report
from reportsite.errors import Problem, SourceError, read_detail
from reportsite.sources import excel, files, glue, loaders, registry
from reportsite.sources.model import Source
from reportsite.sources.registry import Wanted

KINDS = (loaders.LOADER, glue.TABLE, excel.WORKBOOK, files.FILES)  # registered by their modules (see registry)


def resolve_url(url: str, data_root: str) -> str:
    """Absolute location of ``url``: s3:// and absolute paths stay, relative ones join data_root."""
    if url.startswith("file://"):
        return url[len("file://") :]
    if "://" in url:
        return url
    if os.path.isabs(url):
        return url
    if "://" in data_root:
        return f"{data_root.rstrip('/')}/{url.lstrip('./')}"
    return str(Path(data_root) / url)


def resolve(table: str, written: str, data_root: str, s3_client: Any | None = None,
            sheet: str | None = None, header_row: int | None = None) -> Source:
    """List the files behind one source (cheap: names, sizes and tags only); ``sheet`` picks an Excel sheet and
    ``header_row`` the row of its column names."""
    url = resolve_url(written, data_root)
    return _resolve(Wanted(table, written, url, data_root, s3_client, sheet, header_row))


def _resolve(wanted: Wanted) -> Source:
    return registry.kind_for(wanted).resolve(wanted)


def kind_of(source: Source) -> registry.SourceKind:
    """The kind a resolved source came from (how it is fetched and registered)."""
    return registry.kind_of(source)


def register(con: Any, source: Source) -> None:
    """Make ``source.table`` queryable on the DuckDB connection ``con``; SourceError names the URL if unreadable."""
    import duckdb

    try:
        _register(con, source)
    except duckdb.Error as exc:
        detail = read_detail(exc)
        for data_file in source.files:
            detail = detail.replace(f" '{data_file.url}'", "").replace(f" {data_file.url}", "")
        raise SourceError(f"data source '{source.written}': cannot read {source.url}: {detail}") from None


def _register(con: Any, source: Source) -> None:
    """A DuckDB view named ``source.table``, made by the source's kind (S3 sources are fetched first)."""
    registry.kind_of(source).register(con, source)


def resolve_sources(report: Report, data_root: str, s3_client: Any | None = None,
                    now: dt.datetime | None = None) -> list[Source]:
    """List every source of a report (running its loaders, see ``loaders``); SourceErrors come back located
    at their key."""
    found: list[Source] = []
    problems: list[Problem] = []
    config = report.config
    for table, written in config.tables_by_name().items():
        key = config.source_key(table)
        spec = config.source_spec(table)
        try:
            found.append(_resolve(Wanted(table, written, resolve_url(written, data_root), data_root, s3_client,
                                         spec.sheet, spec.header_row, report, spec, now)))
        except SourceError as exc:
            problems.extend(report.problem(key, p.message) for p in exc.problems)
    if problems:
        raise SourceError(problems)
    return found


__all__ = ["kind_of", "register", "resolve", "resolve_sources", "resolve_url"]
