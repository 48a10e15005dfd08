"""Data sources: turn a report's URLs into concrete files and DuckDB tables.

Local paths are read by DuckDB's own Parquet/CSV readers. ``s3://`` sources are
listed here with boto3 (names, sizes, ETags: the build's fingerprint), then
fetched by ``s3fetch`` into local copies of the columns the build reads, so no
DuckDB extension is needed.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import s3env
from .errors import SourceError, one_line

PARQUET = (".parquet", ".parq", ".pq")
CSV = (".csv", ".csv.gz", ".tsv")
GLOB_CHARS = re.compile(r"[*?\[]")
MAX_LISTED = 100_000  # files looked at for one local source (a typo like '/' must not walk the whole disk)
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev", "/run", "/var/run", "/etc")
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

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    @property
    def fingerprint(self) -> str:
        sheet = f"|{self.sheet}" if self.sheet is not None else ""
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
    """The Parquet/CSV files behind a local source (one file, a folder or a glob); SourceError if none."""
    if GLOB_CHARS.search(path):
        found: Iterable[str] = glob.iglob(path, recursive=True)
    elif os.path.isdir(path):
        found = (str(p) for p in Path(path).rglob("*"))
    elif os.path.exists(path):
        found = [path]
    else:
        raise SourceError(f"data source '{written}' not found: {path} does not exist{_near_file(path)}")
    matches = []
    for number, candidate in enumerate(found):
        if number >= MAX_LISTED:
            raise SourceError(f"data source '{written}' holds more than {MAX_LISTED:,} files; name the folder or "
                              "glob that holds just the data")
        if os.path.isfile(candidate):
            matches.append(candidate)
    files = _data_files(matches)
    if not files:
        raise SourceError(f"data source '{written}' matches no .parquet or .csv files ({path})")
    out = []
    for p in files:
        _refuse_unsafe(p, written)
        st = os.stat(p)
        modified = dt.datetime.fromtimestamp(st.st_mtime, tz=dt.UTC)
        out.append(DataFile(url=os.path.abspath(p), size=st.st_size, modified=modified, tag=str(st.st_mtime_ns)))
    return out


def _refuse_unsafe(path: str, written: str) -> None:
    """A data file must be a regular file that is not a system file or a hidden file reached through a link.

    A committed symlink such as ``data/env.csv -> /proc/self/environ`` or ``-> ~/.aws/credentials``
    would otherwise be read as data and published.
    """
    real = os.path.realpath(path)
    target = os.readlink(path) if os.path.islink(path) else real
    shown = f"'{path}' leads to {target}" if real != os.path.abspath(path) else f"'{path}' is"
    if any(real == root or real.startswith(root + os.sep) for root in SYSTEM_FOLDERS):
        raise SourceError(f"data source '{written}': {shown}, a system file; a data source must be a data file")
    if not os.path.isfile(real):
        raise SourceError(f"data source '{written}': {shown}, which is not a regular file")
    hidden = _hidden_parts(real) - _hidden_parts(os.path.abspath(path))
    if hidden:
        raise SourceError(f"data source '{written}': {shown}, inside the hidden folder or file "
                          f"'{sorted(hidden)[0]}'; name hidden locations in the report if they really hold data")


def _hidden_parts(path: str) -> set[str]:
    return {part for part in Path(path).parts if part.startswith(".") and part not in (".", "..")}


def _near_file(path: str) -> str:
    """' (did you mean 'sales.parquet'?)' for a file of a similar name in the same folder."""
    from .errors import did_you_mean

    folder, name = os.path.split(path)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return ""
    return did_you_mean(name, names)


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
    """The Parquet/CSV objects behind an s3:// source (one object, a folder or a glob); SourceError if none."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    bucket, key = s3env.split_s3_url(url)
    if not bucket:
        raise SourceError(f"data source '{written}' has no bucket name (expected s3://bucket/key)")
    client = client or s3env.client()
    match = GLOB_CHARS.search(key)
    pattern = _glob_to_regex(key) if match else None
    try:
        objects = _s3_objects(client, bucket, key, key[: match.start()] if match else key, pattern)
    except NoCredentialsError:
        raise SourceError(
            f"data source '{written}': no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or use OIDC in GitHub Actions"
        ) from None
    except ClientError as exc:
        raise _client_error(exc, written, bucket, key) from None
    except BotoCoreError as exc:
        raise SourceError(f"data source '{written}': cannot reach S3 ({one_line(str(exc))})") from None
    keys = [o for o in objects if o["Key"].lower().endswith(PARQUET + CSV)]
    odd = next((o["Key"] for o in keys if any(part in ("", ".", "..") for part in o["Key"].split("/"))), None)
    if odd is not None:
        raise SourceError(f"data source '{written}': the object key '{odd}' has an empty, '.' or '..' part, "
                          "which cannot be read safely; rename the object")
    if not keys:
        if objects:
            raise SourceError(f"data source '{written}' matches no .parquet or .csv objects in s3://{bucket}")
        hint = _near_key(client, bucket, key) if pattern is None else ""
        raise SourceError(f"data source '{written}' not found: no object s3://{bucket}/{key}{hint}")
    return [
        DataFile(
            url=f"s3://{bucket}/{o['Key']}",
            size=int(o["Size"]),
            modified=o["LastModified"].astimezone(dt.UTC),
            tag=str(o.get("ETag", "")).strip('"'),
        )
        for o in sorted(keys, key=lambda o: o["Key"])
    ]


