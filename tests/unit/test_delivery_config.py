"""Digests' schedules, alerts' conditions, and the mistakes in them: each one located message."""

from __future__ import annotations

import datetime as dt
import textwrap
import zoneinfo
from pathlib import Path

import pytest

from reportsite.config.delivery_rules import problems, warnings
from reportsite.config.project import load_project
from reportsite.errors import ConfigError
from reportsite.ops import schedule
from reportsite.values import cadence, conditions

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")


def at(text: str, zone: zoneinfo.ZoneInfo = ZURICH) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


# 2026-12-07 is a Monday
@pytest.mark.parametrize(("written", "now", "latest"), [
    ("weekly on monday at 08:00", "2026-12-07 09:41", "2026-12-07 08:00"),
    ("weekly on monday at 08:00", "2026-12-07 07:59", "2026-11-30 08:00"),
    ("weekly on Mon at 8:30", "2026-12-09 12:00", "2026-12-07 08:30"),
    ("daily at 07:30", "2026-12-07 07:29", "2026-12-06 07:30"),
    ("weekdays at 08:00", "2026-12-06 10:00", "2026-12-04 08:00"),  # a Sunday: Friday's
    ("monthly on the 1st at 08:00", "2026-12-07 09:00", "2026-12-01 08:00"),
    ("monthly on day 15", "2026-12-07 09:00", "2026-11-15 08:00"),
    ("daily at 02:30", "2026-03-29 03:30", "2026-03-29 02:30"),  # a time summer time skips still comes once
])
def test_a_schedule_finds_its_latest_moment(written: str, now: str, latest: str) -> None:
    assert cadence.parse(written).latest(at(now)) == at(latest)


