"""Fetch S3 sources once per change, keeping only the columns the report's queries read.

Each Parquet object is read with pyarrow — ranged GETs of the footer and of the needed column chunks
only — and streamed into a local copy ``<cache>/s3/<bucket>/<key>.<hash>.parquet`` keyed
by the object's ETag and the columns kept. CSV objects are downloaded whole (keyed by ETag). DuckDB then
queries the local copies, so the many queries of a build share one fetch, and a build with the cache
restored (the workflows keep it) fetches only objects that changed.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reportsite import integrity
from reportsite.query import batch, sandbox, sqlpolicy
from reportsite.sources import s3env, s3tally
from reportsite.sources.model import DataFile, Source
from reportsite.sources.s3tally import counting

WORKERS = 4  # parallel object reads; more gave no speed-up on 2 cores and more memory
STUB_PREFIX = "__stub__"
MAX_SEGMENT = 180  # bytes of one key segment kept as a file name (the copy's name adds ~30 more)


def filesystem(counted: bool = True) -> Any:
    """A pyarrow S3 filesystem configured from the same environment as boto3; unless ``counted`` is False,
    wrapped so that every byte read through it is tallied for the build summary (``s3tally.counting``).

    The counting wrapper is Python, so a thread of pyarrow's that reads through it needs the GIL. Only a read
    that pyarrow starts from Python with the GIL released may use it (``pq.read_table``, ``ParquetFile``); a
    dataset that DuckDB scans must not (see ``s3stream``)."""
    from pyarrow import fs

    options = s3env.storage_options()
    kwargs: dict[str, Any] = {"region": options["aws_region"]}
    endpoint = options.get("aws_endpoint_url")
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        kwargs.update(endpoint_override=host.rstrip("/"), scheme=scheme)
    if "aws_access_key_id" in options:
        kwargs.update(access_key=options["aws_access_key_id"], secret_key=options["aws_secret_access_key"],
                      session_token=options.get("aws_session_token"))
    else:
        kwargs["anonymous"] = True

    native = fs.S3FileSystem(**kwargs)
    return counting(native) if counted else native


def _path(url: str) -> str:
    return url.removeprefix("s3://")


def cache_path(root: Path, url: str) -> Path:
    """Where the local copy of ``s3://bucket/key`` lives under ``root``.

    S3 keys may hold '..', '.', empty segments or backslashes; such a segment (and one too long for a
    file name) is replaced by a hash of itself, so no key can name a path outside ``root``.
    """
    parts = []
    for part in _path(url).split("/"):
        if part in ("", ".", "..") or any(c in part for c in "\\\0") or len(part.encode()) > MAX_SEGMENT:
            part = "%" + hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        parts.append(part)
    path = root.joinpath(*parts)
    if not path.resolve().is_relative_to(root.resolve()):  # cannot happen with the segments above
        raise ValueError(f"S3 key {url} maps outside the cache")
    return path


def partitions(source: Source, data_file: DataFile) -> dict[str, str]:
    """Hive partition values in the file's key below the source's URL (``year=2025/…`` → {'year': '2025'})."""
    if not source.hive:
        return {}
    base = source.url.split("*", 1)[0].rstrip("/")
    rest = data_file.url[len(base):] if data_file.url.startswith(base) else data_file.url
    return dict(re.findall(r"(?:^|/)([^/=]+)=([^/]*)(?=/)", rest))


def schema_of(source: Source, fs: Any, cache: Path, notes: list[str] | None = None) -> Any:
    """The source's columns: the first file's Parquet schema (kept per ETag) plus its hive partition columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = source.files[0]
    digest = hashlib.sha256(f"{first.tag}|{first.size}".encode()).hexdigest()[:16]
    place = cache_path(cache / "s3-schema", first.url)
    kept = place.with_name(f"{place.name}.{digest}.arrow")
    if integrity.reusable(kept, f"the schema of {first.url}", notes):
        schema = pa.ipc.read_schema(pa.py_buffer(kept.read_bytes()))
    else:
        schema = pq.read_schema(_path(first.url), filesystem=fs)
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(schema.serialize().to_pybytes())
        integrity.record(kept)
    for name, value in partitions(source, first).items():
        if name not in schema.names:
            kind = pa.int64() if re.fullmatch(r"-?\d+", value) else pa.string()
            schema = schema.append(pa.field(name, kind))
    return schema


@dataclass(frozen=True)
class PlannedQuery:
    """A report query as S3 planning sees it: the SQL reviewed, the SQL planned (for a query that uses a
    filter's or for_each's value, its one pass for every value) and the parameters bound."""

    sql: str
    planned: str
    parameters: dict[str, Any]


