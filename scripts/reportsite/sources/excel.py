"""Excel workbooks as data sources: one sheet read by Polars (fastexcel), queried by DuckDB through Arrow.

DuckDB cannot read ``.xlsx`` here without downloading its excel extension, so the sheet is read in
Python and handed to the report's DuckDB connection as an Arrow table (no copy), behind a view named
like the table. Cells read the way a person reads them: the first row is the header; a column of whole
numbers is an integer column, of dates at midnight a date column; empty cells are NULL, empty rows and
unnamed empty columns are left out; a column mixing numbers and text is text; formulas give the values
Excel last calculated. Workbooks on S3 are downloaded whole, once per ETag.

A workbook is checked before it is parsed (``workbook_check``: the zip's sizes, declared ranges and string
counts) and parsed in a child process with a memory and CPU-time limit (``excel_child``), so a hostile or
damaged file is a located error, never a build that aborts or runs out of memory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from reportsite import integrity
from reportsite.errors import SourceError, did_you_mean, one_line
from reportsite.sources import local, registry, s3env, s3fetch, s3list, workbook_check
from reportsite.sources.model import GLOB_CHARS, DataFile, Source

EXTENSIONS = (".xlsx", ".xlsm")
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # the container of encrypted and of old (.xls) workbooks
ZIP_MAGIC = b"PK"
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
VIEW_PREFIX = "__excel_"
UNNAMED = "__UNNAMED__"  # fastexcel's name of a column without a header


MEMORY_ENV = "REPORTSITE_EXCEL_MEMORY_MB"
SECONDS_ENV = "REPORTSITE_EXCEL_CPU_SECONDS"
DEFAULT_MEMORY_MB = 4096
DEFAULT_SECONDS = 300


def limits() -> tuple[int, int]:
    """(bytes of address space, CPU seconds) a sheet may use: $REPORTSITE_EXCEL_MEMORY_MB (4096) and
    $REPORTSITE_EXCEL_CPU_SECONDS (300)."""
    def number(name: str, default: int) -> int:
        try:
            return max(int(os.environ.get(name, default)), 1)
        except ValueError:
            return default

    return number(MEMORY_ENV, DEFAULT_MEMORY_MB) * 1024**2, number(SECONDS_ENV, DEFAULT_SECONDS)


def is_workbook(url: str) -> bool:
    return url.lower().endswith(EXTENSIONS)


def resolve(table: str, written: str, url: str, sheet: str | None, s3_client: Any | None = None,
            header_row: int | None = None, data_root: str | None = None) -> Source:
    """The one workbook behind a source (cheap: its size and tag, not its cells); a local one is checked like any
    local data file (``local.refuse_unsafe``)."""

    if GLOB_CHARS.search(url):
        raise SourceError(
            f"data source '{written}': an Excel source is one workbook, not a glob; name the file, "
            "or give each workbook its own table under data_sources"
        )
    found = _s3_object(url, written, s3_client) if url.startswith("s3://") else _local_file(url, written, data_root)
    return Source(table=table, written=written, url=url, files=(found,), format="xlsx", hive=False, sheet=sheet,
                  header_row=header_row)


def _local_file(path: str, written: str, data_root: str | None) -> DataFile:

    if os.path.isdir(path):
        raise SourceError(f"data source '{written}': {path} is a folder; an Excel source is one workbook")
    if not os.path.exists(path):
        raise SourceError(f"data source '{written}' not found: {path} does not exist{local.near_file(path)}")
    local.refuse_unsafe(path, written, data_root)
    st = os.stat(path)
    return DataFile(
        url=os.path.abspath(path),
        size=st.st_size,
        modified=dt.datetime.fromtimestamp(st.st_mtime, tz=dt.UTC),
        tag=str(st.st_mtime_ns),
    )


def _s3_object(url: str, written: str, client: Any | None) -> DataFile:
    """HEAD the workbook's object: its size, ETag and modification time."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    bucket, key = s3env.split_s3_url(url)
    if not bucket or not key:
        raise SourceError(f"data source '{written}' names no object (expected s3://bucket/key.xlsx)")
    client = client or s3env.client()
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except NoCredentialsError:
        raise SourceError(
            f"data source '{written}': no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or use OIDC in GitHub Actions"
        ) from None
    except ClientError as exc:
        if s3list.error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            hint = s3list.near_key(client, bucket, key)
            raise SourceError(f"data source '{written}' not found: no object s3://{bucket}/{key}{hint}") from None
        if s3list.error_code(exc) == "403":  # HEAD has no error body: ask again with a request that has one
            try:
                client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
            except ClientError as listed:
                exc = listed
        raise s3list.client_error(exc, written, bucket, key) from None
    except BotoCoreError as exc:
        raise SourceError(f"data source '{written}': cannot reach S3 ({one_line(str(exc))})") from None
    return DataFile(
        url=url,
        size=int(head["ContentLength"]),
        modified=head["LastModified"].astimezone(dt.UTC),
        tag=str(head.get("ETag", "")).strip('"'),
    )


