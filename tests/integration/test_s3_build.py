"""Reports whose sources are s3:// URLs on the loopback S3 server, end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from reportsite.build.builder import BuildOptions, build

pytestmark = pytest.mark.integration

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed_sales.yaml").read_text()  # verbatim


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
    by_date = {dt.datetime.fromtimestamp(v["date"] / 1000, dt.UTC).strftime("%Y-%m-%d"): v["sales"] for v in values}
    assert len(by_date) == len(values)  # one point per date
    for day, total in expected:
        assert by_date[day] == pytest.approx(total)


def upload_folder(s3, folder: Path, bucket: str, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"{prefix}{path.relative_to(folder).as_posix()}")


def metric_values(site: Path, slug: str) -> list[str]:
    import re

    html = (site / "reports" / f"{slug}.html").read_text()
    return re.findall(r'data-testid="metric-value">([^<]*)<', html)


def test_demo_reports_read_data_root_from_the_environment(s3, sample_data, make_project, monkeypatch, built_demo):
    s3.create_bucket(Bucket="acme-data")
    upload_folder(s3, sample_data, "acme-data", "warehouse/")
    local = built_demo.root  # the same reports over the local sample data, built once for the session
    remote = make_project(demo_reports=True, data_root="data", name="remote")
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://acme-data/warehouse")
    result = build(remote, BuildOptions(out=remote / "_site"))
    assert result.status == "ok"
    for slug in ("sales", "customers", "products"):
        assert metric_values(remote / "_site", slug) == metric_values(local / "_site", slug)
    sources = json.loads((remote / "_site" / "manifest.json").read_text())["reports"]["customers"]["sources"]
    assert [s["url"] for s in sources] == ["sales.parquet", "customers.csv"]


def test_hive_partitions_globs_and_csv_on_s3(s3, sample_data, make_project):
    s3.create_bucket(Bucket="lake")
    upload_folder(s3, sample_data / "sales_by_month", "lake", "orders/")
    s3.upload_file(str(sample_data / "customers.csv"), "lake", "ref/customers.csv")
    report = """
    title: "Lake"
    data_sources:
      orders: "s3://lake/orders/"
      orders_2025: "s3://lake/orders/**/year=2025/**/*.parquet"
      customers: "s3://lake/ref/customers.csv"
    metrics:
      - name: "Orders in 2025 (partition column)"
        query: "SELECT count(*) AS value FROM orders WHERE year = 2025"
      - name: "Orders in 2025 (glob)"
        query: "SELECT count(*) AS value FROM orders_2025"
      - name: "Wholesale orders"
        query: |
          SELECT count(*) AS value FROM orders o JOIN customers c USING (customer_id)
          WHERE c.segment = 'Wholesale'
    """
    root = make_project({"lake.yaml": report})
    build(root, BuildOptions(out=root / "_site"))
    sales, customers = sample_data / "sales.parquet", sample_data / "customers.csv"
    in_2025 = duckdb.sql(f"SELECT count(*) FROM '{sales}' WHERE year(date) = 2025").fetchall()[0][0]
    wholesale = duckdb.sql(f"SELECT count(*) FROM '{sales}' JOIN '{customers}' c USING (customer_id) "
                           "WHERE c.segment = 'Wholesale'").fetchall()[0][0]
    assert metric_values(root / "_site", "lake") == [f"{in_2025:,}", f"{in_2025:,}", f"{wholesale:,}"]


def test_credentials_never_reach_the_site(s3, sample_data, make_project, monkeypatch):
    s3.create_bucket(Bucket="bucket")
    s3.upload_file(str(sample_data / "sales.parquet"), "bucket", "sales.parquet")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRET-MARKER-0123456789")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMARKER0123")
    root = make_project({"sales.yaml": SEED})
    build(root, BuildOptions(out=root / "_site"))
    for path in (root / "_site").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"SECRET-MARKER" not in data and b"AKIAMARKER" not in data, path


def test_a_page_per_value_over_s3_without_a_cache_keeps_the_page_names_it_was_given(s3, sample_data, make_project):
    """A private report hides its values in its page names (``page_files``); run with no cache folder (a
    temporary one is used for the S3 copies), it must keep them."""
    from reportsite.build import report_run
    from reportsite.config.project import load_report, load_site
    from reportsite.sources.kinds import resolve_sources

    s3.create_bucket(Bucket="lake")
    s3.upload_file(str(sample_data / "sales.parquet"), "lake", "sales.parquet")
    root = make_project({"regions.yaml": """
title: "Regions"
data_source: "s3://lake/sales.parquet"
for_each: {parameter: region, query: "SELECT DISTINCT region FROM sales ORDER BY 1"}
metrics:
  - {name: Orders, query: "SELECT count(*) AS value FROM sales WHERE region = $region"}
"""})
    report = load_report(root, root / "reports" / "regions.yaml")
    site = load_site(root)

    def hidden(tokens: list[str]) -> dict[str, str]:
        return {token: f"page-{number}" for number, token in enumerate(tokens)}

    resolved = resolve_sources(report, str(root / "data"))
    page = report_run.run_report(report, site, resolved, None, dt.datetime.now(dt.UTC), cache=None,
                                 page_files=hidden)
    assert [member.file for member in page.members] == [f"page-{n}" for n in range(len(page.members))]
    assert len(page.members) > 1