@pytest.mark.parametrize(("written", "message"), [
    ("weekly on funday at 08:00", "'weekly on funday at 08:00': 'funday' is not a day of the week; use one of: "
                                  "monday, tuesday, wednesday, thursday, friday, saturday, sunday"),
    ("daily at 25:00", "'daily at 25:00': 25:00 is not a time of day (00:00 to 23:59)"),
    ("monthly on the 31st", "'monthly on the 31st': day 31 is not in every month; use a day from 1 to 28"),
    ("every monday", "'every monday' is not a schedule; write one like: daily at 07:30, weekdays at 08:00, weekly "
                     "on monday at 08:00, monthly on the 1st at 08:00"),
])
def test_a_schedule_that_cannot_be_read_says_what_is_expected(written: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        cadence.parse(written)
    assert str(caught.value) == message


@pytest.mark.parametrize(("written", "observed", "holds"), [
    ("value < 1000", 999.5, True), ("value < 1000", 1000, False), ("value < 1,000", None, False),
    ("change < -20%", -0.25, True), ("change < -20%", -0.2, False), ("rows > 0", 1, True), ("rows > 0", 0, False),
    ("value >= 5%", 0.05, True), ("value = 3", 3, True), ("value != 3", 3, False),
])
def test_a_condition_holds_or_not(written: str, observed: float | None, holds: bool) -> None:
    assert conditions.parse(written).holds(observed) is holds


def project(tmp_path: Path, site: str, reports: dict[str, str]) -> Path:
    (tmp_path / "site_src").mkdir(parents=True)
    (tmp_path / "site_src" / "site.yaml").write_text(textwrap.dedent(site), encoding="utf-8")
    (tmp_path / "reports").mkdir()
    for name, text in reports.items():
        (tmp_path / "reports" / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


SALES = """\
title: Sales
data_source: sales.parquet
metrics:
  - name: Revenue
    query: SELECT 1 AS value
alerts:
  - metric: Revenu
    when: "value < 1000"
    to: [owner@acme.example]
"""
MARGINS = """\
title: Margins
access: [finance]
data_source: sales.parquet
text: Private.
alerts:
  - query: SELECT 1 AS value
    when: "value > 0"
    to: [owner@acme.example]
    webhook_env: ALERT_HOOK
"""


def test_every_mistake_in_digests_and_alerts_is_one_located_message(tmp_path: Path) -> None:
    """Where a private report would go beyond its audiences: errors. Names that lead nowhere: warnings (a digest
    never stops the site from being published)."""
    root = project(tmp_path, """\
        title: Reports
        audiences:
          finance: {password_env: PW, emails: [cfo@acme.example]}
        digests:
          weekly:
            schedule: weekly on monday at 08:00
            reports: [sale, margins]
            to: [owner@acme.example]
          finance:
            schedule: daily at 07:00
            audience: financ
        """, {"sales": SALES, "margins": MARGINS})
    loaded = load_project(root)
    assert [str(p) for p in problems(loaded)] == [
        "site_src/site.yaml:7:21 digests.weekly.reports[1]: private: digest 'weekly': 'margins' is private and none "
        "of the digest's addresses is in the emails of its audiences (finance); it would reach no one: add the "
        "addresses to the audience's emails or leave the report out",
        "reports/margins.yaml:8:10 alerts[0].to[0]: private: 'owner@acme.example' is not in the emails of this "
        "private report's audiences (finance); its alerts go only to them",
        "reports/margins.yaml:9:5 alerts[0].webhook_env: private: a private report's alerts go only to its "
        "audiences' email addresses, never to a webhook",
    ]
    assert warnings(loaded) == [
        "site_src/site.yaml:7:15 digests.weekly.reports[0]: digest 'weekly': no report named 'sale' in reports/ "
        "(did you mean 'sales'?)",
        "site_src/site.yaml:11:5 digests.finance.audience: digest 'finance': unknown audience 'financ' (did you "
        "mean 'finance'?); site_src/site.yaml defines: finance",
        "reports/sales.yaml:7:5 alerts[0].metric: no metric named 'Revenu' (did you mean 'Revenue'?); the "
        "report's metrics: Revenue",
    ]


def test_a_condition_or_schedule_that_cannot_be_read_is_located(tmp_path: Path) -> None:
    root = project(tmp_path, """\
        title: Reports
        digests:
          weekly: {schedule: every monday, reports: [sales], to: [owner@acme.example]}
        """, {"sales": SALES.replace("value < 1000", "revenue < 1000")})
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert [str(p) for p in caught.value.problems] == [
        "site_src/site.yaml:3:12 digests.weekly.schedule: 'every monday' is not a schedule; write one like: daily "
        "at 07:30, weekdays at 08:00, weekly on monday at 08:00, monthly on the 1st at 08:00",
        "reports/sales.yaml:8:5 alerts[0].when: 'revenue < 1000': unknown measure 'revenue'; use one of: value, "
        "change, rows",
    ]


def test_a_digest_makes_its_hour_and_the_late_ones_after_it_due_with_its_reports(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(reports={"a.yaml": "title: A\nupdate_frequency: monthly\ntext: x\n",
                                 "b.yaml": "title: B\nupdate_frequency: manual\ntext: x\n"},
                        site_yaml="title: R\ntimezone: Europe/Zurich\ndigests:\n  weekly:\n"
                                  "    schedule: weekly on monday at 08:00\n    reports: [b]\n")
    runs = {when: schedule.plan(root, "schedule", at(when)) for when in
            ("2026-12-07 07:07", "2026-12-07 08:07", "2026-12-07 10:59", "2026-12-07 11:07", "2026-12-08 08:07")}
    assert {when: (p.run, p.reports, p.digests) for when, p in runs.items()} == {
        "2026-12-07 07:07": (False, [], []),
        "2026-12-07 08:07": (True, ["b"], ["weekly"]),
        "2026-12-07 10:59": (True, ["b"], ["weekly"]),  # a run almost three hours late still catches up
        "2026-12-07 11:07": (False, [], []),
        "2026-12-08 08:07": (False, [], []),
    }
    assert "Digests due: weekly (sent once, after the deploy)." in runs["2026-12-07 08:07"].summary()
