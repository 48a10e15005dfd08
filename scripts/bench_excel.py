"""Excel part of ``make bench``: reading a 200,000-row workbook, and writing Excel downloads.

Measured: Polars + fastexcel reading the sheet (``excel_source.read_sheet``, best of ``repeat``), the
same sheet registered in a locked DuckDB and queried, a whole ``reportsite build`` of a report over the
workbook (subprocess), and writing one Excel download of 10,000 rows × 6 columns (a table's default
``excel_rows``). The workbook is cached in ``bench-results/``. Run alone: ``python scripts/bench_excel.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench-results"

REPORT = """
title: Budget
data_sources:
  budget: {path: WORKBOOK, sheet: Budget}
metrics:
  - name: Planned
    query: SELECT sum(amount) AS value FROM budget
charts:
  - name: By month
    type: bar
    query: SELECT date_trunc('month', day) AS month, sum(amount) AS amount FROM budget GROUP BY 1 ORDER BY 1
    params: {x: month, y: amount}
tables:
  - name: Accounts
    query: SELECT account, region, sum(amount) AS amount, count(*) AS lines FROM budget GROUP BY ALL ORDER BY 3 DESC
"""


def frame(rows: int) -> Any:
    import polars as pl

    return pl.DataFrame(
        {
            "id": range(rows),
            "day": [dt.date(2020, 1, 1) + dt.timedelta(days=i % 2000) for i in range(rows)],
            "account": [f"Account {i % 97:02d}" for i in range(rows)],
            "region": [("North", "South", "East", "West")[i % 4] for i in range(rows)],
            "amount": [round((i % 1000) * 1.37, 2) for i in range(rows)],
            "note": [None if i % 7 else "checked" for i in range(rows)],
        }
    )


def workbook(rows: int) -> tuple[Path, float | None]:
    """The cached workbook (sheet 'Budget'); (path, seconds to write it or None when cached)."""
    path = RESULTS / f"excel-{rows}.xlsx"
    if path.exists():
        return path, None
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    partial = path.with_suffix(".tmp.xlsx")
    frame(rows).write_excel(partial, worksheet="Budget")
    partial.replace(path)
    return path, time.perf_counter() - started


def best(seconds: list[float]) -> float:
    return min(seconds)


def run(rows: int = 200_000, repeat: int = 2) -> dict[str, Any]:
    from reportsite.downloads.xlsx import column_kinds, write_xlsx
    from reportsite.query import sandbox
    from reportsite.sources import excel as excel_source
    from reportsite.values.formats import Formats

    path, wrote = workbook(rows)
    result: dict[str, Any] = {"rows": rows, "workbook_mb": path.stat().st_size / 1e6, "generation_s": wrote}
    reads, queries = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        sheet = excel_source.read_sheet(str(path), path.name, "Budget")
        reads.append(time.perf_counter() - started)
        con = sandbox.connect([])
        started = time.perf_counter()
        con.register("__excel_budget", sheet.to_arrow())
        con.execute('CREATE VIEW budget AS SELECT * FROM "__excel_budget"').fetchall()
        sandbox.lock(con)
        counted = con.sql("SELECT count(*), sum(amount) FROM budget").fetchall()[0]
        queries.append(time.perf_counter() - started)
        con.close()
    result.update(
        read_s=best(reads),
        register_and_query_s=best(queries),
        read_rows=int(counted[0]),
        types={name: str(dtype) for name, dtype in sheet.schema.items()},
    )

    table = sheet.head(10_000).to_arrow()
    writes = []
    with tempfile.TemporaryDirectory(prefix="bench-excel-") as scratch:
        for _ in range(repeat):
            started = time.perf_counter()
            write_xlsx(table, Path(scratch) / "download.xlsx", column_kinds(table), Formats(), total=rows)
            writes.append(time.perf_counter() - started)
        result["download_10k_s"] = best(writes)
        result["build_s"] = build_once(path, Path(scratch))
    return result


def build_once(path: Path, work: Path) -> float:
    """Wall seconds of ``reportsite build`` (a fresh process) of one report over the workbook."""
    project = work / "project"
    shutil.copytree(ROOT / "site_src", project / "site_src")
    (project / "reports").mkdir(parents=True)
    (project / "reports" / "budget.yaml").write_text(REPORT.replace("WORKBOOK", str(path)), encoding="utf-8")
    env = {**os.environ, "REPORTSITE_CACHE_DIR": str(work / "cache")}
    command = [sys.executable, "-m", "reportsite", "--project", str(project), "build"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)  # warms the tool cache
    shutil.rmtree(project / "_site")
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - started


def show(result: dict[str, Any]) -> None:
    made = "cached" if result["generation_s"] is None else f"written in {result['generation_s']:.1f}s"
    print(
        f"  workbook: {result['rows']:,} rows × {len(result['types'])} columns, {result['workbook_mb']:.1f} MB ({made})"
    )
    print(
        f"  read one sheet (Polars + fastexcel): {result['read_s']:.2f}s; into DuckDB through Arrow and "
        f"queried: {result['register_and_query_s']:.3f}s ({result['read_rows']:,} rows)"
    )
    print(f"  build of a report over it (metric, chart, table): {result['build_s']:.2f}s wall")
    print(f"  one Excel download of 10,000 rows × {len(result['types'])} columns: {result['download_10k_s']:.2f}s")


if __name__ == "__main__":
    outcome = run()
    show(outcome)
    print(json.dumps(outcome, indent=2))
