"""Benchmark of the whole build (``make bench``): a measurement, not a test.

Scenarios, each build in its own subprocess (``python -m reportsite --project P build``, run through
this file so its peak RSS (VmHWM) and CPU seconds are recorded per build):

1. demo reports over 10M sales rows from local Parquet: cold with an empty tool cache (Tailwind
   and the Vega bundle compiled), cold with a warm tool cache (best of ``--repeat``), warm
   (nothing changed);
2. raw SQL: the same metric/chart/table SQL run by DuckDB alone on the same local files;
3. the same reports over hive-partitioned Parquet (``sales_by_month/year=…/month=…``) on moto's
   S3 server on 127.0.0.1, behind a counting proxy: bytes of GET bodies versus the compressed
   size of the column chunks the queries touch (found with DuckDB's EXPLAIN over stub tables);
4. "competitive": 5 pages × 4 visuals over 5M rows, cold and warm;
5. tables (``bench_tables.py``): tables.js gzipped, a 50,000-row table built, then sorted, searched and
   paged in Chromium;
6. Excel (``bench_excel``): reading a 200,000-row workbook, a build over it, writing Excel downloads;
7. exploring (``bench_explore.py``): a filtered page's first-load weight and switch time in Chromium,
   2,000 pages per value built and rebuilt.
8. one pass (``bench_onepass.py``): a 2,000-page family over 4M rows against the same report over one value,
   a page with 120 filter choices against the same page without filters, and every file of both compared
   with a build that runs each query once per value.

Data sets are cached in ``bench-results/data-*``; the summary goes to ``bench-results/latest.json``
(``latest-preload.json`` with ``--preload FILE``, which runs FILE in every build process first, to
measure a proposed change by monkeypatching). Targets: ≤ 3 s cold and ≤ 1 s warm for the
competitive site, peak RSS < 0.5 GB, build/raw-SQL ≤ 1.5, S3 bytes ≤ 1.2 × columns touched.
Machines are noisy: the load average is printed, and CPU seconds are shown beside wall times.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from reportsite.build.manifest_model import Manifest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench-results"
PY = sys.executable
STAGES = ("config", "sources", "queries", "assets", "render", "total")
TARGETS = {"cold_s": 3.0, "warm_s": 1.0, "rss_mb": 500.0, "sql_ratio": 1.5, "s3_ratio": 1.2}
TIMEOUT = 600


# --------------------------------------------------------------------------------------------- data


def ensure_data(rows: int, partitioned: bool) -> tuple[Path, float | None]:
    """The cached sample data set with ``rows`` orders; (folder, generation seconds or None if cached)."""
    name = f"data-{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"data-{rows}"
    folder = RESULTS / name
    ready = (folder / "sales.parquet").exists() and (not partitioned or (folder / "sales_by_month").is_dir())
    if ready:
        return folder, None
    tmp = RESULTS / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.perf_counter()
    code = ("import sys; from pathlib import Path; from reportsite.ops.sample_data import write_sample_data; "
            f"write_sample_data(Path(sys.argv[1]), rows={rows}, partitioned={partitioned})")
    subprocess.run([PY, "-c", code, str(tmp)], check=True, stdout=subprocess.DEVNULL, timeout=TIMEOUT)
    seconds = time.perf_counter() - started
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder, seconds


# ------------------------------------------------------------------------------------------ projects


def make_project(where: Path, reports: dict[str, str]) -> Path:
    """A throwaway project: the repo's site_src plus the given report files (name → YAML text)."""
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(ROOT / "site_src", where / "site_src")
    (where / "reports").mkdir(parents=True)
    for name, text in reports.items():
        (where / "reports" / name).write_text(text, encoding="utf-8")
    return where


def demo_reports() -> dict[str, str]:
    """The repository's reports/ (YAML and any .sql files beside them)."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "reports").iterdir())
            if p.suffix in (".yaml", ".yml", ".sql")}


def partitioned_reports() -> dict[str, str]:
    """The demo reports reading the hive-partitioned ``sales_by_month/`` folder instead of sales.parquet."""
    out = {}
    for name, text in demo_reports().items():
        if not name.endswith((".yaml", ".yml")):
            out[name] = text
            continue
        new = re.sub(r'(?m)^data_source:\s*"?sales\.parquet"?\s*$', 'data_sources:\n  sales: "sales_by_month/"', text)
        new = re.sub(r'(?m)^(\s+sales:\s*)"?sales\.parquet"?\s*$', r'\1"sales_by_month/"', new)
        if "sales.parquet" in new:
            raise SystemExit(f"bench: could not point reports/{name} at sales_by_month/")
        out[name] = new
    return out


def competitive_reports() -> dict[str, str]:
    """5 pages × 4 visuals (metrics, charts, tables) over sales, customers and products."""
    sources = 'data_sources:\n  sales: "sales.parquet"\n  customers: "customers.csv"\n  products: "products.parquet"\n'
    pages = {
        "overview": """
metrics:
  - name: Revenue, all time
    format: currency
    query: SELECT SUM(amount) AS value FROM sales
  - name: Orders, last full month
    query: |
      WITH m AS (SELECT date_trunc('month', date) AS month, count(*) AS orders FROM sales GROUP BY 1)
      SELECT orders AS value, LAG(orders) OVER (ORDER BY month) AS previous
      FROM m QUALIFY month = (SELECT max(month) FROM m)