def columns_used(queries: Iterable[PlannedQuery], schemas: dict[str, Any],
                 varying: Iterable[str] = ()) -> dict[str, set[str]]:
    """Columns of each table that the queries read, found from DuckDB's plans over empty stand-ins; the values
    table of a one-pass query has a column for each ``varying`` name, of no type (it can stand for any value).

    A query that cannot be planned (it will fail, with its own message, when it runs) counts as reading
    every column.
    """
    import duckdb
    import pyarrow as pa

    con = sandbox.connect([])  # the plans run report SQL too: on a connection as locked as the build's
    used: dict[str, set[str]] = {table: set() for table in schemas}
    try:
        for table, schema in schemas.items():
            stub = schema.empty_table().rename_columns([f"{STUB_PREFIX}{table}__{c}" for c in schema.names])
            con.register(f"{STUB_PREFIX}{table}", stub)
            names = ", ".join(f'"{STUB_PREFIX}{table}__{c}" AS "{c}"' for c in schema.names)
            con.execute(f'CREATE VIEW "{table}" AS SELECT {names} FROM "{STUB_PREFIX}{table}"').fetchall()
        values = {batch.INDEX: pa.array([0], pa.int32())}
        values.update({batch.column(name): pa.array([None], pa.null()) for name in varying})
        con.register(batch.VALUES, pa.table(values))
        sandbox.lock(con)
        pattern = re.compile(rf"{STUB_PREFIX}([A-Za-z_][A-Za-z0-9_]*?)__([^\"\\\s,)]+)")
        for query in queries:
            if sqlpolicy.review(query.sql, {table: table for table in schemas}):  # refused, located, when it runs
                continue
            try:
                rows = con.execute(f"EXPLAIN (FORMAT JSON) {query.planned}", query.parameters or None).fetchall()
            except duckdb.Error:
                return {table: set(schema.names) for table, schema in schemas.items()}
            plan = json_text(rows)
            for table, column in pattern.findall(plan):
                if table in used:
                    used[table].add(column)
    finally:
        con.close()
    return used


def json_text(rows: list[tuple[Any, ...]]) -> str:
    return "".join(str(row[-1]) for row in rows)


def localize(source: Source, columns: set[str] | None, cache: Path, fs: Any,
             notes: list[str] | None = None) -> Source:
    """The same table backed by local copies of its objects (only ``columns`` of Parquet files)."""
    import pyarrow as pa

    root = cache / "s3"
    # The system allocator hands freed read buffers back to the OS, so they do not add to the memory
    # DuckDB uses next (with Arrow's default pool the build's peak was ~170 MB higher).
    pa.set_memory_pool(pa.system_memory_pool())
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        local = list(pool.map(lambda f: _fetch(source, f, columns, root, fs, notes), source.files))
    folder = cache_path(root, source.url.split("*", 1)[0].rstrip("/"))
    return replace(source, url=str(folder), files=tuple(local))


def copy_target(source: Source, data_file: DataFile, columns: set[str] | None,
                root: Path) -> tuple[Path, list[str] | None]:
    """Where the local copy of ``columns`` of one object lives (keyed by ETag and columns), and the columns kept."""
    place = cache_path(root, data_file.url)
    kept = None
    if source.format == "parquet" and columns is not None:
        kept = sorted(columns - set(partitions(source, data_file)))
    digest = hashlib.sha256(f"{data_file.tag}|{data_file.size}|{kept}|file-order".encode()).hexdigest()[:16]
    suffix = ".parquet" if source.format == "parquet" else "".join(Path(place.name).suffixes[-2:]) or ".csv"
    return place.with_name(f"{place.name}.{digest}{suffix}"), kept


def _fetch(source: Source, data_file: DataFile, columns: set[str] | None, root: Path, fs: Any,
           notes: list[str] | None) -> DataFile:
    place = cache_path(root, data_file.url)
    target, kept = copy_target(source, data_file, columns, root)
    reused = integrity.reusable(target, f"the local copy of {data_file.url}", notes)
    if reused:
        _touch(target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        if source.format == "parquet":
            _copy_columns(_path(data_file.url), kept, tmp, fs)
        else:
            _download(data_file.url, tmp)
        tmp.replace(target)
        integrity.record(target)
        _forget_older(target, place.name)
    s3tally.add(target.stat().st_size, "cache_reused_bytes" if reused else "cache_fetched_bytes")
    return replace(data_file, url=str(target))


def _touch(path: Path) -> None:
    """Mark a reused copy as recently used (``cachebudget`` evicts the least recently used first)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _copy_columns(path: str, columns: list[str] | None, target: Path, fs: Any) -> None:
    """Stream the chosen columns of one Parquet object into a local file (bounded memory)."""
    import pyarrow.parquet as pq

    with fs.open_input_file(path) as handle:
        parquet = pq.ParquetFile(handle, pre_buffer=True)
        names = parquet.schema_arrow.names
        wanted = set(columns if columns is not None else names)
        chosen = [c for c in names if c in wanted] or names[:1]  # in the object's order: SELECT * keeps it
        schema = parquet.schema_arrow.empty_table().select(chosen).schema
        with pq.ParquetWriter(str(target), schema, compression="zstd") as writer:
            for group in range(parquet.num_row_groups):
                writer.write_table(parquet.read_row_group(group, columns=chosen))


def _download(url: str, target: Path) -> None:
    bucket, key = s3env.split_s3_url(url)
    s3env.client().download_file(bucket, key, str(target))
    s3tally.add(target.stat().st_size, "downloaded_bytes")


def _forget_older(current: Path, name: str) -> None:
    """Remove earlier copies of the same object (other ETags or column sets) and their sums."""
    for other in current.parent.glob(f"{glob.escape(name)}.*"):
        if other != current and other != integrity.sum_file(current) and not other.name.endswith(".part"):
            other.unlink(missing_ok=True)


__all__ = ["PlannedQuery", "columns_used", "filesystem", "localize", "schema_of"]
