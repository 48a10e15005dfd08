"""The tables step of ``make bench``: a 50,000-row table (``max_rows: 50000``) built, then sorted, searched and
paged in Chromium on loopback. A measurement, not a test.

Reports the gzipped bytes of tables.js, the page and the rows' JSON file; the build's seconds for the report;
and in the browser: the first sort (fetching and parsing the JSON file included), a sort of loaded rows,
a search, and a page turn. Run alone with ``python scripts/bench_tables.py DATA_ROOT`` (a folder holding the
demo data's sales.parquet).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ROWS = 50_000
REPORT = f"""
title: "Every order"
data_source: "sales.parquet"
tables:
  - name: "Orders"
    query: |
      SELECT order_id, date, customer_id, region, channel, amount FROM sales ORDER BY order_id LIMIT {ROWS}
    max_rows: {ROWS}
    columns: {{amount: currency}}
"""

# Each step clicks or types, then waits until the table is drawn; the times are the page's own clock.
STEPS = """async () => {
  const table = document.querySelector('#table-1');
  const card = table.closest('section');
  const wait = () => new Promise(done => { const check = () => table.dataset.loaded ? done() : setTimeout(check, 5);
                                            check(); });
  const time = async (act, until) => { const start = performance.now(); act(); if (until) await until();
                                       await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
                                       return performance.now() - start; };
  const head = i => table.tHead.rows[0].cells[i].querySelector('button');
  const out = {};
  out.first_sort_ms = await time(() => head(5).click(), wait);  // amount: fetch, parse, sort, draw
  out.sort_number_ms = await time(() => head(5).click());  // descending
  out.sort_date_ms = await time(() => head(1).click());
  out.sort_text_ms = await time(() => head(4).click());
  const box = card.querySelector('input[type=search]');
  out.search_ms = await time(() => { box.value = 'north'; box.dispatchEvent(new Event('input')); });
  out.clear_search_ms = await time(() => { box.value = ''; box.dispatchEvent(new Event('input')); });
  out.next_page_ms = await time(() => card.querySelector('button:not([disabled])[type=button]:last-child').click());
  out.loaded = table.dataset.loaded;
  out.status = card.querySelector('[data-table-status]').textContent;
  return out;
}"""


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def run(data_root: Path, work: Path, cache: Path | None = None) -> dict[str, Any]:
    """Build the 50,000-row report in ``work`` and measure it in Chromium."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from reportsite.smoke.browser import launched
    from reportsite.smoke.localhttp import serve_folder

    project = work / "tables-project"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(ROOT / "site_src", project / "site_src")
    (project / "reports").mkdir(parents=True)
    (project / "reports" / "orders.yaml").write_text(REPORT, encoding="utf-8")
    (project / "site_src" / "site.yaml").write_text(f'title: "Bench"\ndata_root: "{data_root}"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    if cache is not None:
        env["REPORTSITE_CACHE_DIR"] = str(cache)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "reportsite", "--project", str(project), "build"],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    wall = time.perf_counter() - started
    site = project / "_site"
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["reports"]["orders"]
    rows_file = site / "data" / "orders" / "table-1-orders.json"
    found: dict[str, Any] = {
        "rows": ROWS,
        "tables_js_bytes": len((ROOT / "site_src" / "static" / "tables.js").read_bytes()),
        "tables_js_gzip_bytes": gz((ROOT / "site_src" / "static" / "tables.js").read_bytes()),
        "page_gzip_bytes": gz((site / "reports" / "orders.html").read_bytes()),
        "rows_json_bytes": rows_file.stat().st_size,
        "rows_json_gzip_bytes": gz(rows_file.read_bytes()),
        "build_wall_s": wall,
        "report_s": entry.get("seconds", {}),
    }
    with serve_folder(site) as base, launched() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "reports/orders.html")
        page.wait_for_selector("#table-1[data-enhanced]", state="attached")
        found["browser"] = page.evaluate(STEPS)
        page.close()
    return found


def show(found: dict[str, Any]) -> None:
    b = found["browser"]
    print(
        f"  tables.js {found['tables_js_bytes']:,} B, {found['tables_js_gzip_bytes']:,} B gzipped; page "
        f"{found['page_gzip_bytes']:,} B gzipped; rows JSON {found['rows_json_bytes'] / 1e6:.1f} MB, "
        f"{found['rows_json_gzip_bytes'] / 1e6:.2f} MB gzipped"
    )
    print(
        f"  build {found['build_wall_s']:.2f}s wall ({found['rows']:,}-row table; stages "
        f"{', '.join(f'{k} {v:.2f}s' for k, v in found['report_s'].items())})"
    )
    print(
        f"  Chromium: first sort {b['first_sort_ms']:.0f} ms (fetch + parse + sort + draw), then sorts: number "
        f"{b['sort_number_ms']:.0f} ms, date {b['sort_date_ms']:.0f} ms, text {b['sort_text_ms']:.0f} ms; search "
        f"{b['search_ms']:.0f} ms, clear {b['clear_search_ms']:.0f} ms, next page {b['next_page_ms']:.0f} ms "
        f"({b['status']}; {b['loaded']})"
    )


if __name__ == "__main__":
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="bench-tables-"))
    try:
        result = run(Path(sys.argv[1]).resolve(), folder)
        show(result)
        print(json.dumps(result))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