charts:
  - name: Daily revenue
    type: line
    query: SELECT date, SUM(amount) AS revenue FROM sales GROUP BY 1 ORDER BY 1
    params: {x: date, y: revenue, y_format: currency}
tables:
  - name: Monthly summary
    max_rows: 12
    query: |
      SELECT strftime(date_trunc('month', date), '%Y-%m') AS month, count(*) AS orders,
             count(DISTINCT customer_id) AS customers, round(SUM(amount), 2) AS revenue
      FROM sales GROUP BY 1 ORDER BY 1 DESC
""",
        "regions": """
metrics:
  - name: Regions
    query: SELECT count(DISTINCT region) AS value FROM sales
charts:
  - name: Monthly revenue by region
    type: bar
    width: half
    query: |
      SELECT date_trunc('month', date)::DATE AS month, region, SUM(amount) AS revenue
      FROM sales GROUP BY ALL ORDER BY 1
    params: {x: month, y: revenue, color: region, y_format: currency}
  - name: Revenue share by region
    type: pie
    width: half
    query: SELECT region, SUM(amount) AS revenue FROM sales GROUP BY 1 ORDER BY 2 DESC
    params: {x: region, y: revenue}
tables:
  - name: Region and channel
    query: |
      SELECT region, channel, count(*) AS orders, round(SUM(amount), 2) AS revenue
      FROM sales GROUP BY ALL ORDER BY revenue DESC
""",
        "products": """
metrics:
  - name: Best category share
    format: percent
    query: |
      SELECT max(revenue) / sum(revenue) AS value FROM (
        SELECT p.category, SUM(s.amount) AS revenue FROM sales s JOIN products p USING (product_id) GROUP BY 1)
charts:
  - name: Revenue by category
    type: pie
    width: half
    query: |
      SELECT p.category, SUM(s.amount) AS revenue FROM sales s JOIN products p USING (product_id)
      GROUP BY 1 ORDER BY 2 DESC
    params: {x: category, y: revenue}
  - name: Top 10 products
    type: bar
    width: half
    query: |
      SELECT p.product_name AS product, SUM(s.amount) AS revenue FROM sales s JOIN products p USING (product_id)
      GROUP BY 1 ORDER BY 2 DESC LIMIT 10
    params: {x: product, y: revenue, y_format: currency}
tables:
  - name: Product performance
    query: |
      SELECT p.product_name AS product, p.category, SUM(s.quantity) AS units, round(SUM(s.amount), 2) AS revenue
      FROM sales s JOIN products p USING (product_id) GROUP BY ALL ORDER BY revenue DESC
""",
        "customers": """
metrics:
  - name: Customers who ordered
    query: SELECT count(DISTINCT customer_id) AS value FROM sales
charts:
  - name: Revenue by segment
    type: bar
    width: half
    query: |
      SELECT c.segment, SUM(s.amount) AS revenue FROM sales s JOIN customers c USING (customer_id)
      GROUP BY 1 ORDER BY 2 DESC
    params: {x: segment, y: revenue, y_format: currency}
  - name: Orders vs revenue, top 500 customers
    type: scatter
    width: half
    query: |
      SELECT c.segment, count(*) AS orders, SUM(s.amount) AS revenue
      FROM sales s JOIN customers c USING (customer_id)
      GROUP BY s.customer_id, c.segment ORDER BY revenue DESC LIMIT 500
    params: {x: orders, y: revenue, color: segment}
tables:
  - name: Top customers
    max_rows: 20
    query: |
      SELECT c.customer_name AS customer, c.segment, count(*) AS orders, round(SUM(s.amount), 2) AS revenue
      FROM sales s JOIN customers c USING (customer_id) GROUP BY ALL ORDER BY revenue DESC LIMIT 100
""",
        "channels": """
metrics:
  - name: Online share of revenue
    format: percent
    query: SELECT SUM(amount) FILTER (WHERE channel = 'Online') / SUM(amount) AS value FROM sales
  - name: Average order value
    format: currency
    query: SELECT avg(amount) AS value FROM sales
charts:
  - name: Orders by channel
    type: area
    query: |
      SELECT date_trunc('month', date)::DATE AS month, channel, count(*) AS orders
      FROM sales GROUP BY ALL ORDER BY 1
    params: {x: month, y: orders, color: channel}
tables:
  - name: Channel by quarter
    query: |
      SELECT strftime(date_trunc('quarter', date), '%Y-%m') AS quarter, channel, count(*) AS orders,
             round(SUM(amount), 2) AS revenue
      FROM sales GROUP BY ALL ORDER BY 1 DESC, 2
