"""The one-pass rewrite: what it writes, what it refuses and why, and the values table's types."""

from __future__ import annotations

import datetime as dt
import decimal

import duckdb
import pytest

from reportsite.query import batch


def test_a_varying_parameter_becomes_a_column_of_the_values_table_and_the_rest_stays_bound() -> None:
    plan = batch.rewrite("SELECT $customer AS who, SUM(amount) AS value FROM sales WHERE customer = $customer "
                         "AND amount > $floor", ["customer"], ["who", "value"])
    assert isinstance(plan, batch.Rewrite)
    assert plan.names == ("customer",) and plan.hidden == ()
    assert "SELECT __rs_v.__rs_p_customer AS who," in plan.sql and "customer = __rs_v.__rs_p_customer" in plan.sql
    assert "amount > $floor" in plan.sql and "$customer" not in plan.sql


def test_is_null_checks_of_a_varying_value_fold_so_duckdb_can_join_on_it() -> None:
    plan = batch.rewrite("SELECT count(*) AS n FROM sales WHERE ($region IS NULL OR region = $region) "
                         "AND $region IS NOT NULL", ["region"], ["n"])
    assert isinstance(plan, batch.Rewrite)
    assert "IS NULL" not in plan.sql and "IS NOT NULL" not in plan.sql
    assert "WHERE ((false OR (region = __rs_v.__rs_p_region)) AND true)" in plan.sql


@pytest.mark.parametrize(("sql", "columns", "reason"), [
    ("SELECT id FROM t ORDER BY id LIMIT $n", ["id"], "$n is used in LIMIT or OFFSET"),
    ("SELECT id FROM t ORDER BY id LIMIT 5 OFFSET $n", ["id"], "$n is used in LIMIT or OFFSET"),
    ("SELECT id AS __rs_x FROM t WHERE c = $n", ["id"], "it uses a name starting with __rs_, which one pass "
                                                      "reserves"),
    ("SELECT * FROM t WHERE c = $n", ["id", "__rs_x"], "its result has a column whose name starts with __rs_, "
                                                       "which one pass reserves"),
    ("SELECT a, a FROM t WHERE c = $n", ["a", "a"], "its result has more than one column named 'a'"),
    ("SELECT DISTINCT a FROM t WHERE c = $n ORDER BY b", ["a"],
     "its ORDER BY uses something that is not a column of its result"),
    ("SELECT a, count(*) AS k FROM t WHERE c = $n GROUP BY ALL ORDER BY max(b)", ["a", "k"],
     "its ORDER BY uses something that is not a column of its result"),
])
def test_what_cannot_be_proven_the_same_runs_once_per_value_with_the_reason(sql: str, columns: list[str],
                                                                             reason: str) -> None:
    plan = batch.rewrite(sql, ["n"], columns)
    assert plan == batch.NotBatched(reason)


def test_sort_keys_the_result_does_not_show_are_added_hidden_and_left_out_when_split() -> None:
    plan = batch.rewrite("SELECT day, amount FROM sales WHERE store = $s ORDER BY day DESC, id DESC LIMIT 3",
                         ["s"], ["day", "amount"])
    assert isinstance(plan, batch.Rewrite) and plan.hidden == ("__rs_k1",)
    assert 'ORDER BY "__rs_s"."day" DESC, "__rs_s"."__rs_k1" DESC' in plan.sql


@pytest.mark.parametrize(("sql", "columns", "keys"), [
    ("SELECT a, b AS c FROM t WHERE x = $n ORDER BY 2 DESC NULLS FIRST, a", ["a", "c"],
     ['"__rs_s"."c" DESC NULLS FIRST', '"__rs_s"."a"']),
    ("SELECT a, sum(b) AS s FROM t WHERE x = $n GROUP BY a ORDER BY sum(b)", ["a", "s"], ['"__rs_s"."s"']),
    ("SELECT a, b FROM t WHERE x = $n ORDER BY ALL", ["a", "b"], ['"__rs_s"."a"', '"__rs_s"."b"']),
    ("SELECT a FROM t WHERE x = $n UNION ALL SELECT b FROM u ORDER BY 1", ["a"], ['"__rs_s"."a"']),
])
def test_order_by_positions_aliases_expressions_and_all_map_to_result_columns(sql: str, columns: list[str],
                                                                               keys: list[str]) -> None:
    plan = batch.rewrite(sql, ["n"], columns)
    assert isinstance(plan, batch.Rewrite) and plan.hidden == ()
    assert f"row_number() OVER (ORDER BY {', '.join(keys)})" in plan.sql


@pytest.mark.parametrize(("sql", "columns", "key"), [
    ("SELECT day, amount FROM sales WHERE store = $n ORDER BY day DESC, id DESC LIMIT 3", ["day", "amount"],
     '"row"(("day" IS NOT NULL), "day", (id IS NOT NULL), id) DESC NULLS LAST LIMIT 3'),
    ("SELECT a, b FROM t WHERE x = $n ORDER BY a NULLS FIRST, b LIMIT 3", ["a", "b"],
     '"row"((a IS NOT NULL), a, (b IS NULL), b) ASC NULLS LAST LIMIT 3'),
    ("SELECT p, sum(v) AS revenue FROM t WHERE x = $n GROUP BY 1 ORDER BY revenue DESC NULLS FIRST, 1 DESC LIMIT 2",
     ["p", "revenue"], '"row"((sum(v) IS NULL), sum(v), (p IS NOT NULL), p) DESC NULLS LAST LIMIT 2'),
])
def test_a_top_n_whose_keys_sort_one_way_sorts_by_one_key_that_orders_the_same(sql: str, columns: list[str],
                                                                                key: str) -> None:
    plan = batch.rewrite(sql, ["n"], columns)
    assert isinstance(plan, batch.Rewrite) and plan.one_key
    assert f"ORDER BY {key}" in plan.sql
    plain = batch.rewrite(sql, ["n"], columns, one_key=False)
    assert isinstance(plain, batch.Rewrite) and not plain.one_key and '"row"(' not in plain.sql


