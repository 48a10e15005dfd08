"""Parquet and CSV files, local or on S3: a path, a folder or a glob (``local``, ``s3list``), read by DuckDB's own
readers; S3 files are fetched to local copies of the columns the build reads (``cachebudget``), or streamed."""

from __future__ import annotations

import os
from typing import Any

from reportsite.errors import SourceError
from reportsite.sources import local, registry, s3list, s3stream
from reportsite.sources.model import CSV, HIVE_SEGMENT, PARQUET, Source


def format_of(paths: list[str], written: str) -> str:
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


def resolve(wanted: registry.Wanted) -> Source:
    written, url = wanted.written, wanted.url
    if wanted.sheet is not None:
        raise SourceError(f"data source '{written}': sheet applies only to Excel workbooks (.xlsx, .xlsm)")
    if url.startswith("s3://"):
        files = s3list.list_s3(url, written, wanted.s3_client)
    elif "://" in url:
        raise SourceError(f"data source '{written}': only s3:// URLs and local paths are supported")
    else:
        files = local.list_local(url, written, wanted.data_root)
    paths = [f.url for f in files]
    fmt = format_of(paths, written)
    hive = any(HIVE_SEGMENT.search(_relative(p, url)) for p in paths)
    return Source(table=wanted.table, written=written, url=url, files=tuple(files), format=fmt, hive=hive)


def _relative(path: str, base: str) -> str:
    base = base.split("*", 1)[0].rstrip("/")
    if os.path.isfile(base) or base == path:
        return ""
    return path[len(base) :] if path.startswith(base) else path


def register(con: Any, source: Source) -> None:
    """A DuckDB view over the source's local files (S3 sources are fetched to local copies first)."""
    if source.is_s3 and source.streamed:
        s3stream.register(con, source)
        return
    if source.is_s3:
        raise SourceError(f"data source '{source.written}' must be fetched before it is registered")
    files = [f.url.replace("'", "''") for f in source.files]
    listing = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    if source.format == "parquet":
        reader = f"read_parquet({listing}, hive_partitioning = {str(source.hive).lower()}, union_by_name = true)"
    else:
        reader = f"read_csv({listing}, header = true, hive_partitioning = {str(source.hive).lower()})"
    con.execute(f'CREATE OR REPLACE VIEW "{source.table}" AS SELECT * FROM {reader}').fetchall()


FILES = registry.register(registry.SourceKind("files", lambda wanted: True, resolve, ("parquet", "csv"), register),
                          fallback=True)

__all__ = ["FILES", "format_of", "register", "resolve"]
