"""Benchmark of exploring pages (part of ``make bench``; also runs alone: ``python scripts/bench_explore.py``).

1. A filtered page: two select filters of 10 choices each (9 values + All, 100 combinations) over 1M
   orders, every metric, chart and table following both. Build time; the first load's gzipped bytes (the
   page, its CSS and scripts, the shared Vega bundle aside); a slice file's gzipped bytes; and in Chromium,
   the time from choosing a value to every block swapped and every chart drawn (10 choices, each a file not
   yet loaded; median and slowest).
2. A page per value: ``for_each`` over 2,000 customers (2 metrics, a chart and a table each) over the same
   orders: build time and time per page, then a no-change rebuild.
3. The gzipped bytes each exploring script adds.
"""

from __future__ import annotations

import gzip
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

ROWS = 1_000_000
PAGES = 2_000
WHERE = "WHERE ($region IS NULL OR region = $region) AND ($channel IS NULL OR channel = $channel)"
FILTERED = """\
title: "Orders in $region via $channel"
data_source: "orders.parquet"
filters:
  - {name: region, label: Region, options: "SELECT DISTINCT region FROM orders ORDER BY 1"}
  - {name: channel, label: Channel, options: "SELECT DISTINCT channel FROM orders ORDER BY 1"}
metrics:
  - {name: Revenue, format: currency, query: "SELECT SUM(amount) AS value FROM orders {where}"}
  - {name: Orders, query: "SELECT count(*) AS value FROM orders {where}"}
  - {name: Customers, query: "SELECT count(DISTINCT customer) AS value FROM orders {where}"}
charts:
  - name: Monthly revenue
    type: bar
    query: "SELECT date_trunc('month', day)::DATE AS month, SUM(amount) AS revenue FROM orders {where} GROUP BY 1"
    params: {x: month, y: revenue, y_format: currency}
  - name: Revenue by product
    type: bar
    width: half
    query: "SELECT product, SUM(amount) AS revenue FROM orders {where} GROUP BY 1 ORDER BY 2 DESC"
    params: {x: product, y: revenue, y_format: currency}
tables:
  - name: Top customers
    query: |
      SELECT customer, count(*) AS orders, round(SUM(amount), 2) AS revenue FROM orders {where}
      GROUP BY 1 ORDER BY 3 DESC LIMIT 50
"""
FAMILY = """\
title: "Customers"
data_source: "orders.parquet"
for_each: {parameter: customer, query: "SELECT DISTINCT customer FROM orders ORDER BY 1"}
metrics:
  - {name: Revenue, format: currency, query: "SELECT SUM(amount) AS value FROM orders WHERE customer = $customer"}
  - {name: Orders, query: "SELECT count(*) AS value FROM orders WHERE customer = $customer"}
charts:
  - name: Monthly revenue
    type: bar
    query: |
      SELECT date_trunc('month', day)::DATE AS month, SUM(amount) AS revenue
      FROM orders WHERE customer = $customer GROUP BY 1 ORDER BY 1
    params: {x: month, y: revenue, y_format: currency}
tables:
  - name: Orders
    max_rows: 50
    query: |
      SELECT day, region, channel, product, amount FROM orders WHERE customer = $customer ORDER BY day DESC
"""


def write_orders(folder: Path) -> None:
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"""COPY (
            SELECT i AS order_id, (DATE '2024-01-01' + to_days((i * 13) % 1000))::DATE AS day,
                   'Region ' || (i % 9 + 1) AS region, 'Channel ' || ((i // 7) % 9 + 1) AS channel,
                   'Product ' || lpad(((i * 31) % 40)::TEXT, 2, '0') AS product,
                   'C-' || lpad(((i * 7919) % {PAGES})::TEXT, 5, '0') AS customer,
                   round(((i * 104729) % 50000) / 100.0, 2) AS amount
            FROM range({ROWS}) t(i)) TO '{folder / "orders.parquet"}' (FORMAT parquet)""").fetchall()