@pytest.mark.parametrize("sql", [
    "SELECT a, b FROM t WHERE x = $n ORDER BY a DESC, b LIMIT 3",  # two directions
    "SELECT a, b FROM t WHERE x = $n ORDER BY a DESC, b DESC",  # no LIMIT: every row is sorted anyway
    "SELECT a, b FROM t WHERE x = $n ORDER BY a DESC, b DESC LIMIT 3 OFFSET 1",
    "SELECT a, b FROM t WHERE x = $n ORDER BY a DESC LIMIT 3",  # one key already
    "SELECT DISTINCT a, b FROM t WHERE x = $n ORDER BY a DESC, b DESC LIMIT 3",
    "SELECT * FROM t WHERE x = $n ORDER BY 1 DESC, 2 DESC LIMIT 3",  # a position among a *'s columns
    "SELECT a, b FROM t WHERE x = $n ORDER BY a COLLATE nocase, b LIMIT 3",
    "SELECT a FROM t WHERE x = $n UNION ALL SELECT b FROM u ORDER BY 1 DESC, 1 DESC LIMIT 3",
])
def test_a_top_n_that_one_key_might_not_sort_the_same_keeps_its_keys(sql: str) -> None:
    plan = batch.rewrite(sql, ["n"], ["a", "b"] if "b FROM t" in sql or "*" in sql else ["a"])
    assert isinstance(plan, batch.Rewrite) and not plan.one_key and '"row"(' not in plan.sql


def test_duckdb_takes_a_one_key_top_n_per_binding_with_a_top_n_aggregate_instead_of_sorting_every_row() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE sales AS SELECT i AS id, i % 7 AS store, "
                "DATE '2025-01-01' + to_days((i % 300)::INTEGER) AS day, i * 1.5 AS amount FROM range(1000) t(i)")
    con.register(batch.VALUES, con.sql(f"SELECT range::INTEGER AS {batch.INDEX}, range::BIGINT AS "
                                       f"{batch.column('n')} FROM range(7)").to_arrow_table())
    sql = "SELECT day, amount FROM sales WHERE store = $n ORDER BY day DESC, id DESC LIMIT 3"
    found = {}
    for one_key in (True, False):
        plan = batch.rewrite(sql, ["n"], ["day", "amount"], one_key=one_key)
        assert isinstance(plan, batch.Rewrite)
        text = batch.with_cap(plan, None)
        found[one_key] = con.sql(text).fetchall()
        explained = con.sql("EXPLAIN " + text).fetchall()[0][1]
        assert ("arg_max" in explained) is one_key
    assert found[True] == found[False] and len(found[True]) == 21
    for store in range(7):
        alone = con.execute(sql.replace("$n", "?"), [store]).fetchall()
        assert [row[1:3] for row in found[True] if row[0] == store] == alone


def test_a_query_duckdb_does_not_write_back_the_same_is_not_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "unparse", lambda tree: "SELECT 42")
    assert batch.rewrite("SELECT a FROM t WHERE b = $n", ["n"], ["a"]) == batch.NotBatched(
        "DuckDB does not write this query back the same, so it cannot be rewritten safely")


@pytest.mark.parametrize("value", [
    5, -2**31, 2**31 - 1, 2**31, -2**63, "Zürich", "", True, 1.5, decimal.Decimal("12.50"), decimal.Decimal("100"),
    decimal.Decimal("-0.001"), dt.date(2025, 1, 1), dt.datetime(2025, 1, 1, 3), dt.time(3, 4), b"ab", None,
    dt.datetime(2025, 1, 1, 3, tzinfo=dt.UTC),
])
def test_the_values_table_types_a_value_as_duckdb_types_it_bound_as_a_parameter(value: object) -> None:
    found = batch.value_type(value)
    assert found is not None
    with duckdb.connect() as con:
        bound = con.execute("SELECT typeof($v)", {"v": value}).fetchall()[0][0]
        assert found[0] == bound.strip('"')
        if value is not None:
            con.register("t", batch.values_table([{"v": value}, {"v": value}], ["v"]))
            assert con.execute(f"SELECT DISTINCT typeof({batch.column('v')}) FROM t").fetchall() == [(bound,)]


def test_a_value_no_values_table_holds_exactly_keeps_runs_of_its_own() -> None:
    assert batch.value_type(2**70) is None and batch.value_type([1, 2]) is None
    assert batch.signatures([{"n": 2**70}, {"n": 1}], ["n"]) == [None, ("INTEGER",)]


def test_null_is_a_type_of_its_own_so_all_binds_as_it_does_for_one_page() -> None:
    assert batch.signatures([{"r": None}, {"r": "North"}, {"r": "South"}], ["r"]) == [
        ("NULL",), ("VARCHAR",), ("VARCHAR",)]