""",
    }
    return {
        f"{slug}.yaml": f'title: "{slug.title()}"\ndescription: "Benchmark page {slug}"\n'
                        f'update_frequency: daily\n{sources}{body.lstrip()}'
        for slug, body in pages.items()
    }


def visuals(reports: dict[str, str]) -> int:
    import yaml

    return sum(len(d.get(k) or []) for d in map(yaml.safe_load, reports.values())
               for k in ("metrics", "charts", "tables"))


# -------------------------------------------------------------------------------------------- builds


@dataclass
class Run:
    scenario: str
    rows: int
    wall: float
    rss_mb: float
    ok: bool
    cpu: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    per_report: dict[str, dict[str, float]] = field(default_factory=dict)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def base_env(cache: Path, data_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and "PROXY" not in k.upper()}
    env.update(REPORTSITE_CACHE_DIR=str(cache), REPORTSITE_DATA_ROOT=data_root, NO_PROXY="127.0.0.1,localhost",
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
               AWS_EC2_METADATA_DISABLED="true", PYTHONUNBUFFERED="1")
    return env


def vm_hwm_mb() -> float:
    """Peak resident memory of this process (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child_main(peak_file: str, argv: list[str]) -> None:
    """Run ``reportsite ARGV`` in this process and record its peak RSS in ``peak_file`` at exit.

    ``os.wait4`` alone is not enough: Linux carries the parent's RSS high-water mark into a child
    spawned with vfork, so small builds would show the bench process's own size. With
    ``$BENCH_PRELOAD`` set, that Python file is run first (to measure a proposed change by
    monkeypatching, without editing the package).
    """
    import atexit
    import runpy

    atexit.register(lambda: Path(peak_file).write_text(f"{vm_hwm_mb():.1f}"))
    if os.environ.get("BENCH_PRELOAD"):
        runpy.run_path(os.environ["BENCH_PRELOAD"])
    sys.argv = ["reportsite", *argv]
    runpy.run_module("reportsite", run_name="__main__", alter_sys=True)


def measured(cmd: list[str], env: dict[str, str], log: Path) -> tuple[int, float, float, float, str]:
    """Run ``cmd``; (exit code, wall seconds, CPU seconds (user + system), peak RSS MB, output)."""
    peak = log.with_suffix(".peak")
    peak.unlink(missing_ok=True)
    with log.open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = float(peak.read_text()) if peak.exists() else usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return proc.returncode, wall, cpu, rss, log.read_text(errors="replace")


def build(scenario: str, rows: int, project: Path, env: dict[str, str], out: Path | None = None) -> Run:
    out = out or project / "_site"
    log = RESULTS / "logs" / f"{re.sub(r'[^a-z0-9]+', '-', scenario.lower()).strip('-')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    before = (out / "manifest.json").stat().st_mtime_ns if (out / "manifest.json").exists() else None
    peak = str(log.with_suffix(".peak"))
    code, wall, cpu, rss, text = measured([PY, __file__, "--child", peak, "--project", str(project), "build", "--out",
                                      str(out)], env, log)
    run = Run(scenario, rows, wall, rss, code == 0, cpu=cpu)
    if code != 0:
        run.note = f"exit {code}: " + " | ".join(text.strip().splitlines()[-4:])
        return run
    unchanged = re.search(r"nothing changed.*\((\d+\.\d+)s\)", text)
    manifest_path = out / "manifest.json"
    if unchanged:
        run.stages = {"total": float(unchanged.group(1))}
        run.note = "nothing changed"
    elif manifest_path.exists() and manifest_path.stat().st_mtime_ns != before:
        manifest = Manifest.from_json(json.loads(manifest_path.read_text()))
        run.stages = manifest.seconds
        run.per_report = {slug: entry.seconds for slug, entry in manifest.reports.items()}
    return run


# ------------------------------------------------------------------------------------------- raw SQL


def raw_sql_main(project: Path, data_root: Path, repeat: int) -> None:
    """Subprocess entry: run every metric/chart/table query and every data check of every report in DuckDB alone
    (the SQL and parameters as the library reads and binds them, the checks by ``checks.run_checks``); print JSON."""
    import datetime as dt

    import duckdb

    from reportsite.query import checks, memory

    started = time.perf_counter()
    # The same memory limit and threads as the build's DuckDB (memory.py), so the ratio compares like with like.
    con = duckdb.connect(config={"memory_limit": memory.memory_limit(), "threads": memory.threads()})
    views: dict[str, str] = {}
    queries: list[tuple[str, str, dict[str, Any]]] = []
    reports = bench_reports(project)
    for report in reports:
        for table, url in report.config.tables_by_name().items():
            full = str(data_root / url)
            reader = "read_csv" if url.endswith(".csv") else "read_parquet"
            views[table] = f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {reader}('{full}')"
        queries += item_queries(report)
    for statement in views.values():
        con.execute(statement)
    session = _ChecksSession(con, list(views))
    now = dt.datetime.now(dt.UTC)
    setup = time.perf_counter() - started
    setup_cpu = time.process_time()  # interpreter start, imports, views
    best: dict[str, float] = {}
    best_cpu: dict[str, float] = {}
    for _ in range(repeat):
        for label, sql, used in queries:
            mark, cpu_mark = time.perf_counter(), time.process_time()
            con.sql(sql, params=used or None).to_arrow_table()
            best[label] = min(best.get(label, 1e9), time.perf_counter() - mark)
            best_cpu[label] = min(best_cpu.get(label, 1e9), time.process_time() - cpu_mark)
        for report in reports:
            if report.config.checks:
                label = f"{report.slug}/checks"
                mark = time.perf_counter()
                checks.run_checks(session, report, now)  # type: ignore[arg-type]  # its engine is this connection
                best[label] = min(best.get(label, 1e9), time.perf_counter() - mark)
    items = {k: v for k, v in best.items() if not k.endswith("/checks")}
    print(json.dumps({"queries": items, "checks": sum(v for k, v in best.items() if k.endswith("/checks")),
                      "setup": setup, "total": sum(items.values()), "cpu": sum(best_cpu.values()),
                      "setup_cpu": setup_cpu, "rss_mb": vm_hwm_mb()}))


class _ChecksSession:
    """What ``checks.run_checks`` asks of a session (its tables, rows of a statement), on the bench's connection."""

    def __init__(self, con: Any, tables: list[str]) -> None:
        self.con, self.tables = con, tables

    def rows(self, sql: str, label: str) -> list[tuple[Any, ...]]:
        return list(self.con.sql(sql).fetchall())


def raw_sql(project: Path, data_root: Path, repeat: int = 1) -> tuple[dict[str, Any], float, float]:
    """(result, subprocess wall seconds, peak RSS MB) of the raw-SQL baseline."""
    log = RESULTS / "logs" / f"raw-sql-{project.name}.log"
    code, wall, _, _, text = measured([PY, __file__, "--raw-sql", str(project), str(data_root), str(repeat)],
                                     dict(os.environ), log)
    if code != 0:
        raise SystemExit(f"bench: raw SQL failed:\n{text}")
    result = json.loads(text.strip().splitlines()[-1])
    return result, wall, result["rss_mb"]


# ---------------------------------------------------------------------------------- touched columns


def bench_reports(project: Path) -> list[Any]:
    """The project's reports as the build loads them."""
    from reportsite.config.project import load_project

    return load_project(project).reports


def item_queries(report: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, SQL, parameters) of each metric, chart and table query of a report, read (inline or from its .sql
    file) and bound the way the build does (a filter's parameter is None: every value)."""
    from reportsite.query import located

    out = []
    for key, label in report.queries():
        if key[0] in ("metrics", "charts", "tables"):
            ref = located.QueryRef(report, key, label)
            sql = ref.sql.strip().rstrip(";")
            name = getattr(report.config, str(key[0]))[key[1]].name
            out.append((f"{report.slug}/{key[0]}/{name}", sql, located.bound_parameters(sql, report.bindable(), ref)))
    return out


def touched_columns(project: Path, data_root: Path) -> tuple[list[tuple[str, set[str]]], int]:
    """(per query: table → columns it reads, as (table, columns) pairs; number of queries).

    The columns are what the build's S3 planning finds: ``s3fetch.columns_used`` (DuckDB's plans over empty
    stand-ins of each table) for each query ``s3plan.report_queries`` lists, and ``s3plan.checked_columns``
    for the checks and ``as_of``. The schemas come from the local copies of the data (``sales_by_month``'s
    from sales.parquet).
    """
    import duckdb
    import pyarrow.parquet as pq

    from reportsite.config.project import filter_parameters
    from reportsite.sources import s3fetch, s3plan

    def schema(url: str) -> Any:
        local = data_root / ("sales.parquet" if url.startswith("sales_by_month") else url)
        if url.endswith(".csv"):
            return duckdb.sql(f"SELECT * FROM read_csv('{local}') LIMIT 0").fetch_arrow_table().schema
        return pq.read_schema(local)

    touched: list[tuple[str, set[str]]] = []
    count = 0
    for report in bench_reports(project):
        schemas = {table: schema(url) for table, url in report.config.tables_by_name().items()}
        queries = s3plan.report_queries(report)
        if queries is None:  # one cannot be planned: the build copies every column
            count += 1
            touched += [(table, set(s.names)) for table, s in schemas.items()]
            queries = []
        for query in queries:
            count += 1
            used = s3fetch.columns_used([query], schemas, filter_parameters(report.config))
            touched += [(table, columns) for table, columns in used.items() if columns]
        for table, columns in s3plan.checked_columns(report).items():
            count += 1
            if table in schemas and columns:
                touched.append((table, columns))
    return touched, count


def touched_bytes(touched: list[tuple[str, set[str]]], files: dict[str, list[Path]]) -> tuple[int, int]:
    """(sum over queries, each table's union once) of compressed column-chunk bytes touched.

    Parquet: ``total_compressed_size`` of the touched columns' chunks in every file; CSV: the file size.
    """
    import pyarrow.parquet as pq

    sizes: dict[str, dict[str, int]] = {}
    for table, paths in files.items():
        per: dict[str, int] = {}
        for path in paths:
            if path.suffix == ".csv":
                per["*"] = per.get("*", 0) + path.stat().st_size
                continue
            meta = pq.ParquetFile(path).metadata
            for g in range(meta.num_row_groups):
                group = meta.row_group(g)
                for c in range(group.num_columns):
                    chunk = group.column(c)
                    per[chunk.path_in_schema] = per.get(chunk.path_in_schema, 0) + chunk.total_compressed_size
        sizes[table] = per

    def cost(table: str, cols: set[str]) -> int:
        per = sizes.get(table, {})
        return per["*"] if "*" in per else sum(per.get(c, 0) for c in cols)

    per_query = sum(cost(t, cols) for t, cols in touched)
    union: dict[str, set[str]] = {}
    for t, cols in touched:
        union.setdefault(t, set()).update(cols)
    return per_query, sum(cost(t, cols) for t, cols in union.items())


# ---------------------------------------------------------------------------------------------- S3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.object_bytes = self.other_bytes = 0
            self.requests: dict[str, int] = {}

    def add(self, method: str, path: str, nbytes: int) -> None:
        bare, _, query = path.partition("?")
        is_object = method == "GET" and bare.strip("/").count("/") >= 1 and "list-type" not in query
        kind = "GET object" if is_object else f"{method} {'list' if method == 'GET' else 'meta'}"
        with self.lock:
            self.requests[kind] = self.requests.get(kind, 0) + 1
            if is_object:
                self.object_bytes += nbytes
            elif method == "GET":
                self.other_bytes += nbytes


HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
       "content-length"}


def start_proxy(upstream: int, counter: Counter) -> tuple[ThreadingHTTPServer, int]:
    """A keep-alive HTTP proxy on 127.0.0.1 forwarding to moto and counting GET response body bytes."""
    local = threading.local()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _upstream(self) -> http.client.HTTPConnection:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=120)
            return local.conn

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            if body is not None:
                headers["Content-Length"] = str(len(body))
            for attempt in range(2):
                try:
                    conn = self._upstream()
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    break
                except (OSError, http.client.HTTPException):
                    local.conn = None
                    if attempt:
                        raise
            counter.add(self.command, self.path, len(data))
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP:
                    self.send_header(k, v)
            length_out = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
            self.send_header("Content-Length", length_out or "0")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


