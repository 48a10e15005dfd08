"""CSV downloads of chart and table data, written while the query's rows stream past.

The files open cleanly in Excel and read the same everywhere:
- UTF-8 with a byte-order mark (without it Excel shows "ZÃ¼rich");
- text that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``@SUM(…)``) starts with an apostrophe,
  ``'=HYPERLINK(…)``, and so do such column names (``formulas``); numbers and dates are never changed;
- numbers as plain decimals (12900000000000, 0.000000123), never 1.29e+13;
- dates as 2013-01-01; instants (TIMESTAMP WITH TIME ZONE) in UTC with their offset,
  2013-01-01T06:00:00+00:00; wall-clock times (TIMESTAMP) as written, 2013-01-01T06:00:00.

Each record batch is converted with Arrow compute kernels, never value by value in Python (except the
rare nested values: lists, structs, maps, blobs, intervals, times).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from reportsite.downloads.formulas import neutral, neutral_texts
from reportsite.values.jsonvalues import as_text

BOM = b"\xef\xbb\xbf"


def stream_table(results: Iterator[Any], keep: int, csv_path: Path | None,
                 sinks: Sequence[Any] = ()) -> tuple[Any, int]:
    """Stream a table's rows once: the first ``keep`` for the page, all of them to the CSV download.

    ``results`` yields the result's schema, then its record batches (``query.Session.stream``). Each of
    ``sinks`` (e.g. ``xlsx_download.CappedRows``) is handed every batch too.
    """
    import pyarrow as pa

    batches, kept, total = [], 0, 0
    schema = next(results)
    with _CsvFile(csv_path, schema) as csv:
        for batch in results:
            csv.write(batch)
            for sink in sinks:
                sink.write(batch)
            if kept < keep:
                part = batch.slice(0, keep - kept)
                batches.append(part)
                kept += part.num_rows
            total += batch.num_rows
    return pa.Table.from_batches(batches, schema=schema), total


def write_csv(table: Any, path: Path) -> None:
    """A whole (small) table as a CSV download."""
    with _CsvFile(path, table.schema) as csv:
        for batch in table.to_batches():
            csv.write(batch)


class _CsvFile:
    """A CSV download being written: the BOM and the header, then each batch as it arrives, as RFC 4180
    text (CRLF line ends; only text holding a comma, a quote or a line break is quoted). Nothing is
    written when ``path`` is None (a check run)."""

    def __init__(self, path: Path | None, schema: Any) -> None:
        self.path, self.schema = path, schema
        self.sink: Any = None

    def __enter__(self) -> _CsvFile:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.sink = self.path.open("wb")
            header = ",".join(_quoted(neutral(name)) for name in self.schema.names)
            self.sink.write(BOM + header.encode("utf-8") + b"\r\n")
        return self

    def write(self, batch: Any) -> None:
        if self.sink is not None and batch.num_rows:
            self.sink.write(csv_lines(batch))

    def __exit__(self, *exc: object) -> None:
        if self.sink is not None:
            self.sink.close()


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


def csv_lines(data: Any) -> Any:
    """A batch or table as CSV lines without the header, built by Arrow kernels column by column; returns
    a buffer of UTF-8 bytes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(data, pa.Table):
        return b"".join(bytes(csv_lines(batch)) for batch in data.to_batches())
    if not data.num_columns:
        return b"\r\n" * data.num_rows
    columns = [pc.fill_null(csv_text(field.type, column), "") for field, column in zip(data.schema, data.columns,
                                                                                      strict=True)]
    lines = pc.binary_join_element_wise(*columns, ",")
    lines = pc.binary_join_element_wise(lines, "", "\r\n")  # each line followed by CRLF
    return _characters(lines)


def _characters(array: Any) -> Any:
    """The characters of a string array end to end: a slice of its data buffer, not a copy."""
    import pyarrow as pa

    offsets = pa.Array.from_buffers(pa.int32(), len(array) + 1, [None, array.buffers()[1]], offset=array.offset)
    begin, end = offsets[0].as_py(), offsets[len(array)].as_py()
    data = array.buffers()[2]
    return memoryview(data)[begin:end] if data is not None else b""


