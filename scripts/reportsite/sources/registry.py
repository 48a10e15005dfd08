"""The kinds of data source: each one declares how a source is recognised, resolved, fetched and registered.

A kind is one ``SourceKind``, registered from its own module (``files``: Parquet and CSV, ``excel``, ``loaders``,
``glue``); ``kinds`` resolves and registers every source through this registry, ``s3plan`` fetches S3 sources
with it. Kinds are asked in the order they registered, the Parquet/CSV files (``FALLBACK``) last: they take any
path or URL the others did not recognise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsite.errors import SourceError
from reportsite.sources.model import Source


@dataclass(frozen=True)
class Wanted:
    """One table a report asks for, as its file says it."""

    table: str
    written: str  # as written in the report (a path, a URL, glue:db.table; the loader's file for a loader)
    url: str  # ``written`` resolved against the data root (``kinds.resolve_url``)
    data_root: str
    s3_client: Any | None = None
    sheet: str | None = None
    header_row: int | None = None
    report: Any | None = None  # the Report and its SourceSpec, when the table is declared under data_sources
    spec: Any | None = None
    now: dt.datetime | None = None

    @property
    def loader(self) -> Any | None:
        """The Python loader that makes this table, if one does."""
        return getattr(self.spec, "loader", None)


@dataclass(frozen=True)
class SourceKind:
    """One kind of data source."""

    name: str
    recognises: Callable[[Wanted], bool]  # is this table this kind's?
    resolve: Callable[[Wanted], Source]  # its files, cheaply (names, sizes and tags), or SourceError
    formats: tuple[str, ...]  # the Source.format values its sources carry: how a resolved source finds its kind
    register: Callable[[Any, Source], None]  # a view named source.table on a DuckDB connection
    localize: Callable[[Source, Path, list[str] | None], Source] | None = None  # an S3 source fetched whole
    # (source, cache folder, notes); None: the column cache fetches the columns the build reads (cachebudget)


KINDS: list[SourceKind] = []
FALLBACK: list[SourceKind] = []  # asked last (the Parquet/CSV files)


def register(kind: SourceKind, fallback: bool = False) -> SourceKind:
    """Add ``kind``, asked before the fallback; a name registered twice is a programming error."""
    if any(k.name == kind.name for k in (*KINDS, *FALLBACK)):
        raise ValueError(f"source kind '{kind.name}' is registered twice")
    (FALLBACK if fallback else KINDS).append(kind)
    return kind


def kind_for(wanted: Wanted) -> SourceKind:
    """The first kind that recognises ``wanted``."""
    for kind in (*KINDS, *FALLBACK):
        if kind.recognises(wanted):
            return kind
    raise SourceError(f"data source '{wanted.written}': no kind of data source reads it")


def kind_of(source: Source) -> SourceKind:
    """The kind a resolved source came from, by its format."""
    for kind in (*KINDS, *FALLBACK):
        if source.format in kind.formats:
            return kind
    raise SourceError(f"data source '{source.written}': no kind of data source reads {source.format}")


__all__ = ["FALLBACK", "KINDS", "SourceKind", "Wanted", "kind_for", "kind_of", "register"]
