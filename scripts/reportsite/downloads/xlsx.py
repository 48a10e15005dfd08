"""Excel downloads beside the CSV ones: the same rows as an .xlsx workbook (``xlsx_package`` writes the file).

Each column keeps its type (numbers, dates and times are Excel numbers and dates, not text) and gets an
Excel number format from the column's kind (``formats.column_kind``, so a table's ``columns:`` apply):
thousands separators and the column's decimals, the site's currency in its locale's pattern, percentages,
plain years and ids, dates in the locale's short form. The header row is frozen and filterable. A workbook
holds at most ``max_rows`` rows (a table's ``excel_rows``); a capped one says so above its header.
Text is always a string cell in a Text-formatted column, never a formula or a link, whatever it starts with
(``=HYPERLINK(…)`` from the data stays text even when a reader edits the cell; see ``formulas``).
Times with a zone are written in the site's time zone (Excel has none); NaN is an empty cell, an infinite
value Excel's #DIV/0!.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from pathlib import Path
from typing import Any

from reportsite.downloads.xlsx_package import Sheet, workbook
from reportsite.values.formats import Formats, babel_locale, column_kind
from reportsite.values.jsonvalues import as_text
from reportsite.values.words import N_

SHEET = N_("Data")  # the sheet's name, in the site's words
CREATED = dt.datetime(1980, 1, 1)  # as the zip entries: a workbook's bytes depend on its rows only
EXCEL_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
AUTOFIT_ROWS = 5000  # columns are fitted to their widest value up to this many rows


class CappedRows:
    """A sink for a stream of record batches: keeps the first ``limit`` rows and counts them all."""

    def __init__(self, limit: int) -> None:
        self.limit, self.total, self.batches = limit, 0, list[Any]()
        self.kept = 0

    def write(self, batch: Any) -> None:
        if self.kept < self.limit:
            part = batch.slice(0, self.limit - self.kept)
            self.batches.append(part)
            self.kept += part.num_rows
        self.total += batch.num_rows

    def table(self, schema: Any) -> Any:
        import pyarrow as pa

        return pa.Table.from_batches(self.batches, schema=schema)


def column_kinds(table: Any, declared: dict[str, str] | None = None, sample: int = 1000) -> list[str]:
    """Each column's kind as a table would show it (the first ``sample`` values decide years and ids)."""
    head = table.slice(0, sample).to_pydict()
    declared = declared or {}
    return [
        column_kind(name, field.type, head[name], declared.get(name))
        for name, field in zip(table.column_names, table.schema, strict=True)
    ]


def write_xlsx(
    table: Any, path: Path, kinds: list[str], formats: Formats, total: int | None = None, name: str | None = None,
    currencies: dict[str, str] | None = None,
) -> None:
    """``table`` (Arrow) as a one-sheet workbook at ``path``; ``total`` rows in all, when more than it holds. The
    sheet is called "Data" in the site's words; ``currencies`` gives columns amounts in another currency."""
    table = _excel_table(_plain_columns(table), formats)
    columns = table.to_pydict()
    names = table.column_names
    note = None
    if total is not None and total > table.num_rows:
        note = formats.words.gettext(
            "The first %(shown)s of %(total)s rows; the CSV download holds them all.",
            shown=formats.number(table.num_rows), total=formats.number(total))
    sheet = Sheet(sheet_name(name or formats.words.gettext(SHEET)), names, [columns[n] for n in names],
                  _column_formats(table, columns, kinds, formats, currencies or {}), note,
                  fit=table.num_rows <= AUTOFIT_ROWS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook(sheet, CREATED))


def _plain_columns(table: Any) -> Any:
    """The table with every column Excel cannot hold as a number, date or text (lists, structs, maps, blobs,
    intervals, times) written as text, the way the CSV writes it (rare: value by value)."""
    import pyarrow as pa

    t = pa.types
    for index, field in enumerate(table.schema):
        kind = field.type.value_type if t.is_dictionary(field.type) else field.type
        if t.is_dictionary(field.type):
            table = table.set_column(index, field.name, table.column(index).cast(kind))
        if not (
            t.is_integer(kind)
            or t.is_floating(kind)
            or t.is_decimal(kind)
            or t.is_date(kind)
            or t.is_timestamp(kind)
            or t.is_string(kind)
            or t.is_large_string(kind)
            or t.is_boolean(kind)
            or t.is_null(kind)
        ):
            text = pa.array([as_text(v) for v in table.column(index).to_pylist()], pa.string())
            table = table.set_column(index, field.name, text)
    return table


