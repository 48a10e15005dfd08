"""Data sources: turn a report's URLs into concrete files and DuckDB tables.

Local paths are read by DuckDB's own Parquet/CSV readers. ``s3://`` sources are
listed with boto3 and scanned lazily by Polars (no DuckDB extension needed), so
DuckDB pushes its projection and filters down and only the columns and row
groups a query touches are fetched.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import s3env
from .errors import SourceError

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
    format: str  # parquet | csv
    hive: bool

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.table}|{self.url}|{self.format}".encode())
        for f in self.files:
            digest.update(f"{f.url}|{f.size}|{f.tag}\n".encode())
        return digest.hexdigest()

    @property
    def modified(self) -> dt.datetime | None:
        return max((f.modified for f in self.files), default=None)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


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


def _data_files(paths: list[str]) -> list[str]:
    return sorted(p for p in paths if p.lower().endswith(PARQUET + CSV))


def list_local(path: str, written: str) -> list[DataFile]:
    if GLOB_CHARS.search(path):
        matches = [p for p in glob.glob(path, recursive=True) if os.path.isfile(p)]
    elif os.path.isdir(path):
        matches = [str(p) for p in Path(path).rglob("*") if p.is_file()]
    elif os.path.isfile(path):
        matches = [path]
    else:
        raise SourceError(f"data source '{written}' not found: {path} does not exist")
    files = _data_files(matches)
    if not files:
        raise SourceError(f"data source '{written}' matches no .parquet or .csv files ({path})")
    out = []
    for p in files:
        st = os.stat(p)
        modified = dt.datetime.fromtimestamp(st.st_mtime, tz=dt.UTC)
        out.append(DataFile(url=os.path.abspath(p), size=st.st_size, modified=modified, tag=str(st.st_mtime_ns)))
    return out


def _glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Glob with ``**`` spanning folders, ``*`` within one folder."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def list_s3(url: str, written: str, client: Any | None = None) -> list[DataFile]:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    bucket, key = s3env.split_s3_url(url)
    if not bucket:
        raise SourceError(f"data source '{written}' has no bucket name (expected s3://bucket/key)")
    client = client or s3env.client()
    match = GLOB_CHARS.search(key)
    prefix = key[: match.start()] if match else key
    pattern = _glob_to_regex(key) if match else None
    objects: list[dict[str, Any]] = []
    try:
        if pattern is None and key and not key.endswith("/"):
            try:
                head = client.head_object(Bucket=bucket, Key=key)
                objects.append({"Key": key, "Size": head["ContentLength"], "ETag": head["ETag"],
                                "LastModified": head["LastModified"]})
            except ClientError as exc:
                if _code(exc) not in ("404", "NoSuchKey", "NotFound"):
                    raise
                prefix = key + "/"  # maybe a folder
        if not objects:
            paginator = client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    if pattern is None or pattern.match(obj["Key"]):
                        objects.append(obj)
    except NoCredentialsError:
        raise SourceError(
            f"data source '{written}': no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or use OIDC in GitHub Actions"
        ) from None
    except ClientError as exc:
        code = _code(exc)
        if code == "NoSuchBucket":
            raise SourceError(f"data source '{written}': bucket '{bucket}' does not exist") from None
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
            raise SourceError(
                f"data source '{written}': access denied to s3://{bucket}/{prefix} ({code}); check the "
                "AWS credentials and that they may s3:ListBucket and s3:GetObject on this bucket"
            ) from None
        raise SourceError(f"data source '{written}': S3 error {code}: {exc}") from None
    except BotoCoreError as exc:
        raise SourceError(f"data source '{written}': cannot reach S3 ({exc})") from None
    keys = [o for o in objects if o["Key"].lower().endswith(PARQUET + CSV)]
    if not keys:
        if objects:
            raise SourceError(f"data source '{written}' matches no .parquet or .csv objects in s3://{bucket}")
        raise SourceError(f"data source '{written}' not found: no object s3://{bucket}/{key}")
    return [
        DataFile(
            url=f"s3://{bucket}/{o['Key']}",
            size=int(o["Size"]),
            modified=o["LastModified"].astimezone(dt.UTC),
            tag=str(o.get("ETag", "")).strip('"'),
        )
        for o in sorted(keys, key=lambda o: o["Key"])
    ]


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def resolve(table: str, written: str, data_root: str, s3_client: Any | None = None) -> Source:
    """List the files behind one source (cheap: names, sizes and tags only)."""
    url = resolve_url(written, data_root)
    if url.startswith("s3://"):
        files = list_s3(url, written, s3_client)
    elif "://" in url:
        raise SourceError(f"data source '{written}': only s3:// URLs and local paths are supported")
    else:
        files = list_local(url, written)
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
    """Make ``source.table`` queryable on the DuckDB connection ``con``."""
    if source.is_s3:
        import polars as pl

        options = s3env.polars_storage_options()
        paths = [f.url for f in source.files]
        if source.format == "parquet":
            frame = pl.scan_parquet(paths, storage_options=options, hive_partitioning=source.hive)
        else:
            frame = pl.scan_csv(paths, storage_options=options, try_parse_dates=True)
        con.register(source.table, frame)
        return
    files = [f.url.replace("'", "''") for f in source.files]
    listing = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    if source.format == "parquet":
        reader = f"read_parquet({listing}, hive_partitioning = {str(source.hive).lower()}, union_by_name = true)"
    else:
        reader = f"read_csv({listing}, header = true, hive_partitioning = {str(source.hive).lower()})"
    con.execute(f'CREATE OR REPLACE VIEW "{source.table}" AS SELECT * FROM {reader}').fetchall()


__all__ = ["DataFile", "Source", "register", "resolve", "resolve_url"]
