"""Builds under a small memory limit and a small S3 cache budget give the numbers of an unconstrained build.

- a query that runs out of memory is run again with a lower footprint (and fails, located, when even
  that does not fit);
- the S3 column cache evicts least recently used copies to stay under ``cache_max_gb``;
- a source too big for the budget is read from S3 at query time and nothing lands on disk.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from pyarrow.fs import PyFileSystem

from reportsite.build.builder import BuildOptions, build
from reportsite.cli.main import s3_line
from reportsite.errors import ReportError
from reportsite.sources import s3stream

pytestmark = pytest.mark.integration

WIDE = """
title: "Wide"
data_source: "wide.parquet"
metrics:
  - name: "Longest run"
    query: |
      SELECT max(rn) AS value FROM (SELECT row_number() OVER (PARTITION BY k ORDER BY s) AS rn FROM wide)
  - name: "Id of the smallest hash"
    query: "SELECT first(id) AS value FROM (SELECT id FROM wide ORDER BY s LIMIT 3)"
tables:
  - name: "First hashes"
    query: "SELECT s, id FROM (SELECT s, id FROM wide ORDER BY s) LIMIT 5"
"""


@pytest.fixture(scope="module")
def wide_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2M rows of 32-character hashes: sorting them needs more than 32 MB with two threads, not with one."""
    folder = tmp_path_factory.mktemp("wide")
    duckdb.sql(
        f"COPY (SELECT range AS id, range % 1000 AS k, md5(range::VARCHAR) AS s FROM range(2000000)) "
        f"TO '{folder / 'wide.parquet'}' (FORMAT parquet)"
    )
    return folder


def metric_values(site: Path, slug: str) -> list[str]:
    html = (site / "reports" / f"{slug}.html").read_text()
    return re.findall(r'data-testid="metric-value"(?: title="[^"]*")?>([^<]*)<', html)


def page_body(site: Path, slug: str) -> str:
    html = (site / "reports" / f"{slug}.html").read_text()
    return re.sub(r"\s+", " ", html.split("<main", 1)[1].split("</main>", 1)[0])


def built_times(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.+-]+|[A-Z][a-z]{2} \d{1,2}, \d{4}[^<]*", "", text)


def test_a_query_out_of_memory_is_retried_with_a_lower_footprint_and_gives_the_same_numbers(
    wide_data, make_project, monkeypatch
) -> None:
    root = make_project({"wide.yaml": WIDE}, data_root=wide_data, name="free")
    build(root, BuildOptions(out=root / "_site"))
    monkeypatch.setenv("REPORTSITE_DUCKDB_MEMORY", "32MB")
    small = make_project({"wide.yaml": WIDE}, data_root=wide_data, name="small")
    logged: list[str] = []

    result = build(small, BuildOptions(out=small / "_site"), log=logged.append)

    assert result.status == "ok"
    assert (
        "note: metric 'Longest run' ran out of memory and was run again with one thread and insertion order "
        "not preserved" in logged
    )
    assert metric_values(small / "_site", "wide") == metric_values(root / "_site", "wide")
    smallest = duckdb.sql(f"SELECT arg_min(id, s) FROM '{wide_data / 'wide.parquet'}'").fetchall()[0][0]
    assert f'title="{smallest:,}"' in page_body(root / "_site", "wide")
    assert built_times(page_body(small / "_site", "wide")) == built_times(page_body(root / "_site", "wide"))


def test_a_query_that_does_not_fit_even_then_fails_naming_the_setting(wide_data, make_project, monkeypatch) -> None:
    monkeypatch.setenv("REPORTSITE_DUCKDB_MEMORY", "20MB")
    root = make_project({"wide.yaml": WIDE}, data_root=wide_data)

    with pytest.raises(ReportError) as raised:
        build(root, BuildOptions(out=root / "_site"))

    messages = [str(p) for p in raised.value.problems]
    assert (
        "reports/wide.yaml:5:5 metrics[0].query: metric 'Longest run': ran out of memory (DuckDB memory limit "
        "20MB), also when retried with one thread and insertion order not preserved; raise the limit with the "
        "environment variable REPORTSITE_DUCKDB_MEMORY (e.g. 4GB; the default is half the machine's available "
        "memory), or aggregate or filter earlier in the SQL" in messages
    )


