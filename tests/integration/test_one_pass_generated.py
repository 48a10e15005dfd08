"""Random query shapes, seeded, run in one pass and once per value over awkward data: the same rows.

Joins, CTEs, windows, QUALIFY, top-N per value (by one key or several sorted one way, NULLs among
them), ORDER BY on shown and hidden keys, positions, NULLS FIRST,
LIMIT/OFFSET, DISTINCT, UNION ALL, scalar and IN subqueries that use the value, NULLs (a filter's All binds
NULL), DECIMAL arithmetic, dates and date pairs, TIMESTAMPTZ; each over bindings of a page per customer and
every region and period choice (``tests.support.one_pass`` compares).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest
import yaml

from reportsite.config.project import gather_project
from reportsite.query.located import QueryRef
from tests.support.one_pass import both_ways, session_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SEED = 20261206
QUERIES = 120
CUSTOMERS = ["C-001", "c-001", "Zürich & Co", "東京商事", "nobody"]  # the last has no orders
REGIONS = [None, "North", "South", "Zürich & Söhne"]
PERIODS = [(dt.date(2025, 1, 1), dt.date(2025, 6, 30)), (dt.date(2025, 3, 1), dt.date(2026, 12, 31))]
FILTERS = [
    "customer = $customer",
    "($region IS NULL OR region = $region)",
    "day BETWEEN $period_start AND $period_end",
    "($region IS NULL OR region IS DISTINCT FROM $region)",
    "placed_at >= $period_start::TIMESTAMPTZ",
    "customer IN (SELECT customer FROM customers WHERE segment = "
    "(SELECT segment FROM customers WHERE customer = $customer))",
    "coalesce(note, '') NOT ILIKE '%' || coalesce($region, 'none') || '%'",
]
SHAPES = [
    "SELECT SUM(amount) AS value, count(*) AS orders FROM orders WHERE {where}",
    "SELECT SUM(price * quantity) AS value FROM orders WHERE {where}",
    "SELECT region, SUM(amount) AS revenue, count(*) AS orders FROM orders WHERE {where} GROUP BY region "
    "ORDER BY {order_region}",
    "SELECT region, count(*) AS orders FROM orders WHERE {where} GROUP BY ALL HAVING count(*) > 1 ORDER BY 1",
    "SELECT date_trunc('month', day)::DATE AS month, SUM(amount) AS revenue FROM orders WHERE {where} "
    "GROUP BY 1 ORDER BY 1",
    "SELECT c.segment, SUM(o.amount) AS revenue FROM orders o JOIN customers c USING (customer) WHERE {where_o} "
    "GROUP BY 1 ORDER BY 2 DESC, 1",
    "SELECT c.segment, count(o.order_id) AS orders FROM customers c LEFT JOIN orders o ON o.customer = c.customer "
    "AND {where_o} GROUP BY 1 ORDER BY 1",
    "WITH f AS (SELECT * FROM orders WHERE {where}) SELECT customer, SUM(amount) AS revenue FROM f "
    "GROUP BY 1 ORDER BY 2 DESC NULLS FIRST, 1",
    "SELECT order_id, day, amount, SUM(amount) OVER (ORDER BY day, order_id) AS running FROM orders "
    "WHERE {where} ORDER BY day, order_id LIMIT {limit}",
    "SELECT order_id, amount FROM orders WHERE {where} ORDER BY amount DESC, order_id LIMIT 3",
    "SELECT region, order_id, amount FROM orders WHERE {where} QUALIFY row_number() OVER (PARTITION BY region "
    "ORDER BY amount DESC, order_id) <= 2 ORDER BY region NULLS FIRST, order_id",
    "SELECT day, amount FROM orders WHERE {where} ORDER BY day DESC, order_id DESC LIMIT {limit}",
    "SELECT day, amount FROM orders WHERE {where} ORDER BY day DESC, order_id DESC LIMIT 5 OFFSET 2",
    "SELECT DISTINCT region FROM orders WHERE {where}",
    "SELECT 'sum' AS k, SUM(amount) AS v FROM orders WHERE {where} UNION ALL "
    "SELECT 'count', count(*) FROM orders WHERE {where} ORDER BY 1",
    "SELECT region, SUM(amount) AS revenue, (SELECT count(*) FROM orders o2 WHERE o2.customer = $customer) "
    "AS all_orders FROM orders WHERE {where} GROUP BY 1 ORDER BY 1 NULLS LAST",
    "SELECT date_trunc('day', placed_at) AS at, count(*) AS orders FROM orders WHERE {where} GROUP BY 1 ORDER BY 1",
    "SELECT coalesce(region, '(none)') AS region, avg(amount) AS average, max(placed_at) AS latest FROM orders "
    "WHERE {where} GROUP BY 1 ORDER BY 1",
    "SELECT $customer AS who, $region AS region_chosen, count(*) AS orders FROM orders WHERE {where}",
    "SELECT customer, amount, rank() OVER (PARTITION BY customer ORDER BY amount DESC) AS place FROM orders "
    "WHERE {where} ORDER BY customer, amount DESC, order_id",
    "SELECT * FROM orders WHERE {where}",
    "FROM orders SELECT region, max(amount) AS top WHERE {where} GROUP BY region ORDER BY top DESC NULLS LAST, region",
    # top-N sorted one way by several keys, NULLs among them: written with one key in one pass
    "SELECT region, amount, order_id FROM orders WHERE {where} ORDER BY region DESC, amount DESC, order_id DESC "
    "LIMIT {limit}",
    "SELECT region, amount, order_id FROM orders WHERE {where} ORDER BY region NULLS FIRST, amount, order_id "
    "LIMIT {limit}",
    "SELECT note, price, day FROM orders WHERE {where} ORDER BY 1 DESC NULLS FIRST, 2 DESC NULLS LAST, "
    "order_id DESC LIMIT {limit}",
    "SELECT customer, SUM(amount) AS revenue FROM orders WHERE {where} GROUP BY 1 "
    "ORDER BY revenue DESC NULLS FIRST, customer DESC LIMIT 2",
    "SELECT placed_at, price * quantity AS total FROM orders WHERE {where} ORDER BY total, placed_at, order_id "
    "LIMIT {limit}",
]
ORDER_REGION = ["region NULLS FIRST", "2 DESC, 1", "revenue, region", "ALL"]


def write_data(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"""COPY (
            SELECT i AS order_id, (DATE '2025-01-01' + to_days((i * 37) % 600))::DATE AS day,
                   TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(i * 7919 % 50000000) AS placed_at,
                   CASE WHEN i % 11 = 0 THEN NULL ELSE ['North', 'South', 'Zürich & Söhne'][i % 3 + 1] END AS region,
                   ['C-001', 'c-001', 'Zürich & Co', '東京商事'][i % 4 + 1] AS customer,
                   (((i * 104729) % 90000) / 100.0 - 100)::DECIMAL(12, 2) AS price,
                   (i % 4 + 1)::INTEGER AS quantity,
                   CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 31) % 10000) / 7.0 END AS amount,
                   CASE WHEN i % 5 = 0 THEN 'north road' WHEN i % 7 = 0 THEN NULL ELSE 'other' END AS note
            FROM range(1, 3001) t(i)) TO '{folder / "orders.parquet"}' (FORMAT parquet)""").fetchall()
        con.execute(f"""COPY (SELECT * FROM (VALUES ('C-001', 'Retail'), ('c-001', 'Retail'),
            ('Zürich & Co', 'Wholesale'), ('東京商事', NULL), ('nobody', 'Online')) t(customer, segment))
            TO '{folder / "customers.parquet"}' (FORMAT parquet)""").fetchall()


def generated(rng: random.Random) -> list[str]:
    found = []
    for _ in range(QUERIES):
        shape = rng.choice(SHAPES)
        chosen = rng.sample(FILTERS, rng.randint(1, 3))
        where = " AND ".join(chosen)
        found.append(shape.format(where=where, where_o=where.replace("customer =", "o.customer =")
                                  .replace("region", "o.region").replace("day", "o.day")
                                  .replace("placed_at", "o.placed_at").replace("note", "o.note")
                                  .replace("customer IN", "o.customer IN"),
                                  order_region=rng.choice(ORDER_REGION), limit=rng.choice([1, 4, 50])))
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    write_data(root / "data")
    shutil.copytree(REPO / "site_src", root / "site_src")
    (root / "site_src" / "site.yaml").write_text(f'title: G\ndata_root: "{root / "data"}"\ntimezone: "UTC"\n',
                                                 encoding="utf-8")
    (root / "reports").mkdir()
    report = {"title": "Generated", "data_sources": {"orders": "orders.parquet", "customers": "customers.parquet"},
              "for_each": {"parameter": "customer", "query": "SELECT customer FROM customers"},
              "filters": [{"name": "region", "options": [r for r in REGIONS if r]},
                          {"name": "period", "type": "date_range"}],
              "tables": [{"name": f"q{i}", "query": sql} for i, sql in enumerate(generated(random.Random(SEED)))]}
    (root / "reports" / "generated.yaml").write_text(yaml.safe_dump(report, allow_unicode=True), encoding="utf-8")
    return root


def bindings() -> list[dict[str, object]]:
    return [{"customer": c, "region": r, "period_start": s, "period_end": e}
            for c, r, (s, e) in itertools.product(CUSTOMERS, REGIONS, PERIODS)]


def test_generated_queries_give_the_same_rows_in_one_pass_as_once_per_value(project: Path) -> None:
    found, errors = gather_project(project)
    assert not errors
    [report] = found.reports
    one_pass, plain = session_for(report, str(project / "data")), session_for(report, str(project / "data"))
    compared = []
    try:
        for index, table in enumerate(report.config.tables):
            ref = QueryRef(report, ("tables", index, "query"), f"table '{table.name}'")
            names = [n for n in ("customer", "region", "period_start", "period_end") if f"${n}" in table.query]
            uses = [{n: b[n] for n in names} for b in bindings()]
            compared.append((table.query, both_ways(one_pass, plain, ref, uses, stream=index % 2 == 0,
                                                    limit=None)))
            if index % 3 == 0:  # the chart and metric path: fetched, capped at a limit
                compared.append((table.query, both_ways(one_pass, plain, ref, uses, stream=False, limit=7)))
    finally:
        one_pass.close()
        plain.close()
    mismatches = [f"{sql}\n  {m}" for sql, c in compared for m in c.mismatches]
    assert mismatches == [], "\n".join(mismatches[:5])
    assert one_pass.one_key >= 10 and one_pass.one_key_refused == []  # top-N by one key: run, never refused
    fell_back = sorted({f"{c.notes}" for _, c in compared if not c.batched})
    assert sum(c.batched for _, c in compared) >= 0.9 * len(compared), fell_back
    assert {n for _, c in compared for n in c.notes} <= {
        "table '{}' runs once per page or choice: ${} is used in LIMIT or OFFSET"}, fell_back


def test_a_parameter_in_limit_runs_once_per_value_and_says_why(project: Path) -> None:
    text = textwrap.dedent("""\
        title: Limits
        data_sources: {orders: orders.parquet}
        parameters: {top: 2}
        for_each: {parameter: n, query: "SELECT * FROM (VALUES (1), (2), (3)) t(n)"}
        tables:
          - name: Top
            query: SELECT order_id FROM orders ORDER BY order_id LIMIT $n
        """)
    (project / "reports" / "limits.yaml").write_text(text, encoding="utf-8")
    found, errors = gather_project(project)
    assert not errors
    limits = next(r for r in found.reports if r.slug == "limits")
    one_pass, plain = session_for(limits, str(project / "data")), session_for(limits, str(project / "data"))
    try:
        ref = QueryRef(limits, ("tables", 0, "query"), "table 'Top'")
        result = both_ways(one_pass, plain, ref, [{"n": 1}, {"n": 2}, {"n": 3}], stream=True)
    finally:
        one_pass.close()
        plain.close()
        (project / "reports" / "limits.yaml").unlink()
    assert result.mismatches == [] and not result.batched
    assert result.notes == ["table 'Top' runs once per page or choice: $n is used in LIMIT or OFFSET"]