def project(where: Path, data: Path, reports: dict[str, str]) -> Path:
    shutil.copytree(ROOT / "site_src", where / "site_src")
    (where / "site_src" / "site.yaml").write_text(f'title: "Bench"\ndata_root: "{data}"\n', encoding="utf-8")
    (where / "reports").mkdir()
    for name, text in reports.items():
        (where / "reports" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return where


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def first_load_bytes(site: Path, page: str) -> dict[str, int]:
    """Gzipped bytes of what the first view of a page loads, the shared Vega bundle aside."""
    import re

    html = (site / page).read_bytes()
    found = {"page": gz(html)}
    for ref in re.findall(rb'(?:href|src)="\.\./(assets/[^"]+)"', html):
        name = ref.decode()
        if "/vega." not in name:
            found[name.split("/")[1].split(".")[0] + "." + name.rsplit(".", 1)[1]] = gz((site / name).read_bytes())
    return found


def switch_times(site: Path, page: str, choices: int = 10) -> list[float]:
    """Milliseconds from choosing a region to every block swapped and every chart drawn, in Chromium."""
    from reportsite.smoke.browser import launched
    from reportsite.smoke.localhttp import serve_folder

    times = []
    with serve_folder(site) as base, launched() as browser:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(base + page)
        tab.wait_for_function("[...document.querySelectorAll('[data-spec]')].every(e => e.dataset.rendered)")
        for pick in range(1, choices + 1):
            region = pick % 10
            channel = (pick * 3) % 10
            elapsed = tab.evaluate("""([region, channel]) => new Promise(resolve => {
                const start = performance.now();
                const r = document.getElementById('filter-region'), c = document.getElementById('filter-channel');
                r.value = String(region); c.value = String(channel);
                c.dispatchEvent(new Event('change'));
                const key = region + '.' + channel;
                (function poll() {
                  const charts = [...document.querySelectorAll('[data-spec]')];
                  if (document.documentElement.dataset.filtersShown === key &&
                      charts.every(e => e.dataset.rendered === 'true')) resolve(performance.now() - start);
                  else requestAnimationFrame(poll);
                })();
            })""", [region, channel])
            times.append(float(elapsed))
    return times


def timed_build(root: Path) -> tuple[float, Any]:
    from reportsite.build.builder import BuildOptions, build

    started = time.perf_counter()
    result = build(root, BuildOptions(out=root / "_site"))
    return time.perf_counter() - started, result


def run(work: Path) -> dict[str, Any]:
    data = work / "explore-data"
    started = time.perf_counter()
    write_orders(data)
    print(f"  {ROWS:,} orders written in {time.perf_counter() - started:.1f}s")
    out: dict[str, Any] = {}

    filtered = project(work / "explore-filtered", data, {"orders": FILTERED.replace("{where}", WHERE)})
    seconds, _ = timed_build(filtered)
    site = filtered / "_site"
    slices = sorted((site / "data/orders/slices").glob("*.json"))
    loads = first_load_bytes(site, "reports/orders.html")
    per_slice = statistics.median(gz(p.read_bytes()) for p in slices)
    times = switch_times(site, "reports/orders.html")
    parts = ", ".join(f"{name} {size / 1024:.1f}" for name, size in loads.items())
    out["filtered"] = {"build_s": seconds, "combinations": len(slices), "first_load_gzip": loads,
                       "first_load_total_gzip": sum(loads.values()), "slice_gzip_median": per_slice,
                       "switch_ms_median": statistics.median(times), "switch_ms_max": max(times)}
    print(f"  filtered page, 2 filters × 10 choices ({len(slices)} combinations, 6 items each): built in "
          f"{seconds:.1f}s; first load {sum(loads.values()) / 1024:.1f} KB gzipped ({parts}; "
          f"Vega aside), a combination's file {per_slice / 1024:.1f} KB; switching "
          f"{statistics.median(times):.0f} ms median, {max(times):.0f} ms slowest (targets 150 KB, 150 ms)")

    family = project(work / "explore-family", data, {"customers": FAMILY})
    seconds, _ = timed_build(family)
    pages = len(list((family / "_site/reports/customers").glob("*.html")))
    again, unchanged = timed_build(family)
    out["family"] = {"pages": pages, "build_s": seconds, "per_page_ms": seconds / max(pages, 1) * 1000,
                     "rebuild_s": again, "rebuild_status": unchanged.status}
    print(f"  for_each, {pages:,} pages (2 metrics, a chart, a table each): built in {seconds:.1f}s "
          f"({seconds / max(pages, 1) * 1000:.0f} ms a page); nothing changed: {again:.2f}s ({unchanged.status})")

    scripts = {name: gz((ROOT / "site_src/static" / name).read_bytes())
               for name in ("filters.js", "list_search.js", "tables.js", "site.js", "words.js")
               if (ROOT / "site_src/static" / name).exists()}
    out["scripts_gzip"] = scripts
    print("  scripts, gzipped: " + ", ".join(f"{name} {size:,} B" for name, size in scripts.items()))
    return out


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="reportsite-bench-explore-"))
    try:
        print(json.dumps(run(work), indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
