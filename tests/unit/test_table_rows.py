"""Sort keys of table columns and the JSON file of a table's rows (table_rows.py)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math

import duckdb
import pyarrow as pa

from reportsite.pages.table_rows import DAY_MS, LARGEST, rows_json, sort_keys, table_keys

VALUES = """SELECT * FROM (VALUES
    (3, 2.5::DOUBLE, 10.25::DECIMAL(18, 2), DATE '2026-01-05', TIMESTAMPTZ '2026-01-05 07:00:00+01',
     TIMESTAMP '2026-01-05 07:00:00', 'b', true),
    (-7, 'nan'::DOUBLE, -3.10::DECIMAL(18, 2), DATE '1969-12-31', TIMESTAMPTZ '1969-12-31 23:59:59+00',
     TIMESTAMP '1970-01-01 00:00:00.5', 'a', false),
    (NULL, 'inf'::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL),
    (9007199254740993, '-inf'::DOUBLE, 99999999999999.99::DECIMAL(18, 2), DATE '2100-12-31',
     TIMESTAMPTZ '2100-12-31 23:00:00+00', TIMESTAMP '2100-12-31 23:00:00', 'c', NULL)
) t(n, f, d, day, placed_at, wall, label, flag)"""


def keys() -> dict[str, list[object] | None]:
    table = duckdb.sql(VALUES).to_arrow_table()
    return dict(zip(table.column_names, table_keys(table), strict=True))


def test_numbers_sort_as_numbers_and_nothing_is_none() -> None:
    found = keys()
    assert found["n"] == [3, -7, None, 9007199254740993]  # whole numbers exactly, beyond 2**53 too
    assert found["f"] == [2.5, None, LARGEST, -LARGEST]  # NaN is no value; JSON has no Infinity
    assert found["d"] == [10.25, -3.1, None, 99999999999999.99]


def test_dates_and_times_are_milliseconds_since_1970() -> None:
    found = keys()
    assert found["day"] == [
        dt.date(2026, 1, 5).toordinal() * DAY_MS - dt.date(1970, 1, 1).toordinal() * DAY_MS,
        -DAY_MS,
        None,
        4133894400000,
    ]
    instant = dt.datetime(2026, 1, 5, 6, tzinfo=dt.UTC).timestamp() * 1000  # 07:00+01 is 06:00 UTC
    assert found["placed_at"] == [instant, -1000, None, 4133977200000]
    assert found["wall"] == [
        dt.datetime(2026, 1, 5, 7, tzinfo=dt.UTC).timestamp() * 1000,
        500,
        None,
        4133977200000,
    ]  # a wall-clock time as written


def test_text_and_true_false_sort_by_their_text() -> None:
    found = keys()
    assert found["label"] is None and found["flag"] is None
    assert sort_keys(pa.array(["x", "y"]).dictionary_encode()) is None


def test_keys_order_rows_the_way_the_values_do() -> None:
    values = [decimal.Decimal("-1e13"), decimal.Decimal("0.000123"), decimal.Decimal("5"), decimal.Decimal("-0.5")]
    found = sort_keys(pa.array(values, pa.decimal128(20, 6)))
    assert found is not None
    assert sorted(range(4), key=lambda i: found[i]) == sorted(range(4), key=lambda i: values[i])  # type: ignore


def test_the_file_is_compact_json_of_arrays() -> None:
    text = rows_json(["city", "amount"], [["Zürich", "$1.00"], [None, None]], [None, [1.0, None]])
    assert text == '{"columns":["city","amount"],"rows":[["Zürich","$1.00"],[null,null]],"keys":[null,[1.0,null]]}'
    assert json.loads(text)["keys"][1][0] == 1.0
    assert not math.isnan(LARGEST) and json.loads(json.dumps(LARGEST)) == LARGEST


def test_a_huge_text_value_is_cut_on_the_page_but_short_ones_are_not() -> None:
    from reportsite.pages.table_rows import MAX_CELL_CHARS, column_cells
    from reportsite.values.formats import Formats

    huge, short = "x" * 5_000_000, "y" * MAX_CELL_CHARS
    cells = column_cells(Formats(), [huge, short, None, huge], "text")
    assert cells[0] == "x" * (MAX_CELL_CHARS - 1) + "…" and cells[3] == cells[0]
    assert cells[1] == short and cells[2] is None


def test_cells_remembered_across_tables_are_what_the_formats_write() -> None:
    """column_cells remembers cells across tables (a family's pages repeat their values): whatever it has seen
    before, in whichever site's formats, each column comes out as Formats.column writes it."""
    import random

    from reportsite.pages.table_rows import column_cells
    from reportsite.values.formats import Formats
    from reportsite.values.words import Words

    zurich, tokyo = dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=9))
    moment = dt.datetime(2026, 1, 5, 7, 0, tzinfo=zurich)
    pool = [1, 1.0, True, False, 0, -0.0, decimal.Decimal("1.0"), decimal.Decimal("1.00"), decimal.Decimal("1.5"),
            12.5, 0.000123, 1234567.891, -3, 2025, float("nan"), float("inf"), None, dt.date(2026, 1, 5),
            dt.datetime(2026, 1, 5, 7, 0), moment, moment.astimezone(tokyo), "2026-01-05", "text", "x" * 2500]
    sites = [Formats(), Formats("de-CH", "CHF", "Europe/Zurich", Words.make("de")),
             Formats("de-CH", "CHF", "UTC", Words.make("de")), Formats("de-CH", "CHF", "UTC", Words.make("fr")),
             Formats("fr-CH", "EUR", "Asia/Tokyo", Words.make("fr")), Formats("en-US", "JPY")]
    rng = random.Random(7)
    for _ in range(400):
        formats = rng.choice(sites)
        kind = rng.choice(["number", "currency", "percent", "plain", "text", "date", "datetime"])
        values = [rng.choice(pool) for _ in range(rng.randrange(1, 8))]
        expected = [None if c is None else c if len(c) <= 2000 else c[:1999] + "…"
                    for c in formats.column(values, kind)]
        assert column_cells(formats, values, kind) == expected, (formats.locale, kind, values)
