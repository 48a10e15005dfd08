"""Benchmark of one pass per item (part of ``make bench``; also runs alone: ``python scripts/bench_onepass.py``).

1. A family: ``for_each`` over 2,000 stores (4M sales rows; 2 metrics, 2 charts and a table a page), against
   the same report over one store. The ratio is what a page per value costs over one page.
2. A filtered page over 1M sales: three filters (region 6 choices, channel 5, a date range of 4 presets: 120
   combinations; the same 2 metrics, 2 charts and a table, each following every filter), against the same page
   without filters: the medians of three builds of each, alternating (one build of a page of 1-4 s moves by
   10% or more from run to run on a busy 2-core machine).
3. Equivalence: the family and the filtered page built again with every query run once per value
   (``REPORTSITE_ONE_PASS=off``); every CSV download of every page (each item's rows, in order) must be the
   same bytes, and so must every page and slice file.

``--stores N --rows N`` make it smaller; ``--profile`` prints where the family build's time goes (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import filecmp
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FILTERED_ROWS = 1_000_000  # the filtered page's orders (the explore benchmark's size)
FILTERED_PAIRS = 3  # the filtered page and the page without filters, built this many times each, alternating
sys.path.insert(0, str(ROOT / "scripts"))

ITEMS = """\
metrics:
  - {{name: Revenue, format: currency, query: "SELECT SUM(amount) AS value FROM sales {where}"}}
  - {{name: Orders, query: "SELECT count(*) AS value FROM sales {where}"}}
charts:
  - name: Monthly revenue
    type: bar
    query: |
      SELECT date_trunc('month', day)::DATE AS month, SUM(amount) AS revenue
      FROM sales {where} GROUP BY 1 ORDER BY 1
    params: {{x: month, y: revenue, y_format: currency}}
  - name: Revenue by product
    type: bar
    width: half
    query: |
      SELECT product, SUM(amount) AS revenue FROM sales {where}
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10
    params: {{x: product, y: revenue, y_format: currency}}
tables:
  - name: Latest sales
    max_rows: 50
    query: |
      SELECT day, region, channel, product, quantity, amount FROM sales {where}
      ORDER BY day DESC, sale_id DESC LIMIT 100
"""
FAMILY = """\
title: "Stores"
data_source: "sales.parquet"
for_each:
  parameter: store
  title: "Store $store"
  query: "SELECT DISTINCT store FROM sales ORDER BY 1 {limit}"
""" + ITEMS.format(where="WHERE store = $store")
FILTERS = """\
filters:
  - {name: region, label: Region, options: "SELECT DISTINCT region FROM sales ORDER BY 1"}
  - {name: channel, label: Channel, options: "SELECT DISTINCT channel FROM sales ORDER BY 1"}
  - {name: period, label: Period, type: date_range, presets: [last_30_days, last_90_days, year_to_date, all],
     options: "SELECT min(day), max(day) FROM sales"}
