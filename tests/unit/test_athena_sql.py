"""The text sent to Athena and the results read back: bound values as proven constants, the report's tables in
front of the query, one-pass values in as few statements as fit, and every DuckDB type read back exactly."""

from __future__ import annotations

import datetime as dt
import decimal
import io

import pyarrow as pa
import pytest

from reportsite.query import athena_results, athena_sql, batch, sandbox
from reportsite.query.engine import EngineError
from tests.support.athena_standin import result_csv


@pytest.fixture
def con():  # type: ignore[no-untyped-def]
    connection = sandbox.connect([], None, "Europe/Zurich")
    yield connection
    connection.close()


VALUES = [None, True, False, 7, -3, 3_000_000_000, 1.5, 0.1, -2.5e-300, float("inf"), "it's", "", "a\nb, \"c\"",
          decimal.Decimal("1.50"), decimal.Decimal("-12345678901234.5678"), dt.date(2025, 10, 26),
          dt.datetime(2025, 10, 26, 2, 30), dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.UTC), dt.time(23, 59, 1),
          b"\x00\xff"]


def test_every_bound_value_is_one_constant_that_reads_back_as_itself(con) -> None:
    literals = [athena_sql.literal(value) for value in VALUES]

    athena_sql.prove(con, literals, VALUES)  # raises when one does not read back the same

    assert literals[6:8] == ["DOUBLE '1.5'", "DOUBLE '0.1'"] and literals[10] == "'it''s'"
    assert literals[13] == "DECIMAL(3,2) '1.50'" and literals[17] == "TIMESTAMPTZ '2025-10-26 00:30:00+00:00'"
    with pytest.raises(EngineError, match="does not read back the same"):
        athena_sql.prove(con, ["1.5"], [1.5])  # DuckDB reads 1.5 as a DECIMAL: never sent like that


def test_parameters_become_question_marks_in_order_outside_strings_and_comments() -> None:
    sql = "SELECT '$a', $a -- $b\n FROM t /* $b */ WHERE x = $b AND y = $a"

    text, values = athena_sql.positional(sql, {"a": 1, "b": "x"})

    assert text == "SELECT '$a', ? -- $b\n FROM t /* $b */ WHERE x = ? AND y = ?"
    assert values == [1, "x", 1]
    with pytest.raises(EngineError):
        athena_sql.positional("SELECT $c", {"a": 1})


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM sales",
    "WITH big AS (SELECT * FROM sales WHERE amount > 1) SELECT count(*) FROM big",
    "-- a comment\n  with recursive r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
    "SELECT count(*) FROM sales, r",
    "(SELECT count(*) FROM sales) UNION ALL (SELECT 0)",
    "FROM sales SELECT count(*)",
])
def test_the_reports_tables_come_in_front_of_the_query_however_it_starts(con, sql: str) -> None:
    con.execute("CREATE TABLE athena_orders AS SELECT range AS amount FROM range(5)").fetchall()

    text = athena_sql.with_tables(sql, {"sales": "athena_orders"})

    assert con.sql(text).fetchall()[0][0] in (3, 5, 15)
    table = '"sales" AS NOT MATERIALIZED (SELECT * FROM athena_orders)'
    assert sql in (text.replace(f" {table},", "", 1), text.replace(f"WITH {table}\n", "", 1))  # the rest verbatim


def test_a_long_values_table_goes_in_as_few_statements_as_fit(con) -> None:
    names = [f"customer number {i:05d} with a long name" for i in range(3000)]
    values = pa.table({batch.INDEX: pa.array(range(3000), pa.int32()), batch.column("c"): names})

    parts = list(athena_sql.chunks(values, 50_000))

    assert sum(p.num_rows for p in parts) == 3000 and len(parts) <= 5
    assert all(len(athena_sql.values_cte(p)[0].encode()) <= 50_000 for p in parts)
    cte, literals, raw = athena_sql.values_cte(parts[1])
    athena_sql.prove(con, literals, raw)
    back = con.sql(f"WITH {cte} SELECT * FROM {batch.quoted(batch.VALUES)}").to_arrow_table()
    assert back.equals(parts[1])


RESULT = """SELECT 1.0::DOUBLE / 3 AS third, 12345.678::DECIMAL(18,3) AS amount, 2::HUGEINT ** 100 AS huge,
       DATE '2025-10-26' AS day, TIMESTAMP '2025-10-26 02:30:00' AS wall, TIMESTAMPTZ '2025-10-26 00:30:00+00' AS at,
       TIME '23:59:01' AS t, INTERVAL 3 DAY AS span, true AS yes, NULL AS nothing, 'it''s, "quoted"' AS text,
       '' AS empty, NULL::VARCHAR AS missing, 'two\nlines' AS lines, [1, NULL, 3] AS list,
       {'a': 'x''y', 'b': [1.5]} AS struct, MAP {'k': 1} AS map, '\\x00\\xFF'::BLOB AS blob,
       'b1b1b1b1-0000-4000-8000-000000000000'::UUID AS id, 'North'::ENUM('North', 'South') AS region
FROM range(2)"""


def test_a_result_file_reads_back_as_the_arrow_a_local_run_gives(con) -> None:
    expected = con.sql(RESULT).to_arrow_table()
    relation = con.sql(RESULT)
    columns = [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]
    texts = ", ".join(f"CAST(#{i + 1} AS VARCHAR)" for i in range(len(columns)))
    con.register("typed", expected)
    rows = [list(row) for row in con.sql(f"SELECT {texts} FROM typed").fetchall()]  # what Athena writes

    con.register("result", athena_results.text_batches(io.BytesIO(result_csv(relation.columns, rows)), len(columns)))
    back = con.sql(athena_results.typed_select("result", columns)).to_arrow_table()

    assert back.schema == expected.schema
    assert back.to_pylist() == expected.to_pylist()


def test_an_empty_result_and_a_limit_read_back_too(con) -> None:
    columns = [("value", "DOUBLE")]
    con.register("empty", athena_results.text_batches(io.BytesIO(b""), 1))
    assert con.sql(athena_results.typed_select("empty", columns)).to_arrow_table().num_rows == 0
    con.register("header", athena_results.text_batches(io.BytesIO(result_csv(["value"], [])), 1))
    assert con.sql(athena_results.typed_select("header", columns)).to_arrow_table().num_rows == 0
    rows = [[str(i)] for i in range(100)] + [[None]]
    con.register("capped", athena_results.text_batches(io.BytesIO(result_csv(["value"], rows)), 1, limit=3))
    assert con.sql(athena_results.typed_select("capped", columns)).fetchall() == [(0.0,), (1.0,), (2.0,)]
