"""CSV downloads open cleanly in Excel: UTF-8 with a BOM, plain decimals, ISO 8601 times; written batch by
batch with Arrow kernels while the rows stream past."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.downloads import csv as csv_download
from reportsite.downloads.csv import plain_numbers, stream_table, write_csv

ODD = """SELECT 'Zürich, "HB"' AS city, 1.29e13::DOUBLE AS big, 1e-7::DOUBLE AS tiny, 1234.5678::DOUBLE AS amount,
    12345678901234567890::HUGEINT AS huge, 0.0000001::DECIMAL(18, 7) AS small_decimal, 1.50::DECIMAL(10, 2) AS price,
    TIMESTAMPTZ '2013-01-01 07:00:00+01' AS placed_at, TIMESTAMP '2013-01-01 06:00:00' AS local_time,
    TIMESTAMP '2013-01-01 06:00:00.25' AS precise, DATE '2013-01-01' AS day, 2013 AS year, true AS paid,
    NULL AS nothing, 'nan'::DOUBLE AS not_a_number, 'a'::ENUM('a', 'b') AS grade, [1, 2] AS tags"""


def read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_a_download_opens_cleanly_in_excel(tmp_path):
    path = tmp_path / "odd.csv"
    write_csv(duckdb.sql(ODD).to_arrow_table(), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfcity,big,") and b"Z\xc3\xbcrich" in raw and raw.endswith(b"\r\n")
    assert read(path) == [
        ["city", "big", "tiny", "amount", "huge", "small_decimal", "price", "placed_at", "local_time", "precise",
         "day", "year", "paid", "nothing", "not_a_number", "grade", "tags"],
        ['Zürich, "HB"', "12900000000000", "0.0000001", "1234.5678", "12345678901234567890", "0.0000001", "1.50",
         "2013-01-01T06:00:00+00:00", "2013-01-01T06:00:00", "2013-01-01T06:00:00.250000", "2013-01-01", "2013",
         "true", "", "", "a", "[1, 2]"],
    ]


def test_only_text_that_needs_quotes_is_quoted(tmp_path):
    path = tmp_path / "q.csv"
    write_csv(pa.table({"name": ["plain", "a,b", 'say "hi"', "two\nlines", None]}), path)
    assert path.read_bytes() == (b'\xef\xbb\xbfname\r\nplain\r\n"a,b"\r\n"say ""hi"""\r\n"two\nlines"\r\n\r\n')


@pytest.mark.parametrize("value", [1.29e13, 1e16, 1e21, -9.87654321e25, 123456789012345.6, 9.999880000000005e14,
                                   1e-7, -1.5e-10, 5e-324, 1.7976931348623157e308, 0.000123, 12.0, -0.5])
def test_plain_decimals_read_back_as_the_same_number(value):
    text = plain_numbers(pa.array([value])).to_pylist()[0]
    assert "e" not in text.lower() and float(text) == value


def test_downloads_stream_batch_by_batch_without_python_per_value(tmp_path, monkeypatch):
    def per_value(value):
        raise AssertionError(f"{value!r} was written value by value")

    monkeypatch.setattr(csv_download, "as_text", per_value)
    table = duckdb.sql("""SELECT i AS id, i / 7 AS ratio, i * 1e12 + 0.5 AS huge, 'Zürich ' || i AS city,
        TIMESTAMPTZ '2013-01-01 00:00:00+00' + to_seconds(i) AS at, DATE '2013-01-01' + i::INT AS day
        FROM range(10000) t(i)""").to_arrow_table()
    batches = table.to_batches(max_chunksize=999)
    path = tmp_path / "big.csv"
    shown, total = stream_table(iter([table.schema, *batches]), 5, path)
    assert (shown.num_rows, total) == (5, 10000)
    rows = read(path)
    assert len(rows) == 1 + 10000
    assert rows[1] == ["0", "0", "0.5", "Zürich 0", "2013-01-01T00:00:00+00:00", "2013-01-01"]
    assert rows[-1] == ["9999", "1428.4285714285713", "9999000000000000", "Zürich 9999", "2013-01-01T02:46:39+00:00",
                        "2040-05-18"]


def test_an_empty_result_still_has_its_header(tmp_path):
    path = tmp_path / "empty.csv"
    schema = pa.schema([("day", pa.date32()), ("amount", pa.float64())])
    stream_table(iter([schema]), 10, path)
    assert path.read_bytes() == b"\xef\xbb\xbfday,amount\r\n"


def test_built_site_downloads(make_project, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    duckdb.sql(f"COPY ({ODD.replace(', [1, 2] AS tags', '')}) TO '{data / 'odd.parquet'}' (FORMAT parquet)")
    root = make_project({"odd.yaml": """
        title: "Odd"
        data_source: "odd.parquet"
        tables:
          - name: "Odd"
            query: "SELECT * FROM odd"
        charts:
          - name: "Odd chart"
            type: bar
            query: "SELECT city, big FROM odd"
            params: {x: city, y: big}
        """}, site_yaml=f'title: T\ntimezone: Europe/Zurich\ndata_root: "{data}"\n')
    build(root, BuildOptions(out=Path("_site")))
    table = read(root / "_site" / "data" / "odd" / "table-1-odd.csv")
    assert table[1][:3] == ['Zürich, "HB"', "12900000000000", "0.0000001"]
    assert table[1][7:9] == ["2013-01-01T06:00:00+00:00", "2013-01-01T06:00:00"]  # instants in UTC, whatever the zone
    chart = read(root / "_site" / "data" / "odd" / "chart-1-odd-chart.csv")
    assert chart == [["city", "big"], ['Zürich, "HB"', "12900000000000"]]
