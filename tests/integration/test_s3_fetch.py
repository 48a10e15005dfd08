"""S3 sources are fetched once, column-pruned, into the local cache and shared by every query."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.errors import ReportError
from reportsite.sources import s3env
from tests.support.faulty_proxy import FaultyProxy

pytestmark = pytest.mark.integration

DAILY = """
title: "Daily"
data_source: "s3://lake/sales.parquet"
charts:
  - name: "Sales"
    type: line
    query: "SELECT date, SUM(amount) AS sales FROM sales GROUP BY 1"
    params: {x: date, y: sales}
"""
REGIONS = """
title: "Regions"
data_source: "s3://lake/sales.parquet"
metrics:
  - name: "North orders"
    query: "SELECT count(*) AS value FROM sales WHERE region = 'North'"
"""


def copies(cache: Path) -> list[Path]:
    return sorted((cache / "s3" / "lake").glob("sales.parquet.*.parquet"))


def object_gets(proxy: FaultyProxy) -> int:
    return sum(1 for seen in proxy.log if seen.method == "GET" and seen.path.split("?")[0].endswith(".parquet"))


@pytest.fixture
def lake(s3, sample_data):
    s3.create_bucket(Bucket="lake")
    s3.upload_file(str(sample_data / "sales.parquet"), "lake", "sales.parquet")
    return s3


def test_one_shared_copy_with_only_the_columns_read(lake, make_project, tool_cache, s3_server, monkeypatch):
    root = make_project({"daily.yaml": DAILY, "regions.yaml": REGIONS})
    for old in copies(tool_cache):
        old.unlink()
    with FaultyProxy(s3_server) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        s3env.reset()
        build(root, BuildOptions(out=root / "_site"))
        first = object_gets(proxy)
        proxy.log.clear()
        build(root, BuildOptions(out=root / "_site", full=True))
        assert object_gets(proxy) == 0  # the rebuild reuses the local copy: no object read at all
    [copy] = copies(tool_cache)
    assert sorted(pq.read_schema(copy).names) == ["amount", "date", "region"]
    assert first > 0


def test_a_changed_object_is_fetched_again(lake, make_project, tool_cache, sample_data, tmp_path):
    root = make_project({"regions.yaml": REGIONS})
    build(root, BuildOptions(out=root / "_site"))
    before = copies(tool_cache)
    smaller = tmp_path / "north.parquet"
    duckdb.sql(f"COPY (SELECT * FROM '{sample_data / 'sales.parquet'}' WHERE region = 'North' LIMIT 7) "
               f"TO '{smaller}'")
    lake.upload_file(str(smaller), "lake", "sales.parquet")
    build(root, BuildOptions(out=root / "_site"))
    html = (root / "_site" / "reports" / "regions.html").read_text()
    assert 'data-testid="metric-value">7<' in html
    after = copies(tool_cache)
    assert len(after) == 1 and after != before  # the old copy was replaced


def test_a_changed_local_copy_is_fetched_again_and_the_build_says_so(lake, make_project, tool_cache):
    root = make_project({"regions.yaml": REGIONS})
    build(root, BuildOptions(out=root / "_site"))
    [copy] = copies(tool_cache)
    good = copy.read_bytes()
    duckdb.sql(f"COPY (SELECT 'North' AS region, 1.0 AS amount, DATE '2026-01-01' AS date FROM range(99999)) "
               f"TO '{copy}'")  # a copy whose bytes changed since it was fetched
    logged: list[str] = []

    build(root, BuildOptions(out=root / "_site", full=True), log=logged.append)

    html = (root / "_site" / "reports" / "regions.html").read_text()
    assert 'data-testid="metric-value">99,999<' not in html
    assert copy.read_bytes() == good
    assert (f"note: the local copy of s3://lake/sales.parquet in the cache ({copy}) did not match its recorded "
            "sha256; made it again") in logged


@pytest.mark.parametrize("key", ["orders/../../../../escaped/a.parquet", "orders//b.parquet", "orders/./c.parquet"])
def test_keys_with_dot_dot_or_empty_parts_are_refused_and_nothing_lands_outside_the_cache(
        s3, sample_data, make_project, tool_cache, key):
    s3.create_bucket(Bucket="lake")
    s3.upload_file(str(sample_data / "sales.parquet"), "lake", "orders/good.parquet")
    s3.upload_file(str(sample_data / "sales.parquet"), "lake", key)
    assert key in [o["Key"] for o in s3.list_objects_v2(Bucket="lake")["Contents"]]  # stored as it is
    root = make_project({"orders.yaml": """
        title: Orders
        data_source: "s3://lake/orders/"
        metrics:
          - name: Orders
            query: SELECT count(*) AS value FROM orders
        """})
    outside = sorted(p for p in tool_cache.parent.rglob("*") if not p.is_relative_to(tool_cache))

    with pytest.raises(ReportError) as caught:
        build(root, BuildOptions(out=root / "_site"))

    assert [str(p) for p in caught.value.problems] == [
        f"reports/orders.yaml:2:1 data_source: data source 's3://lake/orders/': the object key '{key}' has an "
        "empty, '.' or '..' part, which cannot be read safely; rename the object"]
    assert sorted(p for p in tool_cache.parent.rglob("*") if not p.is_relative_to(tool_cache)) == outside
    assert not (root / "_site").exists()


def test_the_local_copy_of_any_key_lies_inside_the_cache(tmp_path):
    from reportsite.sources.s3fetch import cache_path

    root = tmp_path / "cache"
    for key in ("../../etc/passwd", "a//b", "./x", "a/../../../y", "a\\..\\..\\z", "n\0ul", "é/" + "x" * 300):
        path = cache_path(root, f"s3://bucket/{key}")
        assert path.resolve().is_relative_to(root.resolve()), key
        assert all(len(part.encode()) < 200 for part in path.relative_to(root).parts)
    assert cache_path(root, "s3://bucket/year=2025/sales.parquet") == root / "bucket" / "year=2025" / "sales.parquet"


FILTERED = """
title: "Orders in $region"
data_source: "s3://lake/sales.parquet"
filters:
  - {name: region, options: [North, South]}
for_each: {parameter: channel, query: "SELECT DISTINCT channel FROM sales ORDER BY 1"}
metrics:
  - name: "Orders"
    query: "SELECT count(*) AS value FROM sales WHERE ($region IS NULL OR region = $region) AND channel = $channel"
"""


def test_a_filter_or_a_page_per_value_copies_only_the_columns_its_queries_read(lake, make_project, tool_cache,
                                                                              sample_data):
    """Planned as one pass for every choice and page: region and channel stay (a stand-in value would let DuckDB
    fold `$region IS NULL OR …` away), and the columns nothing reads are not copied."""
    root = make_project({"filtered.yaml": FILTERED})
    for old in copies(tool_cache):
        old.unlink()
    result = build(root, BuildOptions(out=root / "_site"))
    assert result.status == "ok"
    [copy] = copies(tool_cache)
    assert sorted(pq.read_schema(copy).names) == ["channel", "region"]
    assert len(pq.read_schema(sample_data / "sales.parquet").names) > 2
    page = (root / "_site" / "reports" / "filtered" / "online.html").read_text()
    expected = duckdb.sql(f"SELECT count(*) FROM '{sample_data / 'sales.parquet'}' WHERE channel = 'Online'").fetchall()[0]
    assert f'data-testid="metric-value">{expected[0]:,}<' in page