"""
FILTER_WHERE = ("WHERE ($region IS NULL OR region = $region) AND ($channel IS NULL OR channel = $channel) "
                "AND day BETWEEN $period_start AND $period_end")
FILTERED = 'title: "Sales"\ndata_source: "sales.parquet"\n' + FILTERS + ITEMS.format(where=FILTER_WHERE)
UNFILTERED = 'title: "Sales"\ndata_source: "sales.parquet"\n' + ITEMS.format(where="")


def write_sales(folder: Path, stores: int, rows: int) -> None:
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"""COPY (
            SELECT i AS sale_id, (DATE '2025-01-01' + to_days((i * 13) % 700))::DATE AS day,
                   'S' || lpad(((i * 7919) % {stores})::TEXT, 4, '0') AS store,
                   'Region ' || (i % 5 + 1) AS region, 'Channel ' || ((i // 7) % 4 + 1) AS channel,
                   'Product ' || lpad(((i * 31) % 30)::TEXT, 2, '0') AS product,
                   (i % 5 + 1)::INTEGER AS quantity,
                   (((i * 104729) % 50000) / 100.0)::DECIMAL(10, 2) AS amount
            FROM range({rows}) t(i)) TO '{folder / "sales.parquet"}' (FORMAT parquet)""").fetchall()


def project(where: Path, data: Path, reports: dict[str, str]) -> Path:
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(ROOT / "site_src", where / "site_src")
    (where / "site_src" / "site.yaml").write_text(
        f'title: "Bench"\ndata_root: "{data}"\ntimezone: "UTC"\nmax_pages: 5000\n', encoding="utf-8")
    (where / "reports").mkdir()
    for name, text in reports.items():
        (where / "reports" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return where


def timed_build(root: Path, one_pass: bool = True, profile: bool = False) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of the build's own process, per-step seconds) of a full build with a fixed
    date, run in a fresh Python process as ``reportsite build`` would be: both sides of a ratio pay the same
    start (imports, the first query), and neither inherits the other's warm caches."""
    env = {**os.environ, "REPORTSITE_ONE_PASS": "on" if one_pass else "off",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, str(Path(__file__).resolve()), "--build", str(root)] + (["--profile"] if profile else [])
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the build of {root} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    *printed, last = done.stdout.strip().splitlines()
    if profile:
        print("\n".join(printed))
    found = json.loads(last)
    return wall, found["cpu_s"], found["seconds"]


def _build_here(root: Path, profile: bool) -> None:
    """The child of ``timed_build``: build, then print the build's CPU time and steps as the last line."""
    import datetime as dt

    started = time.process_time()
    try:  # as ``reportsite build`` does (``cli.start``): the workers' fork server starts before the build imports
        from reportsite.pages import warm

        warm.start_for(root)
    except ImportError:  # a checkout from before it did
        pass
    try:
        from reportsite.build.builder import BuildOptions, build
    except ImportError:  # a checkout from before the stages were packages (to measure "before")
        from reportsite.build import BuildOptions, build  # type: ignore[no-redef]

    now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = build(root, BuildOptions(out=root / "_site", full=True), now=lambda: now)
    if profiler:
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        print(text.getvalue())
    seconds = result.reports[0].seconds if result.reports else 0.0
    print(json.dumps({"cpu_s": time.process_time() - started, "seconds": seconds}))


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The run (wall seconds, CPU seconds) with the median wall time."""
    return sorted(runs)[len(runs) // 2]


def same_files(a: Path, b: Path) -> tuple[int, list[str]]:
    """How many files two sites share, and those that differ (the manifest's timings aside)."""
    differ, count = [], 0
    for path in sorted(p for p in a.rglob("*") if p.is_file()):
        relative = path.relative_to(a)
        if relative.name == "manifest.json":
            continue
        count += 1
        if not (b / relative).exists() or not filecmp.cmp(path, b / relative, shallow=False):
            differ.append(str(relative))
    missing = [str(p.relative_to(b)) for p in b.rglob("*") if p.is_file() and not (a / p.relative_to(b)).exists()]
    return count, differ + missing


def run(work: Path, stores: int, rows: int, profile: bool, filtered_rows: int = FILTERED_ROWS) -> dict[str, Any]:
    data, small = work / "data", work / "data-filtered"
    started = time.perf_counter()
    write_sales(data, stores, rows)
    write_sales(small, stores, filtered_rows)
    print(f"  {rows:,} sales over {stores:,} stores written, and {filtered_rows:,} for the filtered page, in "
          f"{time.perf_counter() - started:.1f}s")
    out: dict[str, Any] = {}

    one = project(work / "one", data, {"stores": FAMILY.replace("{limit}", "LIMIT 1")})
    one_s, one_cpu, _ = timed_build(one)
    family = project(work / "family", data, {"stores": FAMILY.replace("{limit}", "")})
    family_s, family_cpu, report_s = timed_build(family, profile=profile)
    pages = len(list((family / "_site/reports/stores").glob("*.html")))
    out["family"] = {"pages": pages, "build_s": family_s, "cpu_s": family_cpu, "one_value_s": one_s,
                     "one_value_cpu_s": one_cpu, "ratio": family_s / one_s,
                     "seconds": report_s}
    print(f"  family: {pages:,} pages in {family_s:.1f}s ({family_cpu:.1f}s CPU); one store {one_s:.2f}s "
          f"({one_cpu:.2f}s CPU): {family_s / one_s:.1f}× (target ≤ 20×)")

    plains, filtereds = [], []
    for _ in range(FILTERED_PAIRS):  # alternating, so a slow moment of the machine falls on both sides
        plain = project(work / "unfiltered", small, {"sales": UNFILTERED})
        plains.append(timed_build(plain)[:2])
        filtered = project(work / "filtered", small, {"sales": FILTERED})
        filtereds.append(timed_build(filtered)[:2])
    (plain_s, plain_cpu), (filtered_s, filtered_cpu) = median(plains), median(filtereds)
    combinations = len(list((filtered / "_site/data/sales/slices").glob("*.json")))
    pairs = sorted(f[0] / p[0] for p, f in zip(plains, filtereds, strict=True))
    out["filtered"] = {"combinations": combinations, "build_s": filtered_s, "cpu_s": filtered_cpu,
                       "unfiltered_s": plain_s, "unfiltered_cpu_s": plain_cpu, "ratio": filtered_s / plain_s,
                       "builds_s": [f[0] for f in filtereds], "unfiltered_builds_s": [p[0] for p in plains]}
    print(f"  filtered page: {combinations} combinations in {filtered_s:.2f}s ({filtered_cpu:.2f}s CPU); without "
          f"filters {plain_s:.2f}s ({plain_cpu:.2f}s CPU): {filtered_s / plain_s:.1f}× (target ≤ 3×; medians of "
          f"{FILTERED_PAIRS} alternating builds each, each pair {pairs[0]:.1f}–{pairs[-1]:.1f}×)")

    for name, root in (("family", family), ("filtered", filtered)):
        copy = work / f"{name}-per-value"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root / "site_src", copy / "site_src")
        shutil.copytree(root / "reports", copy / "reports")
        seconds, _, _ = timed_build(copy, one_pass=False)
        count, differ = same_files(root / "_site", copy / "_site")
        csvs = len(list((root / "_site" / "data").rglob("*.csv")))
        out[name]["per_value_s"] = seconds
        out[name]["compared_files"] = count
        out[name]["compared_csv"] = csvs
        out[name]["differing_files"] = differ[:20]
        verdict = "all the same" if not differ else f"{len(differ)} DIFFER, e.g. {differ[:3]}"
        print(f"  {name}, every query run once per value instead: {seconds:.1f}s; {count:,} files compared "
              f"({csvs:,} CSV downloads): {verdict}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--filtered-rows", type=int, default=FILTERED_ROWS)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # timed_build's child: build this project
    args = parser.parse_args()
    if args.build:
        _build_here(args.build, args.profile)
        return 0
    work = Path(tempfile.mkdtemp(prefix="reportsite-bench-onepass-"))
    try:
        result = run(work, args.stores, args.rows, args.profile, args.filtered_rows)
        print(json.dumps(result, indent=2, default=str))
        failed = any(result[k].get("differing_files") for k in ("family", "filtered"))
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
