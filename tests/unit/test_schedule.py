"""Which reports an hourly run rebuilds: update_frequency in the site's time zone, publish_hour."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path

import pytest

from reportsite.config import models, site_models
from reportsite.ops import schedule

UTC = dt.UTC


def local(text: str, zone: str = "UTC") -> dt.datetime:
    import zoneinfo

    return dt.datetime.fromisoformat(text).replace(tzinfo=zoneinfo.ZoneInfo(zone))


def test_the_schedule_knows_every_frequency_the_models_accept() -> None:
    assert typing.get_args(models.Frequency) == schedule.FREQUENCIES
    assert site_models.SiteConfig().publish_hour == schedule.DEFAULT_PUBLISH_HOUR == 6


# 2026-12-07 is a Monday; 2026-12-01 a Tuesday (and the 1st).
@pytest.mark.parametrize(("when", "due"), [
    ("2026-12-07 06:07", {"hourly", "daily", "weekly"}),
    ("2026-12-01 06:59", {"hourly", "daily", "monthly"}),
    ("2026-12-02 06:00", {"hourly", "daily"}),
    ("2026-12-07 07:07", {"hourly"}),
    ("2026-12-01 05:59", {"hourly"}),
])
def test_each_frequency_is_due_in_its_hour(when: str, due: set[str]) -> None:
    assert {f for f in schedule.FREQUENCIES if schedule.is_due(f, local(when))} == due


def test_publish_hour_moves_daily_weekly_and_monthly() -> None:
    assert schedule.is_due("daily", local("2026-12-02 18:30"), publish_hour=18)
    assert not schedule.is_due("daily", local("2026-12-02 06:30"), publish_hour=18)
    assert schedule.is_due("monthly", local("2026-12-01 00:10"), publish_hour=0)


REPORT = 'title: "{slug}"\nupdate_frequency: "{frequency}"\ntext: "x"\n'


def project(make_project, frequencies: dict[str, str], site: str = "") -> Path:  # type: ignore[no-untyped-def]
    reports = {f"{slug}.yaml": REPORT.format(slug=slug, frequency=f) for slug, f in frequencies.items()}
    return make_project(reports=reports, site_yaml=site or None)


def test_a_scheduled_run_rebuilds_the_reports_due_in_the_sites_time_zone(make_project) -> None:
    root = project(make_project, {"a_daily": "daily", "b_weekly": "weekly", "c_monthly": "monthly",
                                  "d_hourly": "hourly", "e_manual": "manual"},
                   site='title: "T"\ntimezone: "Europe/Zurich"\npublish_hour: 7\n')
    # 06:07 UTC is 07:07 in Zurich (CET, UTC+1): on a Monday, daily and weekly are due.
    monday = schedule.plan(root, "schedule", dt.datetime(2026, 12, 7, 6, 7, tzinfo=UTC))
    assert (monday.run, monday.reports) == (True, ["a_daily", "b_weekly", "d_hourly"])
    first = schedule.plan(root, "schedule", dt.datetime(2026, 12, 1, 6, 7, tzinfo=UTC))
    assert first.reports == ["a_daily", "c_monthly", "d_hourly"]
    # 07:07 UTC is 08:07 in Zurich: only the hourly report.
    assert schedule.plan(root, "schedule", dt.datetime(2026, 12, 7, 7, 7, tzinfo=UTC)).reports == ["d_hourly"]
    # In summer Zurich is UTC+2: 05:07 UTC is 07:07 there.
    assert "a_daily" in schedule.plan(root, "schedule", dt.datetime(2026, 7, 1, 5, 7, tzinfo=UTC)).reports


def test_push_and_dispatch_rebuild_whatever_changed(make_project) -> None:
    root = project(make_project, {"a": "manual", "b": "monthly"})
    for event in ("push", "workflow_dispatch"):
        result = schedule.plan(root, event, dt.datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
        assert (result.run, result.reports) == (True, [])
        assert result.summary().startswith(f"### Schedule\n\nA {event} run: every report whose inputs changed")


def test_a_run_with_nothing_due_says_so(make_project) -> None:
    root = project(make_project, {"a": "daily", "b": "manual"})
    result = schedule.plan(root, "schedule", dt.datetime(2026, 12, 2, 3, 7, tzinfo=UTC))
    assert (result.run, result.reports) == (False, [])
    assert result.summary() == (
        "### Schedule\n\nNothing is due at 2026-12-02 03:07 UTC: no report rebuilt, 0 uploads. Daily reports are "
        "due at 06:00, weekly ones on Mondays, monthly ones on the 1st.\n\n")


def test_a_file_the_schedule_cannot_read_is_due_so_the_build_reports_it(make_project) -> None:
    root = project(make_project, {"a": "daily"})
    (root / "reports" / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    (root / "reports" / "odd.yaml").write_text('title: "x"\nupdate_frequency: "fortnightly"\n', encoding="utf-8")
    result = schedule.plan(root, "schedule", dt.datetime(2026, 12, 2, 3, 7, tzinfo=UTC))
    assert result.reports == ["broken", "odd"]


def test_the_command_writes_the_outputs_and_the_summary(make_project, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = project(make_project, {"a": "daily", "h": "hourly"})
    outputs, summary = tmp_path / "out", tmp_path / "summary"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv(schedule.NOW_ENV, "2026-12-02T06:07:00+00:00")

    assert schedule.main(["--project", str(root), "--event", "schedule"]) == 0

    assert outputs.read_text() == "run=true\nreports=a h\n"
    assert summary.read_text().startswith("### Schedule\n\nDue at 2026-12-02 06:07 UTC: a (daily), h (hourly).")
    assert capsys.readouterr().out.startswith("Due at 2026-12-02 06:07 UTC")


def test_the_schedule_imports_nothing_but_pyyaml_and_the_standard_library() -> None:
    """The workflow's schedule job installs PyYAML and tzdata only."""
    import ast

    tree = ast.parse(Path(schedule.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
    standard = {"argparse", "datetime", "os", "sys", "zoneinfo", "dataclasses", "pathlib", "typing", "yaml", "re"}
    assert imported - {"__future__"} <= standard | {"reportsite"}
    # the one module of the package it uses (digests' schedules) imports only the standard library
    from reportsite.values import cadence

    inner = ast.parse(Path(cadence.__file__).read_text(encoding="utf-8"))
    assert {alias.name.split(".")[0] for node in ast.walk(inner) if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names if isinstance(node, ast.Import)} | {
        node.module.split(".")[0] for node in ast.walk(inner) if isinstance(node, ast.ImportFrom) and node.module
    } - {"__future__"} <= standard
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
