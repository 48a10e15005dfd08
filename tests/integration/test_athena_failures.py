"""engine: athena when things go wrong, and when nothing changed: throttling, a transient failure, a query past
the time limit (stopped on Athena), a failing query (one located line, as on DuckDB), sources Athena cannot read,
Glue tables, and an unchanged report that submits nothing. Against the loopback stand-in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.errors import ReportError
from tests.integration.test_athena_build import ATHENA_SITE, NOW, upload

pytestmark = pytest.mark.integration

REPORT = """
title: "Revenue"
data_source: "sales.parquet"
metrics:
  - name: "Revenue"
    query: "SELECT SUM(amount) AS value FROM sales"
tables:
  - name: "By region"
    query: "SELECT region, SUM(amount) AS revenue FROM sales GROUP BY region ORDER BY region"
"""


@pytest.fixture
def data(s3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    import duckdb

    folder = tmp_path / "data"
    folder.mkdir()
    duckdb.sql(f"COPY (SELECT ['North', 'South', 'East'][1 + i % 3] AS region, (i * 7) % 100 + 0.25 AS amount, "
               f"DATE '2026-01-01' + (i % 300)::INTEGER AS day FROM range(600) t(i)) TO '{folder / 'sales.parquet'}' "
               "(FORMAT parquet)")
    upload(s3, folder, "acme-data")
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://acme-data")
    return folder


def project(make_project, report: str = REPORT, site: str = "", engine: str = "athena",  # type: ignore[no-untyped-def]
            name: str = "project") -> Path:
    return make_project({"revenue.yaml": report}, site_yaml=f"engine: {engine}\n{site}{ATHENA_SITE}", name=name)


def test_throttled_calls_are_retried_with_backoff(athena, data, make_project):
    root = project(make_project)
    athena.throttle = 3

    result = build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)

    assert result.status == "ok"
    assert athena.throttled == 3
    assert len(athena.queries) == 3  # DESCRIBE, the metric, the table: each once


def test_a_query_that_fails_for_a_transient_reason_is_started_again(athena, data, make_project):
    root = project(make_project)
    athena.transient = 1

    result = build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)

    assert result.status == "ok"
    assert len(athena.queries) == 4  # the first one twice


def test_a_query_past_the_time_limit_is_stopped_on_athena_and_located(athena, data, make_project):
    root = project(make_project)
    assert build(root, BuildOptions(out=root / "_site"), now=lambda: NOW).status == "ok"
    before = (root / "_site" / "reports" / "revenue.html").read_bytes()
    athena.reset()
    athena.slow["SUM(amount) AS value"] = 600  # runs until it is stopped
    (root / "site_src" / "site.yaml").write_text(f"engine: athena\nquery_timeout_seconds: 5\n{ATHENA_SITE}")

    with pytest.raises(ReportError) as raised:
        build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)

    assert str(raised.value) == (
        "reports/revenue.yaml:5:5 metrics[0].query: metric 'Revenue': stopped after 5 s, the limit for one query "
        "(query_timeout_seconds in site_src/site.yaml); aggregate or filter earlier in the SQL, or raise the limit")
    slow = [e.id for e in athena.executions.values() if "SUM(amount) AS value" in e.sql]
    assert athena.stopped == slow and athena.executions[slow[0]].state == "CANCELLED"
    assert (root / "_site" / "reports" / "revenue.html").read_bytes() == before  # the good site stays


def test_a_failing_query_is_one_located_line_as_on_duckdb(athena, data, make_project):
    broken = REPORT.replace("SUM(amount) AS value", "SUM(amont) AS value")
    messages = {}
    for engine in ("duckdb", "athena"):
        root = project(make_project, broken, engine=engine, name=engine)
        with pytest.raises(ReportError) as raised:
            build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)
        messages[engine] = str(raised.value)

    assert messages["athena"] == messages["duckdb"]
    assert messages["athena"] == (
        "reports/revenue.yaml:5:24 metrics[0].query: metric 'Revenue': column 'amont' is not in the tables this "
        "query reads (did you mean 'amount'?) (SQL line 1, column 12)")
    assert sum("amont" in q for q in athena.queries) == 1  # submitted once, not retried


def test_sources_athena_cannot_read_are_refused_at_their_key(athena, data, make_project, tmp_path):
    import openpyxl

    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "targets.csv").write_text("region,target\nNorth,10\n")
    workbook = openpyxl.Workbook()
    workbook.active.append(["region", "budget"])
    workbook.active.append(["North", 5])
    workbook.save(tmp_path / "local" / "budget.xlsx")
    report = REPORT.replace('data_source: "sales.parquet"', f'''data_sources:
  sales: "sales.parquet"
  targets: "{tmp_path / 'local' / 'targets.csv'}"
  budget: {{path: "{tmp_path / 'local' / 'budget.xlsx'}"}}''')
    root = project(make_project, report)

    with pytest.raises(ReportError) as raised:
        build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)

    lines = str(raised.value).splitlines()
    assert lines[0].startswith("reports/revenue.yaml:4:3 data_sources.targets: data source ")
    assert lines[0].endswith("targets.csv' is a file on the build machine, which Athena cannot read (engine: "
                             "athena): write it to S3 as Parquet or CSV and name its s3:// URL, or set engine: "
                             "duckdb for this report")
    assert lines[1].startswith("reports/revenue.yaml:5:3 data_sources.budget: data source ")
    assert "budget.xlsx' is an Excel workbook, which Athena cannot read" in lines[1]
    assert len(lines) == 2
    assert athena.queries == []


def test_an_unchanged_report_submits_nothing(athena, data, make_project):
    root = project(make_project)
    assert build(root, BuildOptions(out=root / "_site"), now=lambda: NOW).status == "ok"
    submitted = len(athena.queries)

    again = build(root, BuildOptions(out=root / "_site"), now=lambda: NOW + dt.timedelta(minutes=5))

    assert again.status == "unchanged"
    assert len(athena.queries) == submitted


def test_engine_athena_without_a_workgroup_is_a_located_mistake(athena, data, make_project):
    root = make_project({"revenue.yaml": "engine: athena\n" + REPORT.lstrip()}, site_yaml="title: x\n")

    with pytest.raises(ReportError) as raised:
        build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)

    assert str(raised.value) == (
        "reports/revenue.yaml:1:1 engine: engine athena needs a workgroup whose engine is DuckDB: set athena: "
        "{workgroup: …, output_location: s3://…} in site_src/site.yaml or in this report")


GLUE_REPORT = """
title: "Orders"
data_source: "glue:sales_db.orders"
metrics:
  - name: "Orders"
    query: "SELECT count(*) AS value FROM orders"
