"""Reports whose sources are s3:// URLs on the loopback S3 server, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from reportsite.build import BuildOptions, build

pytestmark = pytest.mark.integration

SEED = """
title: "Sales Report"
description: "Monthly sales analysis"
update_frequency: "daily"
data_source: "s3://bucket/sales.parquet"
charts:
  - name: "Sales Evolution"
    type: "line"
    query: "SELECT date, SUM(amount) as sales FROM sales GROUP BY 1"
    params:
      x: "date"
      y: "sales"
      title: "Monthly Sales"
"""


def chart_values(site: Path, slug: str, chart_id: str) -> list[dict]:
    html = (site / "reports" / f"{slug}.html").read_text()
    marker = f'<script type="application/json" id="{chart_id}-spec">'
    start = html.index(marker) + len(marker)
    spec = json.loads(html[start: html.index("</script>", start)])
    return spec["data"]["values"]


def test_seed_report_builds_from_s3_with_one_point_per_date(s3, sample_data, make_project):
    s3.create_bucket(Bucket="bucket")
    s3.upload_file(str(sample_data / "sales.parquet"), "bucket", "sales.parquet")
    root = make_project({"sales.yaml": SEED})

    result = build(root, BuildOptions(out=root / "_site"))

    assert result.status == "ok"
    values = chart_values(root / "_site", "sales", "chart-1")
    expected = duckdb.sql(
        f"SELECT strftime(date, '%Y-%m-%d') AS d, SUM(amount) AS s FROM '{sample_data / 'sales.parquet'}' GROUP BY 1"
    ).fetchall()
    assert len(values) == len(expected)
    by_date = {v["date"]: v["sales"] for v in values}
    assert len(by_date) == len(values)  # one point per date
    for day, total in expected:
        assert by_date[day] == pytest.approx(total)
