"""A table's rows for the reader's browser: sort keys per column, and the JSON file of every row.

The page holds the first ``INLINE`` rows; a table with more writes all of its shown rows (up to
``max_rows``) beside its CSV as ``<same name>.json``, which tables.js loads when the reader sorts, searches
or pages past the inline rows. The file is compact, arrays rather than objects::

    {"columns": ["customer", "revenue"], "rows": [["Acme", "$1,200.00"], ["Bolt", null]],
     "keys": [null, [1200.0, null]]}

``rows`` are the cells exactly as the page writes them (formats.py; null for NULL). ``keys`` has one entry
per column: null when the column sorts by its text (text, true/false), else the value of each row as a
number: numbers as themselves, dates and times as milliseconds since 1970 (an instant's UTC reading, a
wall-clock time as written); null for NULL and NaN.
"""

from __future__ import annotations

import decimal
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportsite.values.formats import Formats

INLINE = 200  # rows written into the page's HTML; the rest load from the JSON file
MAX_CELL_CHARS = 2_000  # a table cell on the page (and in its rows file) is cut after this many characters
LARGEST = 1.7976931348623157e308  # ±infinity as the largest float (JSON has no Infinity)
DAY_MS = 86_400_000


def sort_keys(column: Any) -> list[Any] | None:
    """How a column's values sort, as numbers (None for NULL); None when the column sorts by its text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    types = pa.types
    if types.is_dictionary(kind):
        return None
    if types.is_integer(kind):
        return list(column.to_pylist())
    if types.is_floating(kind) or types.is_decimal(kind):
        return [_finite(v) for v in pc.cast(column, pa.float64()).to_pylist()]
    if types.is_date(kind):
        days = pc.cast(pc.cast(column, pa.date32()), pa.int32()).to_pylist()
        return [None if d is None else d * DAY_MS for d in days]
    if types.is_timestamp(kind):
        wall = column.cast(pa.timestamp(kind.unit)) if kind.tz is not None else column
        return list(pc.cast(pc.cast(wall, pa.timestamp("ms"), safe=False), pa.int64()).to_pylist())
    return None


def _finite(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return LARGEST if value > 0 else -LARGEST
    return value


def column_cells(formats: Formats, values: list[Any], kind: str) -> list[str | None]:
    """A column's cells, the site's way (``Formats.column``), each distinct value written once: a 50,000-row
    table repeats its dates, regions and ids, and a family's pages repeat one another's (remembered across
    tables by the site's formats, the kind, the shared decimals and the value's type and text). The decimals the
    cells share are the same over the distinct values as over all of them."""
    index: dict[Any, int] = {}
    distinct: list[Any] = []
    positions = []
    for value in values:
        key = (type(value), str(value) if isinstance(value, decimal.Decimal | float) else value)
        try:
            found = index.get(key)
        except TypeError:  # a list or struct value: written on its own
            key = (type(value), id(value))
            found = index.get(key)
        if found is None:
            found = index[key] = len(distinct)
            distinct.append(value)
        positions.append(found)
    shared = formats.shared_fraction(distinct, kind)
    site = (formats.locale, formats.currency, formats.timezone, formats.words, kind, shared)
    written = [_written(formats, site, value, kind, shared) for value in distinct]
    return [written[i] for i in positions]


def _written(formats: Formats, site: tuple[Any, ...], value: Any, kind: str, shared: int) -> str | None:
    """One value's cell, remembered by the site's formats, kind and shared decimals (text is cheap: not kept)."""
    if isinstance(value, str):
        return _capped(formats.cell(value, kind, shared))
    key = (site, type(value), str(value) if isinstance(value, decimal.Decimal | float) else value)
    try:
        cell = _WRITTEN.get(key, _UNKNOWN)
    except TypeError:  # a list or struct value
        return _capped(formats.cell(value, kind, shared))
    if cell is _UNKNOWN:
        if len(_WRITTEN) >= WRITTEN_CACHE:
            _WRITTEN.clear()
        cell = _WRITTEN[key] = _capped(formats.cell(value, kind, shared))
    return cell  # type: ignore[return-value]


WRITTEN_CACHE = 100_000  # cells remembered across tables: a family's pages repeat their dates, ids and amounts
_WRITTEN: dict[Any, str | None] = {}
_UNKNOWN = object()


def _capped(cell: str | None) -> str | None:
    """A cell as a page shows it: at most ``MAX_CELL_CHARS`` characters (the downloads keep the whole value), so
    one huge value in the data cannot make a page of megabytes."""
    if cell is None or len(cell) <= MAX_CELL_CHARS:
        return cell
    return cell[:MAX_CELL_CHARS - 1] + "…"


def table_keys(table: Any) -> list[list[Any] | None]:
    """``sort_keys`` of every column of an Arrow table."""
    return [sort_keys(column) for column in table.columns]


def rows_json(columns: list[str], rows: list[list[str | None]], keys: list[list[Any] | None],
              links: list[list[str | None] | None] | None = None) -> str:
    """The JSON text of a table's rows (see the module's docstring); ``links``: per column, each row's link."""
    body: dict[str, Any] = {"columns": columns, "rows": rows, "keys": keys}
    if links:
        body["links"] = links
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def write_rows_json(path: Path, columns: list[str], rows: list[list[str | None]], keys: list[list[Any] | None],
                    links: list[list[str | None] | None] | None = None) -> None:
    """Write the rows file beside the table's CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rows_json(columns, rows, keys, links), encoding="utf-8")


def json_path(csv_path: Path) -> Path:
    """Where a table's rows file goes: its CSV's path with ``.json`` for ``.csv``."""
    return csv_path.with_suffix(".json")