def _excel_table(table: Any, formats: Formats) -> Any:
    """Columns Excel can hold: zoned times in the site's zone, decimals and huge integers as floats (Excel's
    numbers are doubles), NaN as an empty cell (as in the CSV), a column of nothing but NULLs as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = pa.types
    for index, field in enumerate(table.schema):
        kind, column = field.type, table.column(index)
        if t.is_timestamp(kind) and kind.tz is not None:
            local = pc.local_timestamp(column.cast(pa.timestamp(kind.unit, tz=formats.timezone)))
            column = local.cast(pa.timestamp(kind.unit))
        elif t.is_decimal(kind) or (t.is_integer(kind) and kind.bit_width > 64) or kind == pa.uint64():
            column = column.cast(pa.float64())
        elif t.is_floating(kind):
            column = pc.if_else(pc.is_nan(column), pa.scalar(None, kind), column)
        elif t.is_null(kind):
            column = column.cast(pa.string())
        else:
            continue
        table = table.set_column(index, field.name, column)
    return table


def sheet_name(text: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Data"


def _column_formats(table: Any, columns: dict[str, list[Any]], kinds: list[str], formats: Formats,
                    currencies: dict[str, str]) -> list[str]:
    """Each column's Excel number format, from its kind and values."""
    import pyarrow as pa

    t = pa.types
    found = []
    for field, kind in zip(table.schema, kinds, strict=True):
        values = columns[field.name]
        numeric = t.is_integer(field.type) or t.is_floating(field.type)
        if kind == "date" or t.is_date(field.type):
            found.append(date_format(formats.locale))
        elif kind == "datetime" or t.is_timestamp(field.type):
            found.append(date_format(formats.locale) + _clock(values) if t.is_timestamp(field.type) else "General")
        elif numeric and kind == "currency":
            found.append(currency_format(formats.locale, currencies.get(field.name) or formats.currency))
        elif numeric and kind == "percent":
            found.append("0.0%")
        elif numeric and kind in ("plain", "text"):
            found.append("0" if _whole(values) else "General")
        elif numeric:
            found.append(number_format(values))
        elif t.is_string(field.type) or t.is_large_string(field.type):
            found.append("@")
        else:
            found.append("General")
    return found


def _clock(values: list[Any]) -> str:
    """' hh:mm', ' hh:mm:ss' when a time has seconds, nothing when every time is midnight (whole days)."""
    times = [v for v in values if isinstance(v, dt.datetime)]
    if any(v.second or v.microsecond for v in times):
        return " hh:mm:ss"
    if any(v.hour or v.minute for v in times):
        return " hh:mm"
    return ""


def _finite(values: list[Any]) -> list[float]:
    return [float(v) for v in values if v is not None and not isinstance(v, bool) and math.isfinite(float(v))]


def _whole(values: list[Any]) -> bool:
    return all(v == math.floor(v) for v in _finite(values))


def number_format(values: list[Any]) -> str:
    """'#,##0' for whole numbers, '#,##0.00' for amounts (the decimals the column needs, up to two), and
    'General' where smaller values need more (0.000123 keeps its digits)."""
    finite = _finite(values)
    if not finite or _whole(finite):
        return "#,##0"
    for digits in (1, 2):
        if all(abs(round(v * 10**digits) - v * 10**digits) < 1e-6 * max(abs(v * 10**digits), 1) for v in finite):
            return "#,##0." + "0" * digits
    return "General" if any(0 < abs(v) < 1 for v in finite) else "#,##0.00"


@functools.lru_cache(maxsize=32)
def currency_format(locale: str, currency: str) -> str:
    """The locale's currency pattern as an Excel format: '"$"#,##0.00', '#,##0.00 "€"', '"CHF" #,##0.00'."""
    from babel.numbers import get_currency_precision, get_currency_symbol

    found = babel_locale(locale)
    pattern = found.currency_formats["standard"].pattern.split(";")[0]
    digits = get_currency_precision(currency)
    number = "#,##0" + ("." + "0" * digits if digits else "")
    symbol = get_currency_symbol(currency, found).replace('"', "")
    pattern = re.sub(r"[#,0.]+", number, pattern, count=1)
    pattern = pattern.replace("\u00a0", " ")
    if symbol[-1:].isalpha() and re.search(r"¤(?=[#0])", pattern):
        pattern = pattern.replace("¤", "¤ ")  # CHF 1,234.50, not CHF1,234.50
    if symbol[:1].isalpha() and re.search(r"(?<=0)¤", pattern):
        pattern = pattern.replace("¤", " ¤")
    return pattern.replace("¤", f'"{symbol}"')


@functools.lru_cache(maxsize=32)
def date_format(locale: str) -> str:
    """The locale's short date as an Excel format, with four-digit years: 'm/d/yyyy', 'dd.mm.yyyy'."""
    pattern = babel_locale(locale).date_formats["short"].pattern

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("'"):
            return '"' + text.strip("'") + '"' if text != "''" else "'"
        letter = text[0]
        if letter == "y":
            return "yyyy"
        if letter == "M":
            return "mmm" if len(text) >= 3 else "m" * len(text)
        if letter == "d":
            return "d" * min(len(text), 2)
        return text

    return re.sub(r"'[^']*'|([A-Za-z])\1*", token, pattern)


__all__ = [
    "EXCEL_MAX_ROWS",
    "CappedRows",
    "column_kinds",
    "currency_format",
    "date_format",
    "number_format",
    "sheet_name",
    "write_xlsx",
]