def _s3_objects(client: Any, bucket: str, key: str, prefix: str,
                pattern: re.Pattern[str] | None) -> list[dict[str, Any]]:
    """HEAD the key when it names one object; otherwise list the prefix (a folder or a glob's fixed part)."""
    from botocore.exceptions import ClientError

    if pattern is None and key and not key.endswith("/"):
        try:
            head = client.head_object(Bucket=bucket, Key=key)
            return [{"Key": key, "Size": head["ContentLength"], "ETag": head["ETag"],
                     "LastModified": head["LastModified"]}]
        except ClientError as exc:
            if _code(exc) == "403":  # HEAD has no error body: ask again with a request that has one
                client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
                raise
            if _code(exc) not in ("404", "NoSuchKey", "NotFound"):
                raise
            prefix = key + "/"  # maybe a folder
    objects: list[dict[str, Any]] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        objects.extend(o for o in page.get("Contents", []) if pattern is None or pattern.match(o["Key"]))
    return objects


def _client_error(exc: Any, written: str, bucket: str, key: str) -> SourceError:
    """One line for an S3 error: missing bucket, access denied, refused credentials, or the code S3 gave."""
    code = _code(exc)
    if code == "NoSuchBucket":
        return SourceError(f"data source '{written}': bucket '{bucket}' does not exist")
    if code in ("AccessDenied", "403", "AllAccessDisabled"):
        code = "AccessDenied" if code == "403" else code
        return SourceError(
            f"data source '{written}': access denied to s3://{bucket}/{key} ({code}); check that the AWS "
            "credentials may s3:ListBucket and s3:GetObject on this bucket")
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
        return SourceError(
            f"data source '{written}': S3 refused the AWS credentials ({code}); check AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or the OIDC role in GitHub Actions")
    return SourceError(f"data source '{written}': S3 error {code or 'unknown'}: {one_line(str(exc))}")


def _near_key(client: Any, bucket: str, key: str) -> str:
    """' (did you mean 's3://bucket/sales.parquet'?)' for an object of a similar name in the same folder."""
    from botocore.exceptions import BotoCoreError, ClientError

    from .errors import did_you_mean

    folder = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    try:
        listing = client.list_objects_v2(Bucket=bucket, Prefix=folder, Delimiter="/", MaxKeys=1000)
    except (BotoCoreError, ClientError):
        return ""
    names = [o["Key"] for o in listing.get("Contents", [])]
    hint = did_you_mean(key, names)
    return hint.replace("'", f"'s3://{bucket}/", 1) if hint else ""


def _code(exc: Any) -> str:
    """The S3 error code of a botocore ClientError ('NoSuchBucket', '403', ...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def resolve(table: str, written: str, data_root: str, s3_client: Any | None = None,
            sheet: str | None = None) -> Source:
    """List the files behind one source (cheap: names, sizes and tags only); ``sheet`` picks an Excel sheet."""
    from . import excel_source

    url = resolve_url(written, data_root)
    if excel_source.is_workbook(url):
        return excel_source.resolve(table, written, url, sheet, s3_client)
    if sheet is not None:
        raise SourceError(f"data source '{written}': sheet applies only to Excel workbooks (.xlsx, .xlsm)")
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
    """Make ``source.table`` queryable on the DuckDB connection ``con``; SourceError names the URL if unreadable."""
    import duckdb

    try:
        _register(con, source)
    except duckdb.Error as exc:
        detail = read_detail(exc)
        for data_file in source.files:
            detail = detail.replace(f" '{data_file.url}'", "").replace(f" {data_file.url}", "")
        raise SourceError(f"data source '{source.written}': cannot read {source.url}: {detail}") from None


def read_detail(exc: Exception | str) -> str:
    """The useful part of a reader error (DuckDB, pyarrow, S3), on one line without S3 noise."""
    text = str(exc).strip()
    text = re.sub(r"^[A-Za-z ]+ Error: ", "", text)
    text = re.sub(r"^.*?the object registered as '[^']+' failed: ", "", text, flags=re.S)
    if re.search(r"PermissionError|lacked the necessary privileges|AccessDenied|ACCESS_DENIED|403 Forbidden", text):
        return "access denied; check that the AWS credentials may s3:GetObject on these objects"
    if re.search(r"NoSuchKey|404 Not Found|Path does not exist|No such file or directory", text):
        return "an object was not found (was it deleted or renamed while the build ran?)"
    text = re.split(r"<\?xml| - Server returned|:? Error performing ", text)[0]
    text = one_line(text.split("\n\n")[0])
    return text if len(text) <= 300 else text[:299] + "…"


def _register(con: Any, source: Source) -> None:
    """A DuckDB view over the source's local files (S3 sources are fetched to local copies first)."""
    if source.is_s3 and source.streamed:
        from . import s3stream

        s3stream.register(con, source)
        return
    if source.is_s3:
        raise SourceError(f"data source '{source.written}' must be fetched before it is registered")
    if source.format == "xlsx":
        from . import excel_source

        excel_source.register(con, source)
        return
    files = [f.url.replace("'", "''") for f in source.files]
    listing = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    if source.format == "parquet":
        reader = f"read_parquet({listing}, hive_partitioning = {str(source.hive).lower()}, union_by_name = true)"
    else:
        reader = f"read_csv({listing}, header = true, hive_partitioning = {str(source.hive).lower()})"
    con.execute(f'CREATE OR REPLACE VIEW "{source.table}" AS SELECT * FROM {reader}').fetchall()


__all__ = ["DataFile", "Source", "register", "resolve", "resolve_url"]
