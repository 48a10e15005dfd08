"""A small project that uses every way to explore a page: filters, a page per value, and links to those pages.

Orders over two years with awkward values: a region with an ampersand and an umlaut, a NULL region (only
"All" shows it), customers whose ids differ only by case (their pages need distinct file names) and one
written in Japanese. The build's date is fixed, so date_range presets cover known days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

NOW = dt.datetime(2026, 6, 15, 9, 30, tzinfo=dt.UTC)
CUSTOMERS = ["C-001", "c-001", "C-002", "東京商事", "Zürich & Co GmbH, a customer with a very long name indeed"]
REGIONS = ["North", "South", "Zürich & Söhne", None]

SITE = """\
title: "Explore"
data_root: "{data}"
timezone: "Europe/Zurich"
max_slices: 40
"""

ORDERS = """\
title: "Orders in $region"
description: "Orders and revenue, $period"
data_source: "orders.parquet"
filters:
  - name: region
    label: "Region"
    options: "SELECT DISTINCT region FROM orders ORDER BY 1"
  - name: period
    label: "Period"
    type: date_range
    options: "SELECT min(day), max(day) FROM orders"
    presets: [last_30_days, last_12_months, year_to_date, all]
    default: all
text: |
  Revenue for **$region** from $period_start to $period_end.
metrics:
  - name: "Revenue"
    format: currency
    query: |
      SELECT SUM(amount) AS value FROM orders
      WHERE ($region IS NULL OR region = $region) AND day BETWEEN $period_start AND $period_end
  - name: "Orders, all time"
    query: "SELECT count(*) AS value FROM orders"
charts:
  - name: "Revenue by customer"
    type: bar
    query: |
      SELECT customer, SUM(amount) AS revenue FROM orders
      WHERE ($region IS NULL OR region = $region) AND day BETWEEN $period_start AND $period_end
      GROUP BY 1 ORDER BY 2 DESC
    params: {x: customer, y: revenue, y_format: currency, link: customer}
tables:
  - name: "Orders by customer"
    query: |
      SELECT customer, count(*) AS orders, round(SUM(amount), 2) AS revenue, max(day) AS last_order
      FROM orders WHERE ($region IS NULL OR region = $region) AND day BETWEEN $period_start AND $period_end
      GROUP BY 1 ORDER BY 3 DESC
    links: {customer: customer}
"""

CUSTOMER = """\
title: "Customers"
description: "One page per customer"
data_source: "orders.parquet"
for_each:
  parameter: customer
  query: "SELECT DISTINCT customer FROM orders ORDER BY 1"
  title: "Customer $customer"
metrics:
  - name: "Revenue"
    format: currency
    query: "SELECT SUM(amount) AS value FROM orders WHERE customer = $customer"
tables:
  - name: "Orders"
    query: "SELECT day, region, amount FROM orders WHERE customer = $customer ORDER BY day"
"""

# The pure SQL each page shows, for tests to compare with what a reader sees.
REVENUE = ("SELECT SUM(amount) FROM orders WHERE (? IS NULL OR region = ?) AND day BETWEEN ? AND ?")


def write_data(folder: Path) -> Path:
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "orders.parquet"
    regions = ", ".join("NULL" if r is None else "'" + r.replace("'", "''") + "'" for r in REGIONS)
    customers = ", ".join("'" + c.replace("'", "''") + "'" for c in CUSTOMERS)
    with duckdb.connect() as con:
        con.execute(f"""
        COPY (
          SELECT i AS order_id,
                 (DATE '2024-07-01' + to_days((i * 37) % 715))::DATE AS day,
                 ([{regions}])[1 + (i * 7) % {len(REGIONS)}] AS region,
                 ([{customers}])[1 + (i * 11) % {len(CUSTOMERS)}] AS customer,
                 round(((i * 7919) % 10000) / 37.0 - 20, 2) AS amount
          FROM range(1, 2001) t(i)
        ) TO '{target}' (FORMAT parquet)""").fetchall()
    return target


def make_project(root: Path, data: Path) -> Path:
    import shutil

    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "site_src", root / "site_src")
    (root / "site_src" / "site.yaml").write_text(SITE.format(data=data), encoding="utf-8")
    (root / "reports").mkdir()
    (root / "reports" / "orders.yaml").write_text(ORDERS, encoding="utf-8")
    (root / "reports" / "customer.yaml").write_text(CUSTOMER, encoding="utf-8")
    return root
