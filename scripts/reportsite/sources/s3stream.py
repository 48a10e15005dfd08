"""Sources read from S3 at query time, for data too big for the column cache.

The source's Parquet objects become a ``pyarrow.dataset`` over pyarrow's own S3 filesystem, registered
on the report's DuckDB connection before it is locked. DuckDB pushes each query's columns and filters
into the dataset scan, so only the needed column chunks of row groups whose statistics can match are
fetched, and they arrive as Arrow record batches: nothing lands on disk.

The dataset reads through pyarrow's own S3 filesystem, never through Python. DuckDB starts each scan with
``Scanner.to_reader()``, which holds the GIL while it waits for pyarrow's scan threads; a scan thread that
called Python (the counting filesystem of ``s3tally``) would wait for the GIL in turn, and the build would hang
(seen under load: a thread opening a file through the Python filesystem held the scan's lock). So the bytes a
streamed source reads at query time are not in the build summary's count; the summary names the source.
"""

from __future__ import annotations

import re
from typing import Any

from reportsite.sources import s3fetch
from reportsite.sources.model import Source


def dataset(source: Source, fs: Any | None = None) -> Any:
    """A pyarrow dataset over the source's objects, with its hive partition columns typed as ``s3fetch`` does."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    fs = fs or s3fetch.filesystem(counted=False)
    paths = [f.url.removeprefix("s3://") for f in source.files]
    values = s3fetch.partitions(source, source.files[0])
    if not values:
        return ds.dataset(paths, format="parquet", filesystem=fs)
    fields = [
        pa.field(name, pa.int64() if re.fullmatch(r"-?\d+", value) else pa.string()) for name, value in values.items()
    ]
    base = source.url.split("*", 1)[0].rstrip("/").removeprefix("s3://")
    base = base if paths[0].startswith(base + "/") else paths[0].rsplit("/", 1 + len(values))[0]
    partitioning = ds.partitioning(pa.schema(fields), flavor="hive")
    return ds.dataset(paths, format="parquet", filesystem=fs, partitioning=partitioning, partition_base_dir=base)


def register(con: Any, source: Source) -> None:
    """Make ``source.table`` a view over the streamed dataset (call before the connection is locked)."""
    hidden = f"__s3stream__{source.table}"
    con.register(hidden, dataset(source))
    quoted = '"' + source.table.replace('"', '""') + '"'
    con.execute(f'CREATE OR REPLACE VIEW {quoted} AS SELECT * FROM "{hidden}"').fetchall()


__all__ = ["dataset", "register"]