"""


def glue_table(s3, data: Path) -> object:  # type: ignore[no-untyped-def]
    import boto3

    s3.upload_file(str(data / "sales.parquet"), "acme-data", "warehouse/orders/part-0.parquet")
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_database(DatabaseInput={"Name": "sales_db"})
    glue.create_table(DatabaseName="sales_db", TableInput={
        "Name": "orders", "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": {"Location": "s3://acme-data/warehouse/orders/", "Columns": [
            {"Name": "region", "Type": "string"}, {"Name": "amount", "Type": "double"},
            {"Name": "day", "Type": "date"}]}})
    return glue


def test_a_glue_table_is_a_source_on_athena_and_its_objects_are_its_fingerprint(athena, s3, data, make_project):
    glue_table(s3, data)
    root = project(make_project, GLUE_REPORT)

    assert build(root, BuildOptions(out=root / "_site"), now=lambda: NOW).status == "ok"
    html = (root / "_site" / "reports" / "revenue.html").read_text()
    assert 'data-testid="metric-value">600<' in html
    assert any('"sales_db"."orders"' in q for q in athena.queries)
    submitted = len(athena.queries)
    assert build(root, BuildOptions(out=root / "_site"), now=lambda: NOW).status == "unchanged"
    assert len(athena.queries) == submitted

    s3.upload_file(str(data / "sales.parquet"), "acme-data", "warehouse/orders/part-1.parquet")  # new data
    assert build(root, BuildOptions(out=root / "_site"), now=lambda: NOW).status == "ok"
    assert 'data-testid="metric-value">1,200<' in (root / "_site" / "reports" / "revenue.html").read_text()


def test_a_glue_table_on_duckdb_is_refused_at_its_key(athena, s3, data, make_project):
    glue_table(s3, data)
    root = project(make_project, GLUE_REPORT, engine="duckdb")

    with pytest.raises(ReportError) as raised:
        build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)

    assert str(raised.value) == ("reports/revenue.yaml:2:1 data_source: data source 'glue:sales_db.orders' is a "
                                 "Glue table, which only Athena reads: set engine: athena for this report")


def test_a_workgroup_that_does_not_exist_is_said_once(athena, data, make_project):
    root = make_project({"revenue.yaml": REPORT}, site_yaml="engine: athena\nathena: {workgroup: nowhere, "
                                                            "output_location: s3://athena-results/x/}\n")

    with pytest.raises(ReportError) as raised:
        build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)

    assert str(raised.value) == (
        "site_src/site.yaml athena: Athena workgroup 'nowhere': Athena refused StartQueryExecution "
        "(InvalidRequestException: WorkGroup nowhere is not found.) (reports/revenue.yaml runs on Athena)")
