"""A deterministic small-business data set: orders, customers and products.

Generated entirely in DuckDB SQL with integer hashing (no random state), so the
same ``rows`` always gives byte-identical values on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

START = "2024-01-01"
DAYS = 1035  # 2024-01-01 .. 2026-10-31
CUSTOMERS = 20_000
REGIONS = ["North", "South", "East", "West", "Central"]
CHANNELS = ["Online", "Store", "Phone"]
SEGMENTS = ["Retail", "Wholesale", "Online-only"]
CATEGORIES = {
    "Coffee": ["Espresso Beans", "House Blend", "Decaf Roast", "Single Origin", "Cold Brew Pack", "Cafe Crema"],
    "Tea": ["Green Sencha", "Earl Grey", "Chai Spice", "Chamomile", "Oolong", "Matcha Tin"],
    "Equipment": ["Pour-over Kit", "Grinder", "Kettle", "French Press", "Scale", "Espresso Machine"],
    "Bakery": ["Croissant Box", "Bagel Dozen", "Muffin Pack", "Sourdough Loaf", "Cookie Tin", "Scone Set"],
    "Merch": ["Mug", "Tote Bag", "T-Shirt", "Gift Card", "Travel Cup", "Apron"],
}


@dataclass(frozen=True)
class SampleSummary:
    orders: int
    customers: int
    products: int
    files: list[Path]


def _hash_macro() -> str:
    # 32-bit integer mixing (a "lowbias32"-style hash) kept inside BIGINT range.
    return """
    CREATE OR REPLACE MACRO mix32(x) AS (
        (xor((xor(x % 4294967296, (x % 4294967296) >> 16) * 73244475) % 4294967296,
             ((xor(x % 4294967296, (x % 4294967296) >> 16) * 73244475) % 4294967296) >> 16)
         * 73244475) % 4294967296);
    CREATE OR REPLACE MACRO rnd(i, salt) AS
        xor(mix32(i * 2 + salt * 1000003), mix32(i + salt)) / 4294967296.0;
    """


def _list_sql(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def write_sample_data(out: Path, rows: int = 1_000_000, partitioned: bool = False) -> SampleSummary:
    """Write sales (orders), customers and products into ``out``.

    ``partitioned`` also writes the orders as hive partitions ``sales_by_month/year=…/month=…``.
    """
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for statement in _hash_macro().split(";"):
        if statement.strip():
            con.execute(statement).fetchall()
    names, categories, prices = [], [], []
    for c_index, (category, items) in enumerate(CATEGORIES.items()):
        for i_index, item in enumerate(items):
            names.append(item)
            categories.append(category)
            prices.append(round(4 + ((c_index * 7 + i_index * 13) % 23) * (3.5 if category == "Equipment" else 1.1),
                               2))
    products = len(names)
    con.execute(f"""
        CREATE TABLE products AS
        SELECT i + 1 AS product_id, {_list_sql(names)}[i + 1] AS product_name,
               {_list_sql(categories)}[i + 1] AS category,
               [{", ".join(str(p) for p in prices)}][i + 1]::DECIMAL(10, 2) AS unit_price
        FROM range({products}) t(i)
    """).fetchall()
    con.execute(f"""
        CREATE TABLE customers AS
        SELECT i + 1 AS customer_id,
               'Customer ' || lpad((i + 1)::VARCHAR, 5, '0') AS customer_name,
               {_list_sql(SEGMENTS)}[1 + floor(rnd(i, 11) * {len(SEGMENTS)})::INT] AS segment,
               {_list_sql(REGIONS)}[1 + floor(rnd(i, 12) * {len(REGIONS)})::INT] AS region,
               (DATE '{START}' - INTERVAL 400 DAY + to_days(floor(rnd(i, 13) * 1200)::INT))::DATE AS signup_date
        FROM range({CUSTOMERS}) t(i)
    """).fetchall()
    # Orders grow over time (more recent days get more orders) with a weekly and yearly rhythm.
    con.execute(f"""
        CREATE TABLE sales AS
        WITH o AS (
            SELECT i,
                   floor(sqrt(rnd(i, 1)) * {DAYS})::INT AS day,
                   1 + floor(pow(rnd(i, 2), 1.4) * {CUSTOMERS} * (0.15 + 0.85 * sqrt(rnd(i, 1))))::INT AS customer_id,
                   1 + floor(pow(rnd(i, 3), 1.3) * {products})::INT AS product_id,
                   1 + floor(pow(rnd(i, 4), 2) * 6)::INT AS quantity,
                   rnd(i, 5) AS noise,
                   rnd(i, 6) AS channel_pick
            FROM range({rows}) t(i)
        )
        SELECT (o.i + 1)::BIGINT AS order_id,
               (DATE '{START}' + to_days(o.day))::DATE AS date,
               o.customer_id,
               o.product_id,
               c.region,
               {_list_sql(CHANNELS)}[CASE WHEN o.channel_pick < 0.5 THEN 1 WHEN o.channel_pick < 0.85 THEN 2
                                          ELSE 3 END] AS channel,
               o.quantity,
               round(p.unit_price * o.quantity * (0.9 + 0.2 * o.noise)
                     * (1 + 0.15 * sin(2 * pi() * o.day / 365.25)), 2)::DOUBLE AS amount
        FROM o JOIN customers c USING (customer_id) JOIN products p USING (product_id)
        ORDER BY date, order_id
    """).fetchall()
    files = [out / "sales.parquet", out / "customers.csv", out / "products.parquet"]
    con.execute(f"COPY sales TO '{files[0]}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)").fetchall()
    con.execute(f"COPY customers TO '{files[1]}' (FORMAT csv, HEADER true)").fetchall()
    con.execute(f"COPY products TO '{files[2]}' (FORMAT parquet)").fetchall()
    if partitioned:
        target = out / "sales_by_month"
        con.execute(
            f"COPY (SELECT *, year(date) AS year, month(date) AS month FROM sales) TO '{target}' "
            "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month), OVERWRITE_OR_IGNORE true)"
        ).fetchall()
        files.append(target)
    con.close()
    return SampleSummary(orders=rows, customers=CUSTOMERS, products=products, files=files)
