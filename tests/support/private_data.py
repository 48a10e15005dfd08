"""A project with private reports whose every value, column and title is a distinctive word, so a test can grep
the built site for each of them (none may appear in clear) and a browser can check they appear once unlocked.

``margins`` (finance and owners) has a filter, metrics, a chart and a table with CSV downloads; ``accounts``
(owners only, hide_title) has a page per customer; ``welcome`` is public.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

NOW = dt.datetime(2026, 6, 15, 9, 30, tzinfo=dt.UTC)
PASSWORDS = {
    "REPORTSITE_PASSWORD_FINANCE": "finance-horse-battery-staple",
    "REPORTSITE_PASSWORD_OWNERS": "owners only, correct staple 42",
}
FINANCE = PASSWORDS["REPORTSITE_PASSWORD_FINANCE"]
OWNERS = PASSWORDS["REPORTSITE_PASSWORD_OWNERS"]
REGIONS = ["Quasarland", "Nebulaton"]
CUSTOMERS = ["Zorblax Ltd", "Quibbleworth Inc", "Vexillum GmbH"]
AMOUNTS = [7310529.17, 6029183.44, 5108274.93, 4817365.28, 3927461.55, 2836174.09]
COLUMNS = ["region_qx", "customer_qx", "amount_qx"]
# Words of the private reports' YAML that only a reader with the password may see.
WORDS = [
    "Quietmargin",
    "Quietmetric",
    "Quietchart",
    "Quiettable",
    "Quietfilter",
    "Quiettext",
    "Hiddentitle",
    "Hiddenmetric",
    "Hiddenorders",
]

SITE = """\
title: "Private Fixture"
data_root: "{data}"
audiences:
  finance: {{password_env: REPORTSITE_PASSWORD_FINANCE}}
  owners: {{password_env: REPORTSITE_PASSWORD_OWNERS}}
"""

MARGINS = """\
title: "Margins"
description: "Quietmargin per region"
access: [finance, owners]
data_source: "sales.parquet"
filters:
  - name: region
    label: "Quietfilter region"
    options: "SELECT DISTINCT region_qx FROM sales ORDER BY 1"
text: "Quiettext for $region."
metrics:
  - name: "Quietmetric total"
    format: currency
    query: "SELECT SUM(amount_qx) AS value FROM sales WHERE $region IS NULL OR region_qx = $region"
charts:
  - name: "Quietchart by customer"
    type: bar
    query: |
      SELECT customer_qx, SUM(amount_qx) AS amount_qx FROM sales
      WHERE $region IS NULL OR region_qx = $region GROUP BY 1 ORDER BY 2 DESC
    params: {x: customer_qx, y: amount_qx}
tables:
  - name: "Quiettable of sales"
    query: |
      SELECT region_qx, customer_qx, amount_qx FROM sales
      WHERE $region IS NULL OR region_qx = $region ORDER BY amount_qx DESC
"""

ACCOUNTS = """\
title: "Hiddentitle accounts"
hide_title: true
access: [owners]
data_source: "sales.parquet"
for_each:
  parameter: customer
  query: "SELECT DISTINCT customer_qx FROM sales ORDER BY 1"
  title: "Hiddentitle $customer"
metrics:
  - name: "Hiddenmetric revenue"
    query: "SELECT SUM(amount_qx) AS value FROM sales WHERE customer_qx = $customer"
tables:
  - name: "Hiddenorders"
    query: "SELECT region_qx, amount_qx FROM sales WHERE customer_qx = $customer ORDER BY 2"
"""

WELCOME = """\
title: "Welcome"
description: "A public page"
text: "Everyone may read this page."
"""


def write_data(folder: Path) -> Path:
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "sales.parquet"
    rows = ", ".join(f"('{REGIONS[i % 2]}', '{CUSTOMERS[i % 3]}', {amount})" for i, amount in enumerate(AMOUNTS))
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM (VALUES {rows}) t({', '.join(COLUMNS)})) TO '{target}' (FORMAT parquet)")
    return target


def make_project(root: Path, data: Path) -> Path:
    import shutil

    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "site_src", root / "site_src")
    (root / "site_src" / "site.yaml").write_text(SITE.format(data=data), encoding="utf-8")
    (root / "reports").mkdir()
    for name, text in (("margins", MARGINS), ("accounts", ACCOUNTS), ("welcome", WELCOME)):
        (root / "reports" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def secrets() -> list[str]:
    """Everything of the private reports that must not appear in clear in the built site."""
    numbers = [f"{a}" for a in AMOUNTS] + [f"{a:,.2f}" for a in AMOUNTS] + [f"{a:,.0f}" for a in AMOUNTS]
    numbers += [f"{round(a / 1e6, 1)}M" for a in AMOUNTS]  # short forms on cards would be ambiguous; kept anyway
    return [*REGIONS, *CUSTOMERS, *COLUMNS, *WORDS, *numbers, "sales.parquet"]