@contextlib.contextmanager
def moto_server() -> Iterator[tuple[int, int]]:
    """moto's S3 server on 127.0.0.1 in a subprocess; yields (port, pid)."""
    port = free_port()
    binary = Path(PY).parent / "moto_server"
    cmd = [str(binary), "-H", "127.0.0.1", "-p", str(port)] if binary.exists() else \
        [PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("bench: moto_server did not start") from None
                time.sleep(0.1)
        yield port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def upload(port: int, data: Path) -> tuple[int, int, float]:
    """Upload sales_by_month/, customers.csv, products.parquet to s3://bench; (objects, bytes, seconds)."""
    import boto3

    started = time.perf_counter()
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    s3.create_bucket(Bucket="bench")
    files = [*sorted((data / "sales_by_month").rglob("*.parquet")), data / "customers.csv", data / "products.parquet"]
    for path in files:
        s3.upload_file(str(path), "bench", path.relative_to(data).as_posix())
    return len(files), sum(p.stat().st_size for p in files), time.perf_counter() - started


def s3_scenarios(data: Path, rows: int, cache: Path, work: Path) -> list[Run]:
    counter = Counter()
    project = make_project(work / "s3", partitioned_reports())
    import psutil

    with moto_server() as (moto_port, moto_pid):
        moto = psutil.Process(moto_pid)
        objects, nbytes, seconds = upload(moto_port, data)
        print(f"  uploaded {objects} objects ({nbytes / 1e6:.1f} MB) to moto in {seconds:.1f}s")
        proxy, proxy_port = start_proxy(moto_port, counter)
        try:
            env = base_env(cache, "s3://bench/")
            env.update(AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy_port}", AWS_ACCESS_KEY_ID="bench",
                       AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1")
            runs = []
            shutil.rmtree(cache / "s3", ignore_errors=True)  # cold: no local copies of S3 objects yet
            for label in ("cold", "warm"):
                counter.reset()
                moto_cpu, proxy_cpu = sum(moto.cpu_times()[:2]), sum(psutil.Process().cpu_times()[:2])
                run = build(f"S3 hive, {label}", rows, project, env)
                run.extra.update(s3_object_bytes=counter.object_bytes, s3_other_bytes=counter.other_bytes,
                                 s3_requests=dict(counter.requests),
                                 moto_cpu=sum(moto.cpu_times()[:2]) - moto_cpu,
                                 proxy_cpu=sum(psutil.Process().cpu_times()[:2]) - proxy_cpu)
                runs.append(run)
                print_run(run)
                print(f"      meanwhile moto used {run.extra['moto_cpu']:.2f}s CPU and the counting proxy "
                      f"{run.extra['proxy_cpu']:.2f}s (wall times on moto are not S3's)")
            # A cache budget too small for any copy: every source is read from S3 at query time.
            streamed = make_project(work / "s3-streamed", partitioned_reports())
            site_yaml = streamed / "site_src" / "site.yaml"
            site_yaml.write_text(site_yaml.read_text() + "\ncache_max_gb: 0.000001\n")
            counter.reset()
            run = build("S3 hive, streamed (no cache)", rows, streamed, env)
            run.extra.update(s3_object_bytes=counter.object_bytes, s3_other_bytes=counter.other_bytes,
                             s3_requests=dict(counter.requests))
            runs.append(run)
            print_run(run)
        finally:
            proxy.shutdown()
    touched, nq = touched_columns(project, data)
    files = {"sales": sorted((data / "sales_by_month").rglob("*.parquet")), "customers": [data / "customers.csv"],
             "products": [data / "products.parquet"]}
    per_query, union = touched_bytes(touched, files)
    cold = runs[0]
    cold.extra.update(touched_per_query=per_query, touched_union=union, queries=nq,
                      s3_ratio=cold.extra["s3_object_bytes"] / per_query if per_query else None,
                      s3_ratio_union=cold.extra["s3_object_bytes"] / union if union else None)
    return runs


# ---------------------------------------------------------------------------------------- reporting


def generated(seconds: float | None) -> str:
    return "cached" if seconds is None else f"generated in {seconds:.1f}s"


def fmt_s(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def print_run(run: Run) -> None:
    stages = " ".join(f"{k}={run.stages[k]:.2f}" for k in STAGES if k in run.stages)
    state = "ok" if run.ok else "FAILED"
    print(f"  {run.scenario:<30} wall {run.wall:5.2f}s cpu {run.cpu:5.2f}s peak RSS {run.rss_mb:5.0f} MB {state} "
          f"{stages} {run.note}")
    for slug, secs in run.per_report.items():
        print(f"      {slug:<14} " + " ".join(f"{k}={v:.2f}" for k, v in secs.items()))


def final_table(runs: list[Run], summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="reportsite bench", show_lines=False)
    for col in ("scenario", "rows", "wall s", "cpu s", *[f"{s} s" for s in STAGES], "peak RSS MB",
                "S3 GET bytes / columns touched", "build / raw SQL (cpu)"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for run in runs:
        s3 = ""
        if "s3_object_bytes" in run.extra:
            s3 = f"{run.extra['s3_object_bytes'] / 1e6:.1f} MB"
            if run.extra.get("touched_per_query"):
                s3 += (f" / {run.extra['touched_per_query'] / 1e6:.1f} MB = {run.extra['s3_ratio']:.2f}"
                       f" (union {run.extra['touched_union'] / 1e6:.1f} MB: {run.extra['s3_ratio_union']:.2f})")
        ratio = run.extra.get("sql_ratio")
        ratio_text = "" if ratio is None else f"{ratio:.2f} ({run.extra['sql_ratio_cpu']:.2f})"
        table.add_row(run.scenario, f"{run.rows:,}", fmt_s(run.wall), fmt_s(run.cpu),
                      *[fmt_s(run.stages.get(s)) for s in STAGES], f"{run.rss_mb:.0f}", s3, ratio_text,
                      style=None if run.ok else "red")
    console = Console(width=220)
    console.print(table)
    for line in summary["verdicts"]:
        console.print(line, markup=False)


def verdicts(runs: list[Run]) -> list[str]:
    by = {r.scenario: r for r in runs}
    out = []

    def line(name: str, value: float | None, target: float, unit: str, less: bool = True) -> None:
        if value is None:
            out.append(f"  {name}: not measured")
            return
        ok = value <= target if less else value < target
        out.append(f"  {'MET ' if ok else 'MISS'} {name}: {value:.2f}{unit} (target {'≤' if less else '<'} "
                   f"{target:g}{unit})")

    comp_cold, comp_warm = by.get("competitive 5×4, cold"), by.get("competitive 5×4, warm")
    out.append("Targets:")
    line("competitive cold build (wall)", comp_cold and comp_cold.wall, TARGETS["cold_s"], " s")
    line("competitive warm build (wall)", comp_warm and comp_warm.wall, TARGETS["warm_s"], " s")
    line("competitive peak RSS", max((r.rss_mb for r in (comp_cold, comp_warm) if r), default=None),
         TARGETS["rss_mb"], " MB", less=False)
    peak = max((r.rss_mb for r in runs), default=None)
    line("peak RSS, every build (issue 2 floor)", peak, 1500.0, " MB", less=False)
    line("peak RSS, every build (aim)", peak, TARGETS["rss_mb"], " MB", less=False)
    for run in runs:
        if run.extra.get("sql_ratio") is not None:
            same_sql = run.extra.get("sql_ratio_with_checks") or run.extra["sql_ratio"]
            line(f"build / the same SQL in DuckDB alone (queries + data checks), wall, {run.scenario}", same_sql,
                 TARGETS["sql_ratio"], "×")
            if run.extra.get("sql_ratio_with_checks"):
                line(f"build / the report queries alone (checks counted as overhead), wall, {run.scenario}",
                     run.extra["sql_ratio"], TARGETS["sql_ratio"], "×")
            line(f"build / the report queries alone, CPU seconds, {run.scenario}", run.extra["sql_ratio_cpu"],
                 TARGETS["sql_ratio"], "×")
    for run in runs:
        if run.extra.get("s3_ratio") is not None:
            line(f"S3 bytes / columns touched per query, {run.scenario}", run.extra["s3_ratio"],
                 TARGETS["s3_ratio"], "×")
            line(f"S3 bytes / columns touched once (union), {run.scenario}", run.extra["s3_ratio_union"],
                 TARGETS["s3_ratio"], "×")
    return out


# ---------------------------------------------------------------------------------------- at scale


def tree_du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def scale_scenarios(sizes: list[int], cache: Path, work: Path, repeat: int) -> list[Run]:
    """The competitive site (5 pages × 4 visuals) at each size: a cold build (tool cache warm), then the
    same SQL in DuckDB alone with the same memory limit; the ratio is build total / raw SQL total."""
    runs = []
    # The Vega bundle and the CSS are made once per installation (``make install``): made here first, so the
    # builds below measure the queries, not a one-off tool start.
    subprocess.run([PY, "-m", "reportsite.render.assets"], cwd=ROOT, env=base_env(cache, ""), check=True,
                   stdout=subprocess.DEVNULL, timeout=TIMEOUT)
    for rows in sizes:
        data, gen = ensure_data(rows, partitioned=False)
        size = (data / "sales.parquet").stat().st_size
        print(f"  {rows:,} rows: {generated(gen)} ({data.name}, sales.parquet {size / 1e9:.2f} GB)")
        project = make_project(work / f"scale-{rows}", competitive_reports())
        env = base_env(cache, str(data))
        run = build(f"scale {rows // 1_000_000}M, cold", rows, project, env, out=work / f"scale-{rows}-site")
        raw, _, raw_rss = raw_sql(project, data, repeat)
        run.extra.update(parquet_bytes=size, raw_total=raw["total"] + raw["checks"], raw_rss_mb=raw_rss,
                         cache_bytes=tree_du(cache / "s3"), memory_limit=os.environ.get("REPORTSITE_DUCKDB_MEMORY"))
        if run.ok and "total" in run.stages:
            run.extra.update(sql_ratio=run.stages["queries"] / run.extra["raw_total"],
                             sql_ratio_cpu=run.cpu / (raw["setup_cpu"] + raw["cpu"]))
        print_run(run)
        print(f"      raw SQL {raw['total'] + raw['checks']:.2f}s (peak RSS {raw_rss:.0f} MB); build queries / raw SQL "
              f"{run.extra.get('sql_ratio', float('nan')):.2f}")
        runs.append(run)
    return runs


# ---------------------------------------------------------------------------------------------- main


def best_of(runs: list[Run]) -> Run:
    """The fastest successful run (by in-build total, else wall), noting how many were taken."""
    good = [r for r in runs if r.ok] or runs
    best = min(good, key=lambda r: r.stages.get("total", r.wall))
    if len(runs) > 1:
        best.note = (best.note + f" best of {len(runs)} (totals "
                     + ", ".join(f"{r.stages.get('total', r.wall):.2f}" for r in runs) + ")").strip()
    return best


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the demo data set")
    parser.add_argument("--competitive-rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=2,
                        help="cold local builds and raw-SQL passes to run; the best is reported (default 2)")
    parser.add_argument("--skip-s3", action="store_true", help="leave out the loopback S3 scenario")
    parser.add_argument("--skip-excel", action="store_true", help="leave out the Excel scenario")
    parser.add_argument("--skip-explore", action="store_true",
                        help="leave out the filters / pages-per-value scenario (bench_explore.py)")
    parser.add_argument("--skip-one-pass", action="store_true",
                        help="leave out the family and filter-choices scenario (bench_onepass.py)")
    parser.add_argument("--excel-rows", type=int, default=200_000, help="rows of the Excel workbook read")
    parser.add_argument("--preload", type=Path,
                        help="a Python file run in every build process first (try a change by monkeypatching)")
    parser.add_argument("--scale", metavar="ROWS[,ROWS…]",
                        help="only the competitive site at these sizes (e.g. 5000000,50000000,200000000)")
    parser.add_argument("--raw-sql", nargs=3, metavar=("PROJECT", "DATA_ROOT", "REPEAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_sql:
        raw_sql_main(Path(args.raw_sql[0]), Path(args.raw_sql[1]), int(args.raw_sql[2]))
        return 0
    if args.preload:
        os.environ["BENCH_PRELOAD"] = str(args.preload.resolve())
        print(f"Preloading {args.preload} in every build (numbers are for the patched pipeline)")

    bench_started = time.perf_counter()
    RESULTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="reportsite-bench-"))
    runs: list[Run] = []
    info: dict[str, Any] = {"cpus": os.cpu_count(), "repeat": args.repeat, "load_before": os.getloadavg(),
                            "preload": str(args.preload) if args.preload else None}
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (wall times are noisy when other work runs;"
          " CPU seconds less so)")
    if args.scale:
        try:
            cache = work / "tool-cache"
            limit = os.environ.get("REPORTSITE_DUCKDB_MEMORY") or "default"
            print(f"Competitive site at scale (DuckDB memory limit: {limit})")
            runs = scale_scenarios([int(r) for r in args.scale.split(",")], cache, work, args.repeat)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        summary = {"info": info, "runs": [r.__dict__ for r in runs], "verdicts": []}
        (RESULTS / "latest-scale.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
        final_table(runs, summary)
        return 0 if all(r.ok for r in runs) else 1
    try:
        print(f"Data sets (cached in {RESULTS.relative_to(ROOT)}/)")
        data, gen = ensure_data(args.rows, partitioned=True)
        print(f"  {args.rows:,} rows: {generated(gen)} ({data.name})")
        comp_data, comp_gen = ensure_data(args.competitive_rows, partitioned=False)
        print(f"  {args.competitive_rows:,} rows: {generated(comp_gen)} ({comp_data.name})")
        info.update(generation_seconds={data.name: gen, comp_data.name: comp_gen})

        print("\nDemo reports, local Parquet")
        project = make_project(work / "local", demo_reports())
        empty_cache, cache = work / "tool-cache-empty", work / "tool-cache"
        run = build("local, cold, empty tool cache", args.rows, project, base_env(empty_cache, str(data)),
                    out=work / "site-empty-cache")
        runs.append(run)
        print_run(run)
        empty_cache.mkdir(exist_ok=True)
        shutil.copytree(empty_cache, cache)  # the tool cache that build filled: warm from here on
        colds = []
        for i in range(args.repeat):
            colds.append(build("local, cold", args.rows, project, base_env(cache, str(data)), out=work / f"site-{i}"))
            print_run(colds[-1])
        runs.append(best_of(colds))
        run = build("local, warm", args.rows, project, base_env(cache, str(data)), out=work / f"site-{args.repeat - 1}")
        runs.append(run)
        print_run(run)

        print("\nRaw SQL baseline (DuckDB alone, same SQL, same local files)")
        raw, raw_wall, raw_rss = raw_sql(project, data, args.repeat)
        print(f"  {len(raw['queries'])} queries: {raw['total']:.2f}s, CPU {raw['cpu']:.2f}s + {raw['setup_cpu']:.2f}s "
              f"start-up (best of {args.repeat} per query; process wall {raw_wall:.2f}s, peak RSS {raw_rss:.0f} MB)")
        for label, secs in raw["queries"].items():
            print(f"      {secs:6.3f}s  {label}")
        print(f"  (the reports' checks, not counted above, take {raw['checks']:.2f}s more in DuckDB alone)")
        for run in runs[:2]:
            if run.ok and "total" in run.stages:
                run.extra.update(sql_ratio=run.stages["total"] / raw["total"],
                                 sql_ratio_with_checks=run.stages["total"] / (raw["total"] + raw["checks"]),
                                 sql_ratio_cpu=run.cpu / (raw["setup_cpu"] + raw["cpu"]))
        info["raw_sql_demo"] = {**raw, "wall": raw_wall}

        if not args.skip_s3:
            print("\nDemo reports, hive-partitioned Parquet on the loopback S3 server (moto) via a counting proxy")
            s3_runs = s3_scenarios(data, args.rows, cache, work)
            runs += s3_runs
            extra = s3_runs[0].extra
            if "touched_per_query" in extra:
                print(f"  GET object bytes {extra['s3_object_bytes'] / 1e6:.1f} MB (listing {extra['s3_other_bytes']}"
                      f" B); columns touched: {extra['touched_per_query'] / 1e6:.1f} MB summed per query over "
                      f"{extra['queries']} queries, {extra['touched_union'] / 1e6:.1f} MB each column once; "
                      f"requests {extra['s3_requests']}")

        print("\nCompetitive site: 5 pages × 4 visuals")
        comp = competitive_reports()
        print(f"  {len(comp)} pages, {visuals(comp)} visuals")
        comp_project = make_project(work / "competitive", comp)
        colds = []
        for i in range(args.repeat):
            colds.append(build("competitive 5×4, cold", args.competitive_rows, comp_project,
                               base_env(cache, str(comp_data)), out=work / f"comp-{i}"))
            print_run(colds[-1])
        cold = best_of(colds)
        runs.append(cold)
        run = build("competitive 5×4, warm", args.competitive_rows, comp_project, base_env(cache, str(comp_data)),
                    out=work / f"comp-{args.repeat - 1}")
        runs.append(run)
        print_run(run)
        raw_c, raw_c_wall, _ = raw_sql(comp_project, comp_data, args.repeat)
        print(f"  raw SQL: {len(raw_c['queries'])} queries {raw_c['total']:.2f}s, CPU {raw_c['cpu']:.2f}s + "
              f"{raw_c['setup_cpu']:.2f}s start-up (process wall {raw_c_wall:.2f}s, peak RSS {raw_c['rss_mb']:.0f} MB)")
        if cold.ok and "total" in cold.stages:
            cold.extra.update(sql_ratio=cold.stages["total"] / raw_c["total"],
                              sql_ratio_cpu=cold.cpu / (raw_c["setup_cpu"] + raw_c["cpu"]))
        info["raw_sql_competitive"] = {**raw_c, "wall": raw_c_wall}

        import bench_tables

        print(f"\nTables: {bench_tables.ROWS:,} rows in one table, sorted in Chromium")
        info["tables"] = bench_tables.run(data, work, cache)
        bench_tables.show(info["tables"])

        if not args.skip_excel:
            import bench_excel

            print(f"\nExcel: a {args.excel_rows:,}-row workbook as a source, and Excel downloads")
            info["excel"] = bench_excel.run(args.excel_rows, args.repeat)
            bench_excel.show(info["excel"])

        if not args.skip_explore:
            import bench_explore

            print("\nExploring: a page with 2 filters × 10 choices, 2,000 pages per value, the scripts' weight")
            info["explore"] = bench_explore.run(work)

        if not args.skip_one_pass:
            import bench_onepass

            print("\nOne pass: a 2,000-page family over 4M rows against one page, 120 filter choices against none, "
                  "and every file compared with a build that runs each query once per value")
            info["one_pass"] = bench_onepass.run(work / "one-pass", 2000, 4_000_000, False)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    info["bench_seconds"] = time.perf_counter() - bench_started
    info["load_after"] = os.getloadavg()
    summary = {"targets": TARGETS, "info": info, "runs": [r.__dict__ for r in runs], "verdicts": verdicts(runs)}
    print()
    final_table(runs, summary)
    target = RESULTS / ("latest-preload.json" if args.preload else "latest.json")
    target.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(f"\nWrote {target.relative_to(ROOT)} (bench took {info['bench_seconds']:.0f}s; "
          f"load average {info['load_after'][0]:.2f} at the end)")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
