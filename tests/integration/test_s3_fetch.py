"""S3 sources are fetched once, column-pruned, into the local cache and shared by every query."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from reportsite import s3env
from reportsite.build import BuildOptions, build
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
