"""Excel downloads beside the CSV ones: the same rows as an .xlsx workbook, written by Polars (xlsxwriter).

Each column keeps its type (numbers, dates and times are Excel numbers and dates, not text) and gets an
Excel number format from the column's kind (``formats.column_kind``, so a table's ``columns:`` apply):
thousands separators and the column's decimals, the site's currency in its locale's pattern, percentages,
plain years and ids, dates in the locale's short form. The header row is frozen and filterable. A workbook
holds at most ``max_rows`` rows (a table's ``excel_rows``); a capped one says so above its header.
Times with a zone are written in the site's time zone (Excel has none); NaN is an empty cell, an infinite
value Excel's #DIV/0!.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

from reportsite.values.formats import Formats, babel_locale, column_kind
from reportsite.values.jsonvalues import as_text
from reportsite.values.words import N_

SHEET = N_("Data")  # the sheet's name, in the site's words
CREATED = dt.datetime(1980, 1, 1)  # as the zip entries: a workbook's bytes depend on its rows only
EXCEL_MAX_ROWS = 1_048_575  # a sheet's rows, less the header


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
    import polars as pl
    import xlsxwriter

    frame = _excel_frame(pl.from_arrow(_plain_columns(table)), formats)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    capped = total is not None and total > frame.height
    with xlsxwriter.Workbook(
        str(path), {"remove_timezone": True, "nan_inf_to_errors": True, "in_memory": True}
    ) as workbook:
        sheet = workbook.add_worksheet(sheet_name(name or formats.words.gettext(SHEET)))
        workbook.set_properties({"created": CREATED})  # the same rows give the same bytes (no-op deploys)
        top = 0
        if capped:
            note = formats.words.gettext(
                "The first %(shown)s of %(total)s rows; the CSV download holds them all.",
                shown=formats.number(frame.height), total=formats.number(total or 0))
            sheet.write(0, 0, note, workbook.add_format({"bold": True, "font_color": "#9a3412"}))
            workbook.set_properties({"created": CREATED, "comments": note})
            top = 1
        if frame.width:
            frame.write_excel(
                workbook,
                sheet,
                position=(top, 0),
                table_style="Table Style Light 1",
                column_formats=_column_formats(frame, kinds, formats, currencies or {}),  # type: ignore[arg-type]
                freeze_panes=(top + 1, 0),
                autofit=frame.height <= 5000,
                float_precision=15,
            )


def _plain_columns(table: Any) -> Any:
    """The table with every column Excel cannot hold as a number, date or text (lists, structs, maps, blobs,
    intervals, times) written as text, the way the CSV writes it (rare: value by value)."""
    import pyarrow as pa


    t = pa.types
    for index, field in enumerate(table.schema):
        kind = field.type.value_type if t.is_dictionary(field.type) else field.type
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


def _excel_frame(frame: Any, formats: Formats) -> Any:
    """Columns Excel can hold: zoned times in the site's zone, decimals and huge integers as floats."""
    import polars as pl

    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            column = column.dt.convert_time_zone(formats.timezone).dt.replace_time_zone(None)
        elif isinstance(dtype, pl.Decimal) or dtype in (pl.Int128, pl.UInt64):
            column = column.cast(pl.Float64)  # Excel's numbers are doubles
        elif dtype.is_float():
            column = column.fill_nan(None)  # NaN is an empty cell, as in the CSV
        elif dtype == pl.Null:
            column = column.cast(pl.String)
        columns.append(column)
    return frame.select(columns) if columns else frame


def sheet_name(text: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Data"


def _column_formats(frame: Any, kinds: list[str], formats: Formats, currencies: dict[str, str]) -> dict[str, str]:
    """Excel number formats by column name, from each column's kind and values."""
    import polars as pl

    found = {}
    for (name, dtype), kind in zip(frame.schema.items(), kinds, strict=True):
        numeric = dtype.is_numeric()
        if kind == "date" or dtype == pl.Date:
            found[name] = date_format(formats.locale)
        elif kind == "datetime" or isinstance(dtype, pl.Datetime):
            found[name] = (
                date_format(formats.locale) + _clock(frame[name]) if isinstance(dtype, pl.Datetime) else "General"
            )
        elif numeric and kind == "currency":
            found[name] = currency_format(formats.locale, currencies.get(name) or formats.currency)
        elif numeric and kind == "percent":
            found[name] = "0.0%"
        elif numeric and kind in ("plain", "text"):
            found[name] = "0" if _whole(frame[name]) else "General"
        elif numeric:
            found[name] = number_format(frame[name])
        elif dtype == pl.String:
            found[name] = "@"
    return found


def _clock(column: Any) -> str:
    """' hh:mm', ' hh:mm:ss' when a time has seconds, nothing when every time is midnight (whole days)."""
    if bool((column.dt.second() != 0).any()):
        return " hh:mm:ss"
    if bool(((column.dt.hour() != 0) | (column.dt.minute() != 0)).any()):
        return " hh:mm"
    return ""


def _whole(column: Any) -> bool:
    import polars as pl

    if column.dtype.is_integer():
        return True
    values = column.cast(pl.Float64).drop_nulls().drop_nans()
    return bool((values.floor() == values).all())


def number_format(column: Any) -> str:
    """'#,##0' for whole numbers, '#,##0.00' for amounts (the decimals the column needs, up to two), and
    'General' where smaller values need more (0.000123 keeps its digits)."""
    import polars as pl

    values = (
        column.cast(pl.Float64)
        .drop_nulls()
        .drop_nans()
        .filter(column.cast(pl.Float64).drop_nulls().drop_nans().is_finite())
    )
    if values.is_empty() or _whole(values):
        return "#,##0"
    for digits in (1, 2):
        scaled = values * 10**digits
        if bool(((scaled.round() - scaled).abs() < 1e-6 * scaled.abs().clip(lower_bound=1)).all()):
            return "#,##0." + "0" * digits
    small = values.filter((values.abs() < 1) & (values != 0))
    return "General" if not small.is_empty() else "#,##0.00"


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
    "write_xlsx",
]
