"""The awkward test project (tests/fixtures/awkward) built and smoke-checked at desktop and phone width.

Each report is built into a site of its own, so a report that does not build (a chart type not drawn yet)
fails its own case and hides nothing about the others; each is built for an English, a German and a Swiss
reader (site.yaml, site.de-DE.yaml, site.de-CH.yaml). Every smoke check must pass: these pages are what
real data does to a report, and the checks are what a reader would notice.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from reportsite.build.builder import BuildOptions, build
from reportsite.config.models import ChartParams, ChartType
from reportsite.smoke.runner import run_smoke
from tests.support.awkward_data import FIXTURE, make_project

pytestmark = pytest.mark.browser

REPORTS = sorted(path.stem for path in (FIXTURE / "reports").glob("*.yaml"))
SITES = {"en-US": "site.yaml", "de-DE": "site.de-DE.yaml", "de-CH": "site.de-CH.yaml"}


@pytest.fixture
def session_browser(browser):  # type: ignore[no-untyped-def]
    return lambda: contextlib.nullcontext(browser)


def fixture_reports() -> list[dict[str, Any]]:
    return [yaml.safe_load((FIXTURE / "reports" / f"{name}.yaml").read_text(encoding="utf-8")) for name in REPORTS]


def test_the_fixture_uses_every_chart_type_and_option() -> None:
    charts = [chart for report in fixture_reports() for chart in report["charts"]]
    assert {chart["type"] for chart in charts} == set(get_args(ChartType))
    used = {key for chart in charts for key in chart["params"]}
    linked = {"link"}  # needs a for_each report beside it: tests/browser/test_explore.py
    assert used == set(ChartParams.model_fields) - linked, set(ChartParams.model_fields) - linked - used
    assert {chart["params"].get("stack") for chart in charts} >= {"grouped", "normalize"}
    metrics = [metric for report in fixture_reports() for metric in report.get("metrics", [])]
    assert {metric.get("format", "number") for metric in metrics} == {"number", "currency", "percent", "plain"}
    assert {metric.get("better", "higher") for metric in metrics} == {"higher", "lower"}
    assert any(table.get("columns") for report in fixture_reports() for table in report.get("tables", []))


@pytest.mark.parametrize("site", list(SITES))
@pytest.mark.parametrize("report", REPORTS)
def test_an_awkward_report_reads_right(report: str, site: str, tmp_path: Path, session_browser) -> None:
    root = make_project(tmp_path / "project", SITES[site], reports=[report])
    build(root, BuildOptions(out=root / "_site"))

    result = run_smoke(str(root / "_site"), session_browser)

    problems = [str(problem) for problem in result.problems]
    assert problems == [], "\n".join(["", *problems])
    checks = [c for c in result.checks if c.page == f"reports/{report}.html"]
    assert [c.viewport for c in checks] == ["desktop", "phone"]
    for check in checks:  # the reader checks saw the charts: every one drew, and tooltips were read
        assert check.charts_drawn == check.charts > 0 and check.tooltips > 0, check