def localize(source: Source, cache: Path, notes: list[str] | None = None) -> Source:
    """An S3 workbook downloaded whole into ``<cache>/s3/…`` (kept per ETag), as a local source."""
    data_file = source.files[0]
    place = s3fetch.cache_path(cache / "s3", data_file.url)
    digest = hashlib.sha256(f"{data_file.tag}|{data_file.size}".encode()).hexdigest()[:16]
    target = place.with_name(f"{place.name}.{digest}{Path(place.name).suffix or '.xlsx'}")
    if not integrity.reusable(target, f"the local copy of {data_file.url}", notes):
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        bucket, key = s3env.split_s3_url(data_file.url)
        s3env.client().download_file(bucket, key, str(partial))
        partial.replace(target)
        integrity.record(target)
        for older in target.parent.glob(f"{place.name}.*"):
            if older not in (target, integrity.sum_file(target)) and not older.name.endswith(".part"):
                older.unlink(missing_ok=True)
    return dataclasses.replace(source, url=str(target), files=(dataclasses.replace(data_file, url=str(target)),))


def read_sheet(path: str, written: str, sheet: str | None, header_row: int | None = None) -> Any:
    """The sheet (the first when ``sheet`` is None) as a Polars DataFrame, its header on ``header_row`` (as Excel
    numbers rows; the first row when None) and the rows above it left out; SourceError says what is wrong."""
    import fastexcel
    import polars as pl

    # fastexcel logs a warning for every column without values ("falling back to string"): not news here
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    _refuse_unreadable(path, written)
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # calamine's errors: a damaged zip, a file that is not a workbook
        raise SourceError(
            f"data source '{written}' is not a readable Excel workbook ({_detail(exc)}); open it in "
            "Excel and save it again as .xlsx"
        ) from None
    names = list(reader.sheet_names)
    if not names:
        raise SourceError(f"data source '{written}': the workbook has no sheets")
    if sheet is not None and sheet not in names:
        hint = did_you_mean(sheet, names)
        raise SourceError(
            f"data source '{written}': no sheet named '{sheet}'{hint}; its sheets are: "
            f"{', '.join(repr(n) for n in names)}"
        )
    chosen = sheet if sheet is not None else names[0]
    try:
        # every row decides a column's type (the default looks at the first 1,000 only, and would turn a
        # later text cell into an empty one)
        frame = pl.read_excel(path, sheet_name=chosen, infer_schema_length=None, raise_if_empty=False,
                              read_options={"header_row": header_row - 1} if header_row else None)
    except Exception as exc:
        raise SourceError(f"data source '{written}': cannot read sheet '{chosen}' ({_detail(exc)})") from None
    if not frame.width and header_row:
        raise SourceError(f"data source '{written}': sheet '{chosen}' has nothing in row {header_row} or below; "
                          "header_row names the row with the column names, as Excel numbers it")
    if not frame.width:
        raise SourceError(
            f"data source '{written}': sheet '{chosen}' is empty; a sheet needs a header row with the column names"
        )
    # a column of values without a header is named by its letter, as Excel shows it: column_D
    frame = frame.rename(
        {
            name: f"column_{_letters(int(name[len(UNNAMED) :]))}"
            for name in frame.columns
            if name.startswith(UNNAMED) and name[len(UNNAMED) :].isdigit()
        }
    )
    # Excel keeps milliseconds; DuckDB's own TIMESTAMP is microseconds, what every other source gives
    return frame.with_columns(pl.col(pl.Datetime("ms")).cast(pl.Datetime("us")))