REGION_TOTALS = """
title: "{title}"
data_source: "s3://lake/{folder}/sales.parquet"
metrics:
  - name: "North orders"
    query: "SELECT count(*) AS value FROM sales WHERE region = 'North'"
  - name: "Revenue"
    format: currency
    query: "SELECT SUM(amount) AS value FROM sales"
charts:
  - name: "By region"
    type: bar
    query: "SELECT region, SUM(amount) AS revenue FROM sales GROUP BY 1 ORDER BY 1"
    params: {{x: region, y: revenue}}
"""


def site_yaml(budget_gb: float | None) -> str:
    budget = f"cache_max_gb: {budget_gb}\n" if budget_gb is not None else ""
    return f'title: "Test Reports"\n{budget}'


def copies(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "s3").rglob("*.parquet") if p.is_file())


@pytest.fixture
def lake(s3, sample_data):  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket="lake")
    for folder in ("a", "b"):
        s3.upload_file(str(sample_data / "sales.parquet"), "lake", f"{folder}/sales.parquet")
    return s3


def two_reports() -> dict[str, str]:
    return {
        "first.yaml": REGION_TOTALS.format(title="First", folder="a"),
        "second.yaml": REGION_TOTALS.format(title="Second", folder="b"),
    }


def copy_size(sample_data: Path) -> int:
    """Bytes of the local copy of sales.parquet's columns region and amount (what the reports read)."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(sample_data / "sales.parquet").metadata
    return sum(
        meta.row_group(g).column(c).total_compressed_size
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
        if meta.row_group(g).column(c).path_in_schema in ("region", "amount")
    )


def test_the_cache_evicts_the_least_recently_used_copy_to_stay_under_its_budget(
    lake, sample_data, make_project, tmp_path, monkeypatch
) -> None:
    free = make_project(two_reports(), site_yaml=site_yaml(None), name="free")
    monkeypatch.setenv("REPORTSITE_CACHE_DIR", str(tmp_path / "free-cache"))
    build(free, BuildOptions(out=free / "_site"))
    assert len(copies(tmp_path / "free-cache")) == 2
    budget = copy_size(sample_data) * 1.6 / 1e9  # room for one copy, not two
    tight = make_project(two_reports(), site_yaml=site_yaml(budget), name="tight")
    cache = tmp_path / "tight-cache"
    monkeypatch.setenv("REPORTSITE_CACHE_DIR", str(cache))

    result = build(tight, BuildOptions(out=tight / "_site"))

    assert result.status == "ok"
    assert [p.relative_to(cache / "s3").parts[:2] for p in copies(cache)] == [("lake", "b")]  # a was evicted
    assert sum(p.stat().st_size for p in (cache / "s3").rglob("*") if p.is_file()) <= budget * 1e9
    assert result.s3["cache_evicted_bytes"] > 0 and result.s3["streamed_sources"] == []
    for slug in ("first", "second"):
        assert metric_values(tight / "_site", slug) == metric_values(free / "_site", slug)
        assert built_times(page_body(tight / "_site", slug)) == built_times(page_body(free / "_site", slug))


def test_a_source_too_big_for_the_budget_is_read_from_s3_at_query_time_and_not_kept(
    lake, sample_data, make_project, tmp_path, monkeypatch
) -> None:
    free = make_project(two_reports(), site_yaml=site_yaml(None), name="free")
    monkeypatch.setenv("REPORTSITE_CACHE_DIR", str(tmp_path / "free-cache"))
    build(free, BuildOptions(out=free / "_site"))
    budget = copy_size(sample_data) * 0.5 / 1e9  # not even one copy fits
    tight = make_project(two_reports(), site_yaml=site_yaml(budget), name="tight")
    cache = tmp_path / "tight-cache"
    monkeypatch.setenv("REPORTSITE_CACHE_DIR", str(cache))
    logged: list[str] = []

    result = build(tight, BuildOptions(out=tight / "_site"), log=logged.append)

    assert result.status == "ok"
    assert copies(cache) == []
    assert result.s3["streamed_sources"] == ["s3://lake/a/sales.parquet", "s3://lake/b/sales.parquet"]
    assert result.s3["s3_bytes"] > 0 and result.s3["cache_fetched_bytes"] == 0
    line = s3_line(result.s3)
    assert line.startswith(f"S3: {result.s3['s3_bytes'] / 1e6:,.1f} MB read from S3 this run (0.0 MB of it whole CSV ")
    assert line.endswith("column cache: 0.0 MB reused, 0.0 MB newly copied, 0.0 MB evicted; read from S3 at query "
                         "time (over the cache budget; what they read is not in the count above): "
                         "s3://lake/a/sales.parquet, s3://lake/b/sales.parquet")
    assert any(
        "data source 's3://lake/a/sales.parquet'" in line and "read from S3 at query time" in line for line in logged
    )
    for slug in ("first", "second"):
        assert metric_values(tight / "_site", slug) == metric_values(free / "_site", slug)
        assert built_times(page_body(tight / "_site", slug)) == built_times(page_body(free / "_site", slug))


HIVE = """
title: "Lake"
data_sources:
  orders: "s3://lake/orders/"
