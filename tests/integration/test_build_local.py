"""build: the whole path on local files — output layout, reuse, atomic swap, --keep-going, --only."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.errors import ReportError

SALES_BY_REGION = """
title: "Regions"
description: "Revenue per region"
data_sources:
  orders: "sales_by_month/"
  customers: "customers.csv"
charts:
  - name: "Revenue by region"
    type: bar
    query: |
      SELECT c.region, SUM(o.amount) AS revenue
      FROM orders o JOIN customers c USING (customer_id)
      WHERE o.year = 2025
      GROUP BY 1 ORDER BY 1
    params: {x: region, y: revenue}
tables:
  - name: "By month"
    query: monthly.sql
"""


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def spec_values(site: Path, slug: str, chart_id: str = "chart-1") -> list[dict]:
    html = (site / "reports" / f"{slug}.html").read_text()
    body = re.search(rf'<script type="application/json" id="{chart_id}-spec">(.*?)</script>', html, re.S)
    assert body, f"{chart_id} not found in {slug}"
    return json.loads(body.group(1))["data"]["values"]


@pytest.fixture
def demo(make_project, sample_data) -> Path:
    return make_project(demo_reports=True, data_root=sample_data)


def test_demo_site_layout_and_manifest(built_demo):
    result, site = built_demo.result, built_demo.site
    assert result.status == "ok"
    assert {r.status for r in result.reports} == {"built"}
    manifest = json.loads((site / "manifest.json").read_text())
    assert manifest["status"] == "ok"
    family = [f"reports/product/{name}.html" for name in ("apron", "bagel-dozen", "cafe-crema")]  # first 3
    assert manifest["pages"] == ["index.html", "reports/customers.html", "reports/product.html", *family,
                                 "reports/products.html", "reports/sales.html"]
    for relative, info in manifest["files"].items():
        assert (site / relative).stat().st_size == info["size"]
    assets = sorted(re.sub(r"\.[0-9a-f]{12}\.", ".HASH.", p.name) for p in (site / "assets").iterdir())
    assert assets == ["filters.HASH.js", "search.HASH.js", "site.HASH.css", "site.HASH.js", "tables.HASH.js",
                      "theme.HASH.js", "vega.HASH.js", "words.HASH.js"]
    index = (site / "index.html").read_text()
    for slug in ("sales", "customers", "products", "product"):
        assert f'href="reports/{slug}.html"' in index
    for page in manifest["pages"]:
        html = (site / page).read_text()
        assert not re.search(r'(src|href)="(https?:)?//', html), f"{page} links outside the site"
    entry = manifest["reports"]["sales"]
    assert entry["data_modified"] and entry["fingerprint"] and entry["charts"] == 3


def test_chart_data_equals_the_sql_result(built_demo, sample_data):
    values = spec_values(built_demo.site, "sales")
    expected = dict(duckdb.sql(f"SELECT strftime(date, '%Y-%m-%d'), SUM(amount) FROM "
                               f"'{sample_data / 'sales.parquet'}' GROUP BY 1").fetchall())
    day = {v["date"]: v["sales"] for v in values}  # dates arrive as wall-clock instants in milliseconds
    assert {dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d"): pytest.approx(total)
            for ms, total in day.items()} == expected


def test_second_build_with_nothing_changed_writes_nothing(demo_copy):
    demo = demo_copy  # built once already
    before = {p: p.stat().st_mtime_ns for p in (demo / "_site").rglob("*")}
    result = build(demo, BuildOptions(out=Path("_site")))
    assert result.status == "unchanged"
    assert {p: p.stat().st_mtime_ns for p in (demo / "_site").rglob("*")} == before


def test_changing_one_report_rebuilds_only_that_report(demo_copy):
    demo = demo_copy  # built once already
    before = snapshot(demo / "_site")
    path = demo / "reports" / "products.yaml"
    path.write_text(path.read_text().replace('title: "Products"', 'title: "Our Products"'))
    result = build(demo, BuildOptions(out=Path("_site")))
    status = {r.slug: r.status for r in result.reports}
    assert status == {"customers": "unchanged", "products": "built", "sales": "unchanged", "product": "unchanged"}
    after = snapshot(demo / "_site")
    assert after["reports/sales.html"] == before["reports/sales.html"]
    assert b"Our Products" in after["reports/products.html"] and b"Our Products" in after["index.html"]


def test_changed_data_rebuilds_the_reports_that_read_it(demo, sample_data, tmp_path):
    data = tmp_path / "data"
    import shutil

    shutil.copytree(sample_data, data)
    (demo / "site_src" / "site.yaml").write_text(f'title: "T"\ndata_root: "{data}"\n')
    build(demo, BuildOptions(out=Path("_site")))
    duckdb.sql(f"COPY (SELECT * FROM '{data / 'products.parquet'}' WHERE product_id <= 20) "
               f"TO '{data / 'products.new.parquet'}'")
    (data / "products.new.parquet").replace(data / "products.parquet")
    result = build(demo, BuildOptions(out=Path("_site")))
    assert {r.slug: r.status for r in result.reports}["products"] == "built"
    assert {r.slug: r.status for r in result.reports}["customers"] == "unchanged"


def test_failed_build_leaves_the_previous_site_untouched(demo_copy):
    demo = demo_copy  # built once already
    before = snapshot(demo / "_site")
    path = demo / "reports" / "sales.yaml"
    path.write_text(path.read_text().replace("SUM(amount) as sales", "SUM(amount) as sale"))
    with pytest.raises(ReportError) as error:
        build(demo, BuildOptions(out=Path("_site")))
    assert "charts[0].params.y: column 'sales' is not in the query result (did you mean 'sale'?)" in str(error.value)
    assert snapshot(demo / "_site") == before
    assert not [p for p in demo.iterdir() if ".staging" in p.name or ".old" in p.name]


def test_keep_going_marks_failed_reports_and_the_build_partial(demo):
    path = demo / "reports" / "customers.yaml"
    path.write_text(path.read_text().replace("FROM customers GROUP BY 1", "FROM customer GROUP BY 1"))
    result = build(demo, BuildOptions(out=Path("_site"), keep_going=True))
    assert result.status == "partial"
    assert {r.slug: r.status for r in result.reports}["customers"] == "failed"
    site = demo / "_site"
    assert json.loads((site / "manifest.json").read_text())["status"] == "partial"
    page = (site / "reports" / "customers.html").read_text()
    assert 'data-testid="report-error"' in page and "table &#39;customer&#39; is not defined" in page
    assert "Build failed" in (site / "index.html").read_text()


def test_only_rebuilds_selected_reports_and_keeps_the_others(demo_copy):
    demo = demo_copy  # built once already
    before = snapshot(demo / "_site")
    result = build(demo, BuildOptions(out=Path("_site"), only=["sales"], full=True))
    assert {r.slug: r.status for r in result.reports} == {"sales": "built", "customers": "unchanged",
                                                          "products": "unchanged", "product": "unchanged"}
    after = snapshot(demo / "_site")
    assert after["reports/customers.html"] == before["reports/customers.html"]
    assert set(json.loads(after["manifest.json"])["reports"]) == {"sales", "customers", "products", "product"}


def test_only_without_a_previous_site_still_builds_every_report(demo):
    result = build(demo, BuildOptions(out=Path("_site"), only=["sales"]))
    assert {r.slug: r.status for r in result.reports} == {"sales": "built", "customers": "built",
                                                          "products": "built", "product": "built"}
    assert (demo / "_site" / "reports" / "customers.html").exists()


def test_hive_partitions_csv_joins_and_sql_files(make_project, sample_data):
    root = make_project({"regions.yaml": SALES_BY_REGION}, data_root=sample_data)
    (root / "reports" / "monthly.sql").write_text(
        "SELECT year, month, count(*) AS orders\nFROM orders\nGROUP BY ALL ORDER BY ALL\n")
    build(root, BuildOptions(out=Path("_site")))
    values = spec_values(root / "_site", "regions")
    expected = duckdb.sql(
        f"SELECT c.region, SUM(o.amount) FROM '{sample_data / 'sales.parquet'}' o "
        f"JOIN '{sample_data / 'customers.csv'}' c USING (customer_id) WHERE year(o.date) = 2025 GROUP BY 1"
    ).fetchall()
    assert {v["region"]: pytest.approx(v["revenue"]) for v in values} == dict(expected)
    csv = next((root / "_site" / "data" / "regions").glob("table-1-*.csv")).read_text("utf-8-sig").splitlines()
    assert csv[0] == "year,month,orders" and len(csv) == 1 + 34


def test_parameters_are_bound_not_pasted(make_project, sample_data):
    report = """
    title: "Params"
    data_source: "sales.parquet"
    parameters:
      region: "North' OR '1'='1"
    metrics:
      - name: "Orders"
        query: "SELECT count(*) AS value FROM sales WHERE region = $region"
    """
    root = make_project({"p.yaml": report}, data_root=sample_data)
    build(root, BuildOptions(out=Path("_site")))
    html = (root / "_site" / "reports" / "p.html").read_text()
    assert re.search(r'data-testid="metric-value">0<', html)


def test_glob_source(make_project, sample_data):
    report = """
    title: "Glob"
    data_source: "sales_by_month/**/*.parquet"
    metrics:
      - name: "Orders"
        query: "SELECT count(*) AS value FROM sales_by_month"
    """
    root = make_project({"g.yaml": report}, data_root=sample_data)
    build(root, BuildOptions(out=Path("_site")))
    html = (root / "_site" / "reports" / "g.html").read_text()
    assert 'data-testid="metric-value">20,000<' in html


def test_stale_data_is_a_warning_and_fails_under_strict(make_project, sample_data, tmp_path):
    import os
    import shutil

    data = tmp_path / "old-data"
    shutil.copytree(sample_data, data)
    week_ago = (data / "sales.parquet").stat().st_mtime - 7 * 86400
    os.utime(data / "sales.parquet", (week_ago, week_ago))
    root = make_project({"s.yaml": 'title: S\nupdate_frequency: daily\ndata_source: "sales.parquet"\n'
                                   'metrics:\n  - name: N\n    query: SELECT count(*) AS value FROM sales\n'},
                        data_root=data)
    with pytest.raises(ReportError) as error:
        build(root, BuildOptions(out=Path("_site"), strict=True))
    message = str(error.value)
    assert message.startswith("reports/s.yaml:3:1 data_source: data source 'sales.parquet' was last modified ")
    assert "(7.0 days ago), older than twice the update_frequency (daily)" in message
    assert message.endswith("(warning; --strict treats warnings as errors)")
    assert not (root / "_site").exists()
    result = build(root, BuildOptions(out=Path("_site")))
    assert result.status == "ok" and result.reports[0].warnings
    assert "Stale data" in (root / "_site" / "index.html").read_text()


def test_build_reports_every_problem_of_every_file_in_one_run(demo):
    (demo / "reports" / "typo.yaml").write_text("title: T\ncharts:\n  - name: C\n    type: lines\n")
    path = demo / "reports" / "products.yaml"
    join = "FROM sales s JOIN products p USING (product_id)\n      GROUP BY 1 ORDER BY 2 DESC\n"
    path.write_text(path.read_text().replace(join, join.replace("products p", "product p"), 1))
    with pytest.raises(ReportError) as error:
        build(demo, BuildOptions(out=Path("_site"), keep_going=True))
    lines = str(error.value).splitlines()
    assert any(line.startswith("reports/typo.yaml:4:5 charts[0].type: unknown chart type 'lines'") for line in lines)
    assert any(line.startswith("reports/products.yaml:") and "table 'product' is not defined" in line for line in lines)
    assert not (demo / "_site").exists()


def test_unusual_column_types_render_and_download(make_project, sample_data):
    report = """
    title: "Types"
    metrics:
      - name: "Day"
        query: "SELECT DATE '2025-01-02' AS value"
    tables:
      - name: "Odd types"
        query: |
          SELECT [1, 2] AS list_col, {'a': 1} AS struct_col, MAP {'k': 'v'} AS map_col, INTERVAL 3 DAY AS dur,
                 TIME '10:00' AS tm, 12345678901234567890::HUGEINT AS big, NULL AS nothing, 'x'::BLOB AS blob_col
    """
    root = make_project({"types.yaml": report}, data_root=sample_data)
    build(root, BuildOptions(out=Path("_site")))
    csv = (root / "_site" / "data" / "types" / "table-1-odd-types.csv").read_text("utf-8-sig").splitlines()
    assert csv == ["list_col,struct_col,map_col,dur,tm,big,nothing,blob_col",
                   '"[1, 2]","{""a"": 1}","{""k"": ""v""}",3 days,10:00:00,12345678901234567890,,x']
    html = (root / "_site" / "reports" / "types.html").read_text()
    assert 'data-testid="metric-value">Jan 2, 2025<' in html and "{&#34;a&#34;: 1}" in html
