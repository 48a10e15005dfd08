"""Reading an Athena query's result back as the Arrow the local DuckDB would have given.

A DuckDB workgroup whose results go to an S3 bucket of your own writes each query's result as a CSV file (and a
``.csv.metadata`` file) to the output location; ``GetQueryResults`` names each column's DuckDB type, and every
value is the text DuckDB writes for it. So the result file is read as text (one header row; an unquoted empty
field is NULL, a quoted one the empty string) and each column cast back to its DuckDB type by the local DuckDB:
DuckDB reads its own text back exactly (the shortest text of a DOUBLE that reads back the same, DECIMALs,
instants with their offset, lists and structs), and the Arrow it hands on is the Arrow a local run hands on
(TIMESTAMPTZ in the site's time zone), so everything after the query is the same whichever engine ran it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reportsite.query import batch


def column_types(athena: Any, query_id: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each result column, from ``GetQueryResults``' metadata."""
    page = athena.get_query_results(QueryExecutionId=query_id, MaxResults=1)
    found = []
    for info in page["ResultSet"]["ResultSetMetadata"].get("ColumnInfo", []):
        kind = str(info.get("Type") or "VARCHAR")
        if kind.upper() == "DECIMAL" and info.get("Precision"):
            kind = f"DECIMAL({info['Precision']},{info.get('Scale') or 0})"
        found.append((str(info["Name"]), kind))
    return found


def text_batches(body: Any, count: int, limit: int | None = None) -> Any:
    """The result file (a readable stream) as Arrow record batches of text columns ``c0``…, at most ``limit``
    rows when given."""
    import pyarrow as pa
    import pyarrow.csv as csv

    names = [f"c{i}" for i in range(count)]
    schema = pa.schema([(name, pa.string()) for name in names])
    head = body.read(1 << 16)
    if not head.strip():
        return pa.RecordBatchReader.from_batches(schema, iter(()))
    reader = csv.open_csv(
        pa.PythonFile(_Joined(head, body), mode="r"),  # streamed: a capped read stops early
        read_options=csv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22),
        parse_options=csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),  # one NULL
        convert_options=csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[""],
                                           strings_can_be_null=True, quoted_strings_can_be_null=False))
    if limit is None:
        return reader
    return pa.RecordBatchReader.from_batches(schema, _first(reader, limit))


def _first(reader: Any, limit: int) -> Iterator[Any]:
    kept = 0
    for part in reader:
        if kept + part.num_rows >= limit:
            yield part.slice(0, limit - kept)
            return
        kept += part.num_rows
        yield part


class _Joined:
    """A stream that gives ``head`` and then the rest of ``body`` (the first bytes were read to spot an empty
    file)."""

    def __init__(self, head: bytes, body: Any) -> None:
        self.head, self.body, self.closed = head, body, False

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0:
                out, self.head = self.head + self.body.read(), b""
                return bytes(out)
            out, self.head = self.head[:size], self.head[size:]
            return bytes(out)
        return bytes(self.body.read() if size < 0 else self.body.read(size))

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def typed_select(source: str, columns: list[tuple[str, str]]) -> str:
    """A SELECT over the text columns of ``source`` casting each back to its DuckDB type, with its name."""
    parts = []
    for i, (name, kind) in enumerate(columns):
        value = "NULL" if kind.strip('"').upper() == "NULL" else f"CAST(c{i} AS {kind})"
        parts.append(f"{value} AS {batch.quoted(name)}")
    return f"SELECT {', '.join(parts)} FROM {batch.quoted(source)}"


__all__ = ["column_types", "text_batches", "typed_select"]
