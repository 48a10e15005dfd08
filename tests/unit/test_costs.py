"""The month's bill: estimated from measured usage at the documented prices, checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportsite.config import prices
from reportsite.config.project import load_site
from reportsite.errors import ConfigError
from reportsite.ops import costs

GIB = 1024**3

# A hand-worked month:
#   storage   (2 + 8) GB × $0.023                                         = $0.23
#   requests  GET: 100 a run × 30 runs + 200,000 views × 3 files = 603,000 → × $0.0004/1000 = $0.2412
#             PUT: 20 a run × 30 runs = 600                              → × $0.005/1000  = $0.003
#   transfer  200,000 views × 768 KiB = 146.484375 GB, less 100 GB free = 46.484375 GB × $0.09 = $4.18359375
#   minutes   5 a run × 30 runs + 700 runs with nothing due × 1 = 850 min, under the 2,000 free = $0
#   total                                                                 = $4.65779375
USAGE = costs.Usage(site_bytes=2 * GIB, data_bytes=8 * GIB, page_bytes=768 * 1024, files_per_view=3, run_gets=100,
                    run_puts=20, run_minutes=5, runs_a_month=30, quiet_runs_a_month=700,
                    monthly_page_views=200_000)


def test_the_estimate_matches_a_hand_computed_month() -> None:
    bill = costs.estimate(USAGE, budget=50)

    assert [(item, round(usd, 8)) for item, _, usd in bill.lines] == [
        ("S3 storage", 0.23), ("S3 requests", 0.2442), ("Transfer out", 4.18359375), ("Actions minutes", 0.0)]
    assert bill.total == pytest.approx(4.65779375) and not bill.over_budget
    assert bill.lines[3][1] == "850 min (5 a run × 30.0 runs with reports due + 700 runs with nothing due × 1) of " \
                               "2,000 free"


def test_site_yaml_prices_override_the_table() -> None:
    # minutes: 850 × $0.006 = $5.10 with no free minutes; transfer: 46.484375 GB × $0.05 = $2.32421875
    bill = costs.estimate(USAGE, budget=5, overrides={"actions_free_minutes": 0, "transfer_out_gb": 0.05})

    assert [round(usd, 8) for _, _, usd in bill.lines] == [0.23, 0.2442, 2.32421875, 5.1]
    assert bill.total == pytest.approx(7.89841875) and bill.over_budget


def test_the_summary_warns_above_the_budget() -> None:
    text = costs.markdown(costs.estimate(USAGE, budget=4))
    assert "| **Total** | budget $4.00 | **$4.66** |" in text
    assert "> [!WARNING]\n> The estimate, $4.66 a month, is above the budget of $4.00 (monthly_budget" in text
    assert "[!WARNING]" not in costs.markdown(costs.estimate(USAGE, budget=50))


def test_every_price_is_documented_once() -> None:
    assert set(prices.PRICES) == set(prices.PRICE_TABLE)
    assert all(unit and source for _, unit, source in prices.PRICE_TABLE.values())


@pytest.mark.parametrize(("frequencies", "runs"), [
    (["hourly", "daily"], 8760 / 12), (["daily", "weekly", "monthly"], 365 / 12), (["weekly"], 52 / 12),
    (["monthly"], 1.0), (["weekly", "monthly"], (52 + 12 - 1) / 12),  # 1 June 2026 is a Monday
    (["manual"], 0.0), ([], 0.0)])
def test_scheduled_runs_a_month_follow_the_frequencies(frequencies: list[str], runs: float) -> None:
    assert costs.scheduled_runs_a_month(frequencies, "UTC", 6) == pytest.approx(runs)


def test_minutes_are_billed_per_started_minute() -> None:
    assert [costs.billed_minutes(s) for s in (0, 1, 60, 61, 179)] == [1, 1, 1, 2, 3]


def test_usage_comes_from_the_built_site_and_its_manifest(make_project, tmp_path: Path) -> None:
    root = make_project(reports={"a.yaml": 'title: "A"\nupdate_frequency: "daily"\ntext: "x"\n'},
                        site_yaml="title: T\nmonthly_page_views: 5000\n")
    site = tmp_path / "_site"
    (site / "assets").mkdir(parents=True)
    (site / "reports").mkdir()
    (site / "index.html").write_bytes(b"i" * 1000)
    (site / "reports" / "a.html").write_bytes(b"a" * 3000)
    (site / "assets" / "site.css").write_bytes(b"c" * 500)
    (site / "assets" / "vega.js").write_bytes(b"v" * 1500)
    sources = [{"table": "t", "url": "s3://d/t.parquet", "files": 2, "bytes": 7000}]
    (site / "manifest.json").write_text(json.dumps({"pages": ["index.html", "reports/a.html"], "reports": {
        "a": {"sources": sources}, "b": {"sources": sources}}}))

    usage = costs.usage_of_run(root, site, job_minutes=4, run_puts=6, run_gets=10)

    manifest_bytes = (site / "manifest.json").stat().st_size
    assert usage.site_bytes == 6000 + manifest_bytes and usage.data_bytes == 7000  # one source, counted once
    assert usage.page_bytes == 2000 + 2000 and usage.files_per_view == 3  # the mean page and both assets
    assert usage.run_gets == 12 and usage.monthly_page_views == 5000
    assert usage.runs_a_month == pytest.approx(365 / 12)
    assert usage.quiet_runs_a_month == pytest.approx((8760 - 365) / 12)  # every other hourly run: one minute


def test_an_unknown_price_in_site_yaml_is_named(make_project) -> None:
    root = make_project(site_yaml="prices:\n  s3_storage: 0.02\n")
    with pytest.raises(ConfigError) as error:
        load_site(root)
    assert str(error.value.problems[0]) == (
        "site_src/site.yaml:1:1 prices: unknown price 's3_storage'; known: s3_storage_gb_month, s3_put_per_1000, "
        "s3_get_per_1000, transfer_out_gb, transfer_free_gb, actions_minute, actions_free_minutes, "
        "athena_tb_scanned")


def test_a_50_report_site_with_one_hourly_report_stays_within_the_free_minutes() -> None:
    """The README's case (its Cost section): every hour the hourly report is due; measured on the workflow runner,
    a run that rebuilds a report and deploys it is two jobs of one billed minute each. Once a day the 49 daily
    reports are due with it (a build of 4 minutes, estimated). Worst case: the hourly data changes every hour."""
    runs = costs.scheduled_runs_a_month(["hourly"] + ["daily"] * 49, "UTC", 6)
    assert runs == pytest.approx(8760 / 12)  # a report is due every hour: no run is quiet
    hourly = costs.Usage(site_bytes=0, data_bytes=0, page_bytes=0, files_per_view=0, run_gets=0, run_puts=0,
                         run_minutes=1 + 1, runs_a_month=runs - 365 / 12, quiet_runs_a_month=0, monthly_page_views=0)
    daily = costs.Usage(site_bytes=0, data_bytes=0, page_bytes=0, files_per_view=0, run_gets=0, run_puts=0,
                        run_minutes=4 + 1, runs_a_month=365 / 12, quiet_runs_a_month=0, monthly_page_views=0)
    minutes = sum(float(line[1].split(" min")[0].replace(",", "")) for usage in (hourly, daily)
                  for line in costs.estimate(usage, budget=50).lines if line[0] == "Actions minutes")
    assert minutes == pytest.approx(2 * (730 - 365 / 12) + 5 * 365 / 12, abs=1) and minutes < 2000


def test_athena_scans_are_priced_per_tb_for_every_run() -> None:
    # 40 GB a run (1e9 bytes each) × 30 runs = 1.2 TB × $5 = $6 on top of the hand-worked month
    bill = costs.estimate(costs.Usage(**{**USAGE.__dict__, "athena_bytes": 40 * 10**9}), budget=50)

    assert bill.lines[-1][0] == "Athena" and bill.lines[-1][2] == pytest.approx(6.0)
    assert bill.lines[-1][1] == "1.2000 TB scanned (40.0 GB a run × 30.0 runs) × $5.0/TB"
    assert bill.total == pytest.approx(costs.estimate(USAGE, budget=50).total + 6.0)
