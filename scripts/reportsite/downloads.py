"""CSV downloads of chart and table data, written while the query's rows stream past."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any


def stream_table(results: Iterator[Any], keep: int, csv_path: Path | None) -> tuple[Any, int]:
    """Stream a table's rows once: the first ``keep`` for the page, all of them to the CSV download.

    ``results`` yields the result's schema, then its record batches (``query.Session.stream``).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    batches, kept, total = [], 0, 0
    writer = None
    schema = next(results)
    try:
        for batch in results:
            if csv_path is not None:
                text = csv_ready(batch)
                if writer is None:
                    csv_path.parent.mkdir(parents=True, exist_ok=True)
                    writer = pacsv.CSVWriter(str(csv_path), text.schema)
                writer.write_batch(text)
            if kept < keep:
                part = batch.slice(0, keep - kept)
                batches.append(part)
                kept += part.num_rows
            total += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    if csv_path is not None and writer is None:
        write_csv(pa.table({n: [] for n in schema.names}), csv_path)
    return pa.Table.from_batches(batches, schema=schema), total


def write_csv(table: Any, path: Path) -> None:
    import pyarrow.csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(csv_ready(table), str(path))


def _csv_native(arrow_type: Any) -> bool:
    import pyarrow as pa

    t = pa.types
    return bool(t.is_integer(arrow_type) or t.is_floating(arrow_type) or t.is_decimal(arrow_type)
                or t.is_string(arrow_type) or t.is_large_string(arrow_type) or t.is_boolean(arrow_type)
                or t.is_date(arrow_type) or t.is_timestamp(arrow_type) or t.is_null(arrow_type))


def _as_text(value: Any) -> str | None:
    import json

    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    from .charts import json_value

    value = json_value(value)
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def csv_ready(data: Any) -> Any:
    """The batch or table with columns the CSV writer cannot write (lists, structs, maps, blobs, UUIDs,
    intervals, times) turned into text, e.g. a list as JSON."""
    import pyarrow as pa

    if all(_csv_native(f.type) for f in data.schema):
        return data
    arrays = [column if _csv_native(field.type) else pa.array([_as_text(v) for v in column.to_pylist()],
                                                               pa.string())
              for field, column in zip(data.schema, data.columns, strict=True)]
    kind = pa.RecordBatch if isinstance(data, pa.RecordBatch) else pa.Table
    return kind.from_arrays(arrays, names=data.schema.names)