def _letters(index: int) -> str:
    """Excel's name of the 0-based column ``index``: 0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _refuse_unreadable(path: str, written: str) -> None:
    """A password-protected workbook, an old .xls under a new name, or an unreadable file, said plainly."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            if head.startswith(OLE_MAGIC):
                handle.seek(0)
                locked = ENCRYPTED in handle.read(16 * 1024 * 1024)
            else:
                locked = False
    except PermissionError:
        raise SourceError(f"data source '{written}': permission denied reading {path}") from None
    except OSError as exc:
        raise SourceError(f"data source '{written}': cannot open {path} ({exc.strerror or exc})") from None
    if head.startswith(OLE_MAGIC):
        if locked:
            raise SourceError(
                f"data source '{written}' is password-protected (an encrypted workbook); save a "
                "copy without a password (File → Info → Protect Workbook) and point the report at it"
            )
        raise SourceError(
            f"data source '{written}' is an old-style .xls workbook, not .xlsx; open it in Excel "
            "and save it as an Excel Workbook (.xlsx)"
        )
    if not head.startswith(ZIP_MAGIC):
        raise SourceError(
            f"data source '{written}' is not an Excel workbook (an .xlsx file is a zip archive, "
            "this one is not); open it in Excel and save it again as .xlsx"
        )


def _detail(exc: Exception) -> str:
    text = one_line(str(exc).split("\nContext:")[0]).removeprefix("calamine error: ")
    return text if len(text) <= 200 else text[:199] + "…"


def read_bounded(path: str, written: str, sheet: str | None, header_row: int | None = None) -> Any:
    """The sheet as an Arrow table (its header on ``header_row``, as in ``read_sheet``), checked first and parsed
    in a bounded child process (see the module)."""
    import pyarrow as pa

    refused = workbook_check.check(path)
    if refused is not None:
        raise SourceError(f"data source '{written}' {refused.reason}")
    _refuse_unreadable(path, written)
    memory, seconds = limits()
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "MALLOC_ARENA_MAX": "2", "REPORTSITE_CHILD_MEMORY": str(memory), "REPORTSITE_CHILD_SECONDS": str(seconds)}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    with tempfile.TemporaryDirectory(prefix="reportsite-xlsx-") as scratch:
        out, failure = Path(scratch) / "sheet.arrow", Path(scratch) / "failure.json"
        command = [sys.executable, "-m", "reportsite.sources.excel_child", path, written, sheet or "", str(out),
                   str(failure), str(header_row or "")]
        try:
            done = subprocess.run(command, env=env, capture_output=True, timeout=2 * seconds + 30, check=False)
        except subprocess.TimeoutExpired:
            raise SourceError(_stopped(written, f"took longer than {2 * seconds + 30} s")) from None
        said = json.loads(failure.read_text(encoding="utf-8"))["error"] if failure.exists() else None
        if said is not None and said != "memory":
            raise SourceError(said)
        if done.returncode == -signal.SIGXCPU or done.returncode == -signal.SIGKILL:
            raise SourceError(_stopped(written, f"used more than {seconds} s of CPU time ({SECONDS_ENV})"))
        if said == "memory" or done.returncode != 0 or not out.exists():
            raise SourceError(_stopped(written, f"needed more than {memory // 1024**2:,} MB of memory "
                                                f"({MEMORY_ENV})"))
        with pa.memory_map(str(out)) as source:
            return pa.ipc.open_file(source).read_all()


def _stopped(written: str, why: str) -> str:
    return (f"data source '{written}': reading the workbook {why} and was stopped; the file is damaged, made to "
            "exhaust the reader, or its cells reach far beyond the data: open it in Excel, delete the empty rows "
            "and columns after the data (Ctrl+End shows the last cell) and save it again")


def register(con: Any, source: Source) -> None:
    """Make the sheet queryable as ``source.table``: the Arrow table registered, a view over it."""
    path = source.files[0].url
    table = read_bounded(path, source.written, source.sheet, source.header_row)
    hidden = f"{VIEW_PREFIX}{source.table}"
    con.register(hidden, table)
    con.execute(f'CREATE OR REPLACE VIEW "{source.table}" AS SELECT * FROM "{hidden}"').fetchall()


def _resolve(wanted: registry.Wanted) -> Source:
    return resolve(wanted.table, wanted.written, wanted.url, wanted.sheet, wanted.s3_client, wanted.header_row,
                   wanted.data_root)


def _register(con: Any, source: Source) -> None:
    if source.is_s3:
        raise SourceError(f"data source '{source.written}' must be fetched before it is registered")
    register(con, source)


WORKBOOK = registry.register(registry.SourceKind(
    "excel", lambda wanted: wanted.loader is None and is_workbook(wanted.url), _resolve, ("xlsx",), _register,
    localize=localize))  # a workbook on S3 is fetched whole, once per ETag

__all__ = ["EXTENSIONS", "WORKBOOK", "is_workbook", "localize", "read_bounded", "read_sheet", "register", "resolve"]