metrics:
  - name: "Orders in 2025"
    query: "SELECT count(*) AS value FROM orders WHERE year = 2025"
  - name: "Wholesale-free revenue in March"
    format: currency
    query: "SELECT SUM(amount) AS value FROM orders WHERE month = 3 AND region <> 'West'"
tables:
  - name: "Per year"
    query: "SELECT year, count(*) AS orders, round(SUM(amount), 2) AS revenue FROM orders GROUP BY 1 ORDER BY 1"
"""


def test_a_streamed_hive_partitioned_source_gives_the_same_numbers(
    s3, sample_data, make_project, tmp_path, monkeypatch
) -> None:
    s3.create_bucket(Bucket="lake")
    for path in sorted((sample_data / "sales_by_month").rglob("*.parquet")):
        s3.upload_file(str(path), "lake", f"orders/{path.relative_to(sample_data / 'sales_by_month').as_posix()}")
    free = make_project({"lake.yaml": HIVE}, site_yaml=site_yaml(None), name="free")
    monkeypatch.setenv("REPORTSITE_CACHE_DIR", str(tmp_path / "free-cache"))
    build(free, BuildOptions(out=free / "_site"))
    tight = make_project({"lake.yaml": HIVE}, site_yaml=site_yaml(0.000001), name="tight")  # 1 kB
    cache = tmp_path / "tight-cache"
    monkeypatch.setenv("REPORTSITE_CACHE_DIR", str(cache))
    datasets: list[object] = []
    made = s3stream.dataset
    monkeypatch.setattr(s3stream, "dataset", lambda *args, **kwargs: datasets.append(made(*args, **kwargs))
                        or datasets[-1])

    result = build(tight, BuildOptions(out=tight / "_site"))

    assert result.s3["streamed_sources"] == ["s3://lake/orders/"]
    # DuckDB starts a scan holding the GIL: pyarrow's scan threads must never need it (no Python filesystem)
    assert datasets and all(not isinstance(d.filesystem, PyFileSystem) for d in datasets)  # type: ignore[attr-defined]
    assert copies(cache) == []
    sales = sample_data / "sales.parquet"
    in_2025 = duckdb.sql(f"SELECT count(*) FROM '{sales}' WHERE year(date) = 2025").fetchall()[0][0]
    assert metric_values(tight / "_site", "lake")[0] == f"{in_2025:,}"
    assert metric_values(tight / "_site", "lake") == metric_values(free / "_site", "lake")
    assert built_times(page_body(tight / "_site", "lake")) == built_times(page_body(free / "_site", "lake"))


def test_copies_kept_from_a_bigger_budget_are_evicted_when_the_budget_shrinks(
    lake, sample_data, make_project, tmp_path, monkeypatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("REPORTSITE_CACHE_DIR", str(cache))
    free = make_project(two_reports(), site_yaml=site_yaml(None), name="free")
    build(free, BuildOptions(out=free / "_site"))
    assert len(copies(cache)) == 2
    budget = copy_size(sample_data) * 0.5 / 1e9
    tight = make_project(two_reports(), site_yaml=site_yaml(budget), name="tight")

    result = build(tight, BuildOptions(out=tight / "_site"))

    assert copies(cache) == []
    assert result.s3["streamed_sources"] == ["s3://lake/a/sales.parquet", "s3://lake/b/sales.parquet"]
    for slug in ("first", "second"):
        assert metric_values(tight / "_site", slug) == metric_values(free / "_site", slug)
