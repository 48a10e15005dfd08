"""check reuses what build knows: a report whose fingerprint equals the previous build's is not queried again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.build.checking import check_project
from reportsite.cli.main import main

REPORT = """
title: "{title}"
data_source: "sales.parquet"
charts:
  - name: "Revenue"
    type: bar
    query: "SELECT region, SUM(amount) AS revenue FROM sales GROUP BY 1 ORDER BY 1"
    params: {{x: region, y: revenue}}
"""


@pytest.fixture
def built(make_project, sample_data: Path, tmp_path: Path) -> Path:
    """Two reports over a copy of the sample sales (so the test can change the data), built once."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(sample_data / "sales.parquet", data / "sales.parquet")
    root = make_project({"a.yaml": REPORT.format(title="A"), "b.yaml": REPORT.format(title="B")}, data_root=data)
    assert build(root, BuildOptions(out=Path("_site"))).status == "ok"
    return root


def test_check_after_a_build_queries_only_what_changed(built: Path) -> None:
    assert str(check_project(built)) == ("2 report(s) valid, 0 queries ran; 2 report(s) unchanged since the build in "
                                         "_site were not queried again (--full queries every report)")

    report = built / "reports" / "b.yaml"
    report.write_text(report.read_text().replace("ORDER BY 1", "ORDER BY 2"))
    assert str(check_project(built)).startswith("2 report(s) valid, 1 queries ran; 1 report(s) unchanged")
    assert str(check_project(built, full=True)) == "2 report(s) valid, 2 queries ran"


def test_new_data_is_checked_again(built: Path) -> None:
    import duckdb

    data = built.parent / "data" / "sales.parquet"
    duckdb.sql(f"COPY (SELECT * FROM '{data}' LIMIT 100) TO '{data}.new' (FORMAT parquet)")
    Path(f"{data}.new").replace(data)

    assert str(check_project(built)) == "2 report(s) valid, 2 queries ran"


def test_a_broken_report_is_reported_even_when_the_others_are_unchanged(built: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    report = built / "reports" / "a.yaml"
    report.write_text(report.read_text().replace("SUM(amount)", "SUM(amount_typo)"))

    assert main(["--project", str(built), "check"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("error: reports/a.yaml:") and "amount_typo" in err


def test_without_a_previous_build_every_report_is_queried(built: Path) -> None:
    shutil.rmtree(built / "_site")
    assert str(check_project(built)) == "2 report(s) valid, 2 queries ran"
