"""The command line: build, serve, sample-data, schema — exit codes and output."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path

import pytest

from reportsite.cli.main import main
from tests.conftest import free_port
from tests.support.polling import fetch, wait_for


def test_build_writes_a_github_summary_then_nothing_changed(make_project, sample_data, tmp_path, capsys):
    root = make_project(demo_reports=True, data_root=sample_data)
    summary = tmp_path / "summary.md"
    assert main(["--project", str(root), "build", "--summary", str(summary)]) == 0
    assert "built 4 report(s)" in capsys.readouterr().err
    text = summary.read_text()
    assert "| report | status | rows | seconds |" in text and "| sales | built |" in text
    assert main(["--project", str(root), "build"]) == 0
    assert "nothing changed" in capsys.readouterr().err


def test_user_error_exits_1_without_traceback(make_project, sample_data, capsys):
    root = make_project({"broken.yaml": "title: x\ncharts: {}\n"}, data_root=sample_data)
    assert main(["--project", str(root), "build"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "error: reports/broken.yaml:2:1 charts: expected a list" in err
    assert not (root / "_site").exists()


def test_keep_going_exits_1_and_says_the_build_is_partial(make_project, sample_data, capsys):
    bad = "title: Bad\ndata_source: sales.parquet\nmetrics:\n  - name: M\n    query: SELECT nope AS value\n"
    root = make_project({"bad.yaml": bad}, data_root=sample_data, demo_reports=True)
    assert main(["--project", str(root), "build", "--keep-going"]) == 1
    err = capsys.readouterr().err
    assert "1 report(s) failed" in err and "refuse to publish" in err
    assert json.loads((root / "_site" / "manifest.json").read_text())["status"] == "partial"


def test_unknown_only_slug_is_a_user_error(make_project, sample_data, capsys):
    root = make_project(demo_reports=True, data_root=sample_data)
    assert main(["--project", str(root), "build", "--only", "sale"]) == 1
    assert "no report named 'sale' in reports/ (did you mean 'sales'?)" in capsys.readouterr().err


def test_only_refuses_values_that_are_not_report_names(make_project, sample_data, capsys):
    root = make_project(demo_reports=True, data_root=sample_data)
    assert main(["--project", str(root), "build", "--only=--out"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: --only: '--out' is not a report name (report names are lowercase letters, digits, '-' and '_')",
        "1 problem(s); nothing was written."]
    assert main(["--project", str(root), "build", "--only", "sales", "../sales", "$(id)", "Sales", "sale"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: --only: '../sales' is not a report name (report names are lowercase letters, digits, '-' and '_')",
        "error: --only: '$(id)' is not a report name (report names are lowercase letters, digits, '-' and '_')",
        "error: --only: 'Sales' is not a report name (report names are lowercase letters, digits, '-' and '_')",
        "error: no report named 'sale' in reports/ (did you mean 'sales'?)",
        "4 problem(s); nothing was written."]
    assert not (root / "_site").exists()


def test_schema_prints_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    assert "charts" in schema["properties"] and "title" in schema["required"]


def test_sample_data_is_deterministic(tmp_path, capsys):
    def digest(folder: Path) -> str:
        import duckdb

        rows = duckdb.sql(f"SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY order_id)) FROM "
                          f"'{folder / 'sales.parquet'}' t").fetchall()
        return rows[0][0] + hashlib.sha256((folder / "customers.csv").read_bytes()).hexdigest()

    assert main(["--project", str(tmp_path), "sample-data", "--out", str(tmp_path / "a"), "--rows", "5000"]) == 0
    assert main(["--project", str(tmp_path), "sample-data", "--out", str(tmp_path / "b"), "--rows", "5000"]) == 0
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert "wrote 5,000 orders" in capsys.readouterr().err


def test_serve_previews_and_rebuilds_on_change(make_project, sample_data):
    from rich.console import Console

    from reportsite.cli.serve import serve

    report = 'title: "Sales Report"\ndata_source: sales.parquet\nmetrics:\n  - {name: N, query: "SELECT 1 AS value"}\n'
    root = make_project({"sales.yaml": report}, data_root=sample_data)  # one small report: the rebuilds are the point
    port, stop = free_port(), threading.Event()
    thread = threading.Thread(target=serve, args=(root, Path("_site"), port, Console(quiet=True), stop))
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}/"
        loaded = 120  # seconds: only bounds a hang; a rebuild takes about a second here, load stretches it
        assert wait_for(lambda: "Sales Report" in fetch(base + "index.html"), timeout=loaded)
        path = root / "reports" / "sales.yaml"
        path.write_text(path.read_text().replace('title: "Sales Report"', 'title: "Revenue Report"'))
        assert wait_for(lambda: "Revenue Report" in fetch(base + "reports/sales.html"), timeout=loaded)
        template = root / "site_src" / "templates" / "index.html"
        template.write_text(template.read_text().replace("{% block content %}", "{% block content %}<p>NEW</p>"))
        assert wait_for(lambda: "<p>NEW</p>" in fetch(base + "index.html"), timeout=loaded)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    with pytest.raises(OSError):
        fetch(f"http://127.0.0.1:{port}/index.html")


def test_check_prints_warnings_and_strict_fails_on_them(make_project, sample_data, tmp_path, capsys):
    import os
    import shutil

    data = tmp_path / "old"
    shutil.copytree(sample_data, data)
    old = (data / "products.parquet").stat().st_mtime - 20 * 86400
    os.utime(data / "products.parquet", (old, old))
    root = make_project(demo_reports=True, data_root=data)
    assert main(["--project", str(root), "check"]) == 0
    err = capsys.readouterr().err
    assert "warning: reports/products.yaml:" in err and "data source 'products.parquet' was last modified" in err
    assert re.search(r"4 report\(s\) valid, \d+ queries ran; 2 warning\(s\)", err), err
    assert main(["--project", str(root), "check", "--strict"]) == 1
    assert "(warning; --strict treats warnings as errors)" in capsys.readouterr().err
    assert not (root / "_site").exists()


def test_smoke_without_url_needs_base_url(make_project, sample_data, capsys):
    root = make_project(demo_reports=True, data_root=sample_data)
    assert main(["--project", str(root), "smoke"]) == 1
    assert "error: no site to check: pass --url URL or set base_url in site_src/site.yaml" in capsys.readouterr().err


def test_out_is_relative_to_where_the_command_runs(make_project, sample_data, tmp_path, monkeypatch):
    root = make_project(data_root=sample_data, demo_reports=True, name="xl")
    monkeypatch.chdir(root.parent)

    assert main(["--project", "xl", "build", "--out", "xl/_site"]) == 0

    assert (root / "_site" / "index.html").is_file()
    assert not (root / "xl").exists()  # not xl/xl/_site
