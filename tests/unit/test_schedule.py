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

    at = "2026-12-02T06:07:00+00:00"
    assert outputs.read_text() == (f'run=true\nreports=a h\ncovered={{"a":"{at}","h":"{at}"}}\npublished=\n'
                                   'digests=\ndelivered={}\n')
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
    standard = {"argparse", "datetime", "os", "sys", "zoneinfo", "dataclasses", "pathlib", "typing", "yaml", "re",
                "hashlib", "json"}
    assert imported - {"__future__"} <= standard | {"reportsite"}
    # the one module of the package it uses (digests' schedules) imports only the standard library
    from reportsite.values import cadence

    inner = ast.parse(Path(cadence.__file__).read_text(encoding="utf-8"))
    assert {alias.name.split(".")[0] for node in ast.walk(inner) if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names if isinstance(node, ast.Import)} | {
        node.module.split(".")[0] for node in ast.walk(inner) if isinstance(node, ast.ImportFrom) and node.module
    } - {"__future__"} <= standard
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))


# ---------------------------------------------------------------- catching up: late and dropped runs


@pytest.mark.parametrize(("frequency", "when", "latest"), [
    ("hourly", "2026-12-02 06:59", "2026-12-02 06:00"),
    ("daily", "2026-12-02 05:59", "2026-12-01 06:00"),
    ("daily", "2026-12-02 06:00", "2026-12-02 06:00"),
    ("weekly", "2026-12-07 05:00", "2026-11-30 06:00"),  # a Monday before publish_hour: the Monday before
    ("weekly", "2026-12-09 23:00", "2026-12-07 06:00"),
    ("monthly", "2026-12-01 05:00", "2026-11-01 06:00"),
    ("monthly", "2026-12-31 23:00", "2026-12-01 06:00"),
    ("manual", "2026-12-31 23:00", None),
])
def test_the_last_due_time_of_each_frequency(frequency: str, when: str, latest: str | None) -> None:
    found = schedule.last_due(frequency, local(when))
    assert (found and f"{found:%Y-%m-%d %H:%M}") == latest


def covered(**slugs: str) -> schedule.Record:
    return schedule.Record({slug: dt.datetime.fromisoformat(t) for slug, t in slugs.items()})


def test_a_late_run_builds_what_the_missed_hour_was_due_for(make_project) -> None:
    """GitHub starts the 06:07 run at 07:02: the daily report is still due, and says which time it catches up."""
    root = project(make_project, {"d": "daily", "h": "hourly", "w": "weekly"})
    record = covered(d="2026-06-14T06:07:00+00:00", h="2026-06-15T06:30:00+00:00", w="2026-06-08T06:07:00+00:00")

    late = schedule.plan(root, "schedule", dt.datetime(2026, 6, 15, 7, 2, tzinfo=UTC), record)

    assert (late.run, late.reports) == (True, ["d", "h", "w"])  # 2026-06-15 is a Monday
    assert late.late == {"d": "2026-06-15 06:00", "w": "2026-06-15 06:00"}
    assert late.summary().startswith("### Schedule\n\nDue at 2026-06-15 07:02 UTC: d (daily, catching up "
                                     "2026-06-15 06:00), h (hourly), w (weekly, catching up 2026-06-15 06:00).")
    assert late.covered == {slug: "2026-06-15T07:02:00+00:00" for slug in "dhw"}
    # Without the record, the same run would have found only the hourly report due: a day lost.
    assert schedule.plan(root, "schedule", dt.datetime(2026, 6, 15, 7, 2, tzinfo=UTC)).reports == ["h"]


def test_a_dropped_run_is_caught_up_by_the_next_and_then_nothing_is_due(make_project) -> None:
    root = project(make_project, {"d": "daily", "m": "monthly", "x": "manual"})
    record = covered(d="2026-11-30T06:07:00+00:00", m="2026-11-01T06:07:00+00:00")
    # The runs of 1 December were all dropped; the next one GitHub starts is at 09:07 on the 2nd.
    caught = schedule.plan(root, "schedule", dt.datetime(2026, 12, 2, 9, 7, tzinfo=UTC), record)
    assert caught.reports == ["d", "m"] and "x" not in caught.covered

    after = schedule.plan(root, "schedule", dt.datetime(2026, 12, 2, 10, 7, tzinfo=UTC),
                          schedule.Record({k: dt.datetime.fromisoformat(v) for k, v in caught.covered.items()}))
    assert (after.run, after.reports) == (False, [])