def csv_text(arrow_type: Any, column: Any) -> Any:
    """One column as the CSV shows it: numbers as plain decimals, dates as 2013-01-01, times as ISO 8601,
    text quoted where it must be and never a formula, nested values as JSON."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = pa.types
    if t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        return plain_numbers(column)
    if t.is_timestamp(arrow_type):
        return iso_times(column)
    if t.is_integer(arrow_type) or t.is_date(arrow_type) or t.is_boolean(arrow_type):
        return pc.cast(column, pa.string())
    if t.is_null(arrow_type):
        return pa.nulls(len(column), pa.string())
    if t.is_dictionary(arrow_type) and (t.is_string(arrow_type.value_type)
                                        or t.is_large_string(arrow_type.value_type)):
        arrow_type, column = arrow_type.value_type, pc.cast(column, arrow_type.value_type)
    if t.is_string(arrow_type) or t.is_large_string(arrow_type):
        text = pc.cast(column, pa.string())
    else:  # lists, structs, maps, blobs, UUIDs, intervals, times: rare, and written value by value
        text = pa.array([as_text(v) for v in column.to_pylist()], pa.string())
    text = neutral_texts(text)  # '=cmd|…' → "'=cmd|…": text, never a formula
    needs = pc.fill_null(pc.match_substring_regex(text, '[",\r\n]'), False)
    if not pc.any(needs).as_py():
        return text
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, text)


def plain_numbers(array: Any) -> Any:
    """Floats or decimals as text without exponents: 1.29e+13 → 12900000000000, 1e-7 → 0.0000001
    (the shortest text that reads back as the same number); NaN as empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_floating(array.type):
        array = pc.if_else(pc.is_nan(array), pa.scalar(None, array.type), array)
    text = pc.cast(array, pa.string())
    scientific = pc.fill_null(pc.match_substring(text, "e", ignore_case=True), False)
    if not pc.any(scientific).as_py():
        return text
    scientific = pc.and_(scientific, pc.invert(pc.match_substring(text, "inf")))
    return pc.replace_with_mask(text, scientific, _expand(pc.filter(text, scientific)))


def _expand(text: Any) -> Any:
    """'-1.234e+14' → '-123400000000000', '1.5e-10' → '0.00000000015' (every value is scientific)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.split_pattern(pc.utf8_lower(text), "e")
    mantissa, exponent = pc.list_element(parts, 0), pc.list_element(parts, 1)
    negative = pc.starts_with(mantissa, "-")
    mantissa = pc.utf8_ltrim(mantissa, "-")
    digits = pc.binary_join_element_wise(pc.utf8_slice_codeunits(mantissa, 0, 1),
                                         pc.utf8_slice_codeunits(mantissa, 2), "")  # d.ddd → dddd
    count = pc.utf8_length(digits)
    point = pc.add(pc.cast(pc.utf8_ltrim(exponent, "+"), pa.int64()), 1)  # where the point falls in digits
    small = pc.binary_join_element_wise(  # the point before the digits: 0.000ddd
        "0.", pc.binary_repeat("0", pc.max_element_wise(pc.negate(point), 0)), digits, "")
    whole = pc.binary_join_element_wise(  # the point at or after their end: ddd000
        digits, pc.binary_repeat("0", pc.max_element_wise(pc.subtract(point, count), 0)), "")
    out = pc.if_else(pc.less_equal(point, 0), small, whole)
    inside = pc.and_(pc.greater(point, 0), pc.less(point, count))
    if pc.any(inside).as_py():  # the point among the digits: ddd.ddd, for each of a few positions
        for position in pc.unique(pc.filter(point, inside)).to_pylist():
            at = pc.and_(inside, pc.equal(point, position))
            cut = pc.filter(digits, at)
            joined = pc.binary_join_element_wise(pc.utf8_slice_codeunits(cut, 0, position),
                                                 pc.utf8_slice_codeunits(cut, position), ".")
            out = pc.replace_with_mask(out, at, joined)
    return pc.if_else(negative, pc.binary_join_element_wise("-", out, ""), out)


def iso_times(array: Any) -> Any:
    """Timestamps as ISO 8601 text: instants in UTC with '+00:00', wall-clock times without an offset;
    fractions of a second only where there are some (2013-01-01T06:00:00, …T06:00:00.250000)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    unit, zone = array.type.unit, array.type.tz
    wall = array.cast(pa.timestamp(unit)) if zone is not None else array  # an instant's UTC reading
    whole = pc.cast(wall, pa.timestamp("s"), safe=False)
    text = pc.cast(whole, pa.string())
    if unit != "s":
        fractional = pc.fill_null(pc.not_equal(pc.cast(whole, wall.type), wall), False)
        if pc.any(fractional).as_py():
            text = pc.if_else(fractional, pc.cast(wall, pa.string()), text)
    text = pc.replace_substring(text, " ", "T", max_replacements=1)
    return pc.binary_join_element_wise(text, "+00:00", "") if zone is not None else text


