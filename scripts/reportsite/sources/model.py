"""What a data source is: the table a report queries and the files (local or S3 objects) behind it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

PARQUET = (".parquet", ".parq", ".pq")


CSV = (".csv", ".csv.gz", ".tsv")


GLOB_CHARS = re.compile(r"[*?\[]")


HIVE_SEGMENT = re.compile(r"(^|/)[^/=]+=[^/]*(/|$)")


@dataclass(frozen=True)
class DataFile:
    url: str  # local absolute path or s3://bucket/key
    size: int
    modified: dt.datetime
    tag: str  # mtime_ns locally, ETag on S3


@dataclass(frozen=True)
class Source:
    """A table a report can query, and the files behind it."""

    table: str
    written: str  # as written in the report
    url: str  # resolved against data_root
    files: tuple[DataFile, ...]
    format: str  # parquet | csv | xlsx
    hive: bool
    streamed: bool = False  # an S3 source read at query time (too big for the cache budget; see s3stream)
    sheet: str | None = None  # the sheet of an Excel workbook (None: the first)
    header_row: int | None = None  # the row of the sheet's column names, as Excel numbers it (None: the first)

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    @property
    def fingerprint(self) -> str:
        sheet = f"|{self.sheet}" if self.sheet is not None else ""
        sheet += f"|header_row={self.header_row}" if self.header_row else ""
        digest = hashlib.sha256(f"{self.table}|{self.url}|{self.format}{sheet}".encode())
        for f in self.files:
            digest.update(f"{f.url}|{f.size}|{f.tag}\n".encode())
        return digest.hexdigest()

    @property
    def modified(self) -> dt.datetime | None:
        return max((f.modified for f in self.files), default=None)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


def data_files(paths: list[str]) -> list[str]:
    return sorted(p for p in paths if p.lower().endswith(PARQUET + CSV))


__all__ = ["CSV", "GLOB_CHARS", "HIVE_SEGMENT", "PARQUET", "DataFile", "Source", "data_files"]