def test_a_report_missing_from_the_record_is_due_and_push_covers_every_report(make_project) -> None:
    root = project(make_project, {"old": "daily", "new": "weekly"})
    record = covered(old="2026-12-02T06:07:00+00:00")
    assert schedule.plan(root, "schedule", dt.datetime(2026, 12, 2, 8, 7, tzinfo=UTC), record).reports == ["new"]

    push = schedule.plan(root, "push", dt.datetime(2026, 12, 2, 8, 7, tzinfo=UTC), record)
    assert push.covered == {"new": "2026-12-02T08:07:00+00:00", "old": "2026-12-02T08:07:00+00:00"}
    one = schedule.plan(root, "workflow_dispatch", dt.datetime(2026, 12, 2, 8, 7, tzinfo=UTC), record, ["new"])
    assert one.covered == {"new": "2026-12-02T08:07:00+00:00", "old": "2026-12-02T06:07:00+00:00"}


def test_the_record_keeps_the_covered_times_and_the_published_manifest(tmp_path: Path) -> None:
    site = tmp_path / "_site"
    site.mkdir()
    (site / "manifest.json").write_text('{"status": "ok"}')
    record = tmp_path / "record" / "schedule.json"

    assert schedule.main(["record", "--covered", '{"a":"2026-12-02T06:07:00+00:00"}', "--site", str(site),
                          "--out", str(record)]) == 0

    kept = schedule.read_record(record)
    assert kept is not None and kept.covered == {"a": dt.datetime(2026, 12, 2, 6, 7, tzinfo=UTC)}
    assert kept.published == schedule.manifest_digest(site) and len(kept.published) == 64
    record.write_text("not json")
    assert schedule.read_record(record) is None and schedule.read_record(tmp_path / "none.json") is None


DIGEST_SITE = ('title: "T"\ntimezone: "Europe/Zurich"\ndigests:\n  weekly:\n    schedule: "weekly on monday at 08:00"\n'
               '    reports: [w]\n    to: [a@b.example]\n')


def test_a_digest_is_due_in_its_window_until_a_run_has_delivered_it(make_project, tmp_path: Path) -> None:
    """The hours after a digest's moment rebuild for it only until one run has delivered it (the record)."""
    root = project(make_project, {"d": "daily", "w": "manual"}, site=DIGEST_SITE)
    record = covered(d="2026-12-07T06:07:00+00:00", w="2026-12-07T06:07:00+00:00")
    # Monday 08:00 in Zurich is 07:00 UTC; 08:07 UTC is still in the three hours after it
    first = schedule.plan(root, "schedule", dt.datetime(2026, 12, 7, 8, 7, tzinfo=UTC), record)
    assert (first.run, first.reports, first.digests) == (True, ["w"], ["weekly"])
    assert "Digests due: weekly" in first.summary()

    site = tmp_path / "_site"
    site.mkdir()
    (site / "manifest.json").write_text("{}")
    out = tmp_path / "record.json"
    schedule.write_record(json_of(first.covered), site, out, json_of(first.delivered), "weekly",
                          dt.datetime(2026, 12, 7, 8, 9, tzinfo=UTC))
    kept = schedule.read_record(out)
    assert kept is not None and kept.delivered == {"weekly": dt.datetime(2026, 12, 7, 8, 9, tzinfo=UTC)}

    later = schedule.plan(root, "schedule", dt.datetime(2026, 12, 7, 9, 7, tzinfo=UTC), kept)
    assert (later.run, later.digests) == (False, [])
    # a run that could not deliver it (an email that failed) leaves it due for the next one
    schedule.write_record(json_of(first.covered), site, out, json_of(first.delivered), "")
    unsent = schedule.read_record(out)
    assert unsent is not None and schedule.plan(root, "schedule", dt.datetime(2026, 12, 7, 9, 7, tzinfo=UTC),
                                                unsent).digests == ["weekly"]
    # next Monday the record's delivery is older than the new moment: due again, and the record carries it
    next_week = schedule.plan(root, "schedule", dt.datetime(2026, 12, 14, 7, 30, tzinfo=UTC), kept)
    assert next_week.digests == ["weekly"] and next_week.delivered == {"weekly": "2026-12-07T08:09:00+00:00"}


def json_of(value: object) -> str:
    import json

    return json.dumps(value)
