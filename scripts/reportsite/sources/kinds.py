"""Data sources: turn a report's URLs into concrete files and DuckDB tables.

Local paths are read by DuckDB's own Parquet/CSV readers (``local``). ``s3://`` sources are listed with
boto3 (``s3list``: names, sizes, ETags: the build's fingerprint), then fetched by ``s3fetch`` into local
copies of the columns the build reads, so no DuckDB extension is needed. Excel workbooks (``excel``) and
Python loaders (``loaders``) become Arrow tables.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from reportsite.config.project import Report
from reportsite.errors import Problem, SourceError, read_detail
from reportsite.sources import excel, glue, loaders, local, s3list, s3stream
from reportsite.sources.model import CSV, HIVE_SEGMENT, PARQUET, Source


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


def _format_of(paths: list[str], written: str) -> str:
    formats = set()
    for p in paths:
        lower = p.lower()
        if lower.endswith(PARQUET):
            formats.add("parquet")
        elif lower.endswith(CSV):
            formats.add("csv")
    if len(formats) != 1:
        found = ", ".join(sorted(formats)) or "no .parquet or .csv files"
        raise SourceError(f"data source '{written}' must be Parquet or CSV files of one kind (found {found})")
    return formats.pop()


def resolve(table: str, written: str, data_root: str, s3_client: Any | None = None,
            sheet: str | None = None, header_row: int | None = None) -> Source:
    """List the files behind one source (cheap: names, sizes and tags only); ``sheet`` picks an Excel sheet and
    ``header_row`` the row of its column names."""
    if glue.is_glue(written):
        return glue.resolve(table, written, s3=s3_client)
    url = resolve_url(written, data_root)
    if excel.is_workbook(url):
        return excel.resolve(table, written, url, sheet, s3_client, header_row, data_root)
    if sheet is not None:
        raise SourceError(f"data source '{written}': sheet applies only to Excel workbooks (.xlsx, .xlsm)")
    if url.startswith("s3://"):
        files = s3list.list_s3(url, written, s3_client)
    elif "://" in url:
        raise SourceError(f"data source '{written}': only s3:// URLs and local paths are supported")
    else:
        files = local.list_local(url, written, data_root)
    paths = [f.url for f in files]
    fmt = _format_of(paths, written)
    hive = any(HIVE_SEGMENT.search(_relative(p, url)) for p in paths)
    return Source(table=table, written=written, url=url, files=tuple(files), format=fmt, hive=hive)


def _relative(path: str, base: str) -> str:
    base = base.split("*", 1)[0].rstrip("/")
    if os.path.isfile(base) or base == path:
        return ""
    return path[len(base) :] if path.startswith(base) else path


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
    """A DuckDB view over the source's local files (S3 sources are fetched to local copies first)."""
    if source.is_s3 and source.streamed:
        s3stream.register(con, source)
        return
    if source.is_s3:
        raise SourceError(f"data source '{source.written}' must be fetched before it is registered")
    if source.format == "xlsx":
        excel.register(con, source)
        return
    files = [f.url.replace("'", "''") for f in source.files]
    listing = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    if source.format == "parquet":
        reader = f"read_parquet({listing}, hive_partitioning = {str(source.hive).lower()}, union_by_name = true)"
    else:
        reader = f"read_csv({listing}, header = true, hive_partitioning = {str(source.hive).lower()})"
    con.execute(f'CREATE OR REPLACE VIEW "{source.table}" AS SELECT * FROM {reader}').fetchall()


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
            if spec.loader is not None:
                found.append(loaders.resolve(report, table, spec, now))
            else:
                found.append(resolve(table, written, data_root, s3_client, spec.sheet, spec.header_row))
        except SourceError as exc:
            problems.extend(report.problem(key, p.message) for p in exc.problems)
    if problems:
        raise SourceError(problems)
    return found


__all__ = ["register", "resolve", "resolve_sources", "resolve_url"]
