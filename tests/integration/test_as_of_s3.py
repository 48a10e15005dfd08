"""'Data as of' from an S3 source: its column is fetched with the ones the queries read."""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest

from reportsite.build.builder import BuildOptions, build

pytestmark = pytest.mark.integration

REPORT = """
title: "Orders"
data_source: "s3://lake/sales.parquet"
as_of: {table: sales, column: date}
metrics:
  - name: "Revenue"
    format: currency
    query: "SELECT SUM(amount) AS value FROM sales"
"""


def test_the_as_of_column_is_part_of_the_local_copy(s3, sample_data, make_project, tool_cache):
    s3.create_bucket(Bucket="lake")
    s3.upload_file(str(sample_data / "sales.parquet"), "lake", "sales.parquet")
    for old in (tool_cache / "s3" / "lake").glob("sales.parquet.*.parquet"):
        old.unlink()
    root = make_project({"orders.yaml": REPORT})
    build(root, BuildOptions(out=root / "_site"))
    [copy] = sorted((tool_cache / "s3" / "lake").glob("sales.parquet.*.parquet"))
    assert sorted(pq.read_schema(copy).names) == ["amount", "date"]
    newest = duckdb.sql(f"SELECT max(date) FROM '{sample_data / 'sales.parquet'}'").fetchall()[0][0]
    entry = json.loads((root / "_site" / "manifest.json").read_text())["reports"]["orders"]
    assert (entry["data_as_of_label"], entry["data_as_of_at"]) == ("Data as of", newest.isoformat())
    assert entry["data_as_of"] == f"{newest:%b} {newest.day}, {newest.year}"
