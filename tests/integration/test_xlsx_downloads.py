"""Excel downloads beside every CSV download: values keep their types, columns get number, date and currency
formats, the header is frozen; a workbook capped at the table's excel_rows says so."""

from __future__ import annotations

import datetime as dt
import html.parser
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.downloads.xlsx import CappedRows, column_kinds, write_xlsx
from reportsite.values.formats import Formats

pytestmark = pytest.mark.integration

ODD = """SELECT 42 AS customer_id, 2013 AS year, 1234.5 AS revenue, 0.253 AS share, 12.25::DOUBLE AS amount,
    0.000123::DOUBLE AS tiny, 7 AS orders, DATE '2026-01-05' AS day, TIMESTAMP '2026-01-05 06:30:00' AS local_time,
    TIMESTAMPTZ '2026-01-05 06:00:00+00' AS placed_at, 'Zürich, "HB"' AS city, NULL AS nothing,
    [1, 2] AS tags, 1.50::DECIMAL(10, 2) AS price"""


def cells(path: Path) -> tuple[list[list[object]], list[list[str]], object]:
    sheet = openpyxl.load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    formats = [[c.number_format for c in row] for row in sheet.iter_rows()]
    return values, formats, sheet.freeze_panes


def test_values_keep_their_types_and_columns_their_formats(tmp_path):
    table = duckdb.sql(ODD).to_arrow_table()
    kinds = column_kinds(table, {"revenue": "currency", "share": "percent"})
    path = tmp_path / "odd.xlsx"
    write_xlsx(table, path, kinds, Formats("de-DE", "EUR", "Europe/Zurich"))

    values, formats, frozen = cells(path)
    assert frozen == "A2"
    assert values[0] == [
        "customer_id",
        "year",
        "revenue",
        "share",
        "amount",
        "tiny",
        "orders",
        "day",
        "local_time",
        "placed_at",
        "city",
        "nothing",
        "tags",
        "price",
    ]
    assert values[1] == [
        42,
        2013,
        1234.5,
        0.253,
        12.25,
        0.000123,
        7,
        dt.datetime(2026, 1, 5),
        dt.datetime(2026, 1, 5, 6, 30),
        dt.datetime(2026, 1, 5, 7, 0),  # 06:00 UTC in Zurich
        'Zürich, "HB"',
        None,
        "[1, 2]",
        1.5,
    ]
    assert formats[1] == [
        "0",
        "0",
        '#,##0.00 "€"',
        "0.0%",
        "#,##0.00",
        "General",
        "#,##0",
        "dd.mm.yyyy",
        "dd.mm.yyyy hh:mm",
        "dd.mm.yyyy hh:mm",
        "@",
        "@",
        "@",
        "#,##0.0",
    ]


def test_the_locale_sets_dates_and_the_currency(tmp_path):
    table = duckdb.sql("SELECT DATE '2026-01-05' AS day, 1234.5 AS revenue").to_arrow_table()
    path = tmp_path / "us.xlsx"
    write_xlsx(table, path, column_kinds(table, {"revenue": "currency"}), Formats("en-US", "CHF"))
    assert cells(path)[1][1] == ["m/d/yyyy", '"CHF" #,##0.00']


def test_a_capped_workbook_says_so_above_its_frozen_header(tmp_path):
    result = duckdb.sql("SELECT range AS n, range * 1.5 AS amount FROM range(25)")
    reader = result.to_arrow_reader(4)  # batches of 4 rows: the cap falls inside one
    capped = CappedRows(10)
    for batch in reader:
        capped.write(batch)
    assert (capped.kept, capped.total, sum(b.num_rows for b in capped.batches)) == (10, 25, 10)
    table = capped.table(reader.schema)
    path = tmp_path / "capped.xlsx"
    write_xlsx(table, path, column_kinds(table), Formats(), total=capped.total)

    values, formats, frozen = cells(path)
    assert values[0][0] == "The first 10 of 25 rows; the CSV download holds them all."
    assert values[1] == ["n", "amount"] and values[2] == [0, 0] and values[-1] == [9, 13.5]
    assert len(values) == 12 and frozen == "A3" and formats[2] == ["#,##0", "#,##0.0"]
    assert openpyxl.load_workbook(path).properties.description == values[0][0]


class Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.downloads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and "download" in found:
            self.downloads.append(str(found["href"]))


REPORT = """
title: Orders
data_sources:
  sales: SALES
charts:
  - name: Revenue by month
    type: bar
    query: SELECT date_trunc('month', date) AS month, sum(amount) AS revenue FROM sales GROUP BY 1 ORDER BY 1
    params: {x: month, y: revenue, y_format: currency}
tables:
  - name: Largest orders
    query: SELECT order_id, date, amount FROM sales ORDER BY amount DESC, order_id
    max_rows: 20
    excel_rows: 100
    columns: {amount: currency}
"""


def test_every_csv_download_has_an_excel_one_beside_it(make_project, sample_data):
    root = make_project(
        {"orders.yaml": REPORT.replace("SALES", str(sample_data / "sales.parquet"))},
        site_yaml="title: T\nlocale: de-DE\ncurrency: EUR\n",
    )
    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    site = root / "_site"
    links = Links()
    links.feed((site / "reports" / "orders.html").read_text())
    assert links.downloads == [
        "../data/orders/chart-1-revenue-by-month.csv",
        "../data/orders/chart-1-revenue-by-month.xlsx",
        "../data/orders/table-1-largest-orders.csv",
        "../data/orders/table-1-largest-orders.xlsx",
    ]

    chart_values, chart_formats, _ = cells(site / "data/orders/chart-1-revenue-by-month.xlsx")
    expected = duckdb.sql(
        f"SELECT date_trunc('month', date) AS month, sum(amount) FROM "
        f"'{sample_data / 'sales.parquet'}' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [tuple(row) for row in chart_values[1:]] == [
        (dt.datetime.combine(m, dt.time()), pytest.approx(r)) for m, r in expected
    ]
    assert chart_formats[1] == ["dd.mm.yyyy", '#,##0.00 "€"']

    values, formats, frozen = cells(site / "data/orders/table-1-largest-orders.xlsx")
    total = duckdb.sql(f"SELECT count(*) FROM '{sample_data / 'sales.parquet'}'").fetchall()[0][0]
    # a German site (de-DE) says it in German, with German numbers
    assert values[0][0] == f"Die ersten 100 von {total:,} Zeilen; der CSV-Download enthält alle.".replace(",", ".")
    assert values[1] == ["order_id", "date", "amount"] and frozen == "A3" and len(values) == 102
    top = duckdb.sql(
        f"SELECT order_id, date, amount FROM '{sample_data / 'sales.parquet'}' ORDER BY amount DESC, order_id LIMIT 100"
    ).fetchall()
    assert [(row[0], row[1].date(), row[2]) for row in values[2:]] == [(o, d, pytest.approx(a)) for o, d, a in top]
    assert formats[2] == ["0", "dd.mm.yyyy", '#,##0.00 "€"']

    import json

    files = json.loads((site / "manifest.json").read_text())["reports"]["orders"]["files"]
    assert "data/orders/table-1-largest-orders.xlsx" in files and "data/orders/chart-1-revenue-by-month.xlsx" in files


def test_an_empty_result_still_has_its_header(tmp_path):
    table = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())})
    path = tmp_path / "empty.xlsx"
    write_xlsx(table, path, column_kinds(table), Formats())
    assert cells(path)[0] == [["a", "b"]]
