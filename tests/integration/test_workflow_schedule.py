"""publish.yml's hourly schedule, run here run after run: nothing due, a run GitHub started late after dropping
one, the catch-up recorded, a due run with unchanged data, a failing push; the bill and the team's messages.

The runner, the loopback AWS and the helpers are test_workflows.py's (see its docstring).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration import test_workflows
from tests.integration.test_workflows import (
    DECIDE_STEPS,
    TARGET,
    UNCHANGED_STEPS,
    Aws,
    Publish,
    publish_vars,
    site_keys,
    summary,
)
from tests.support.gateway import serve_target
from tests.support.workflow_runner import Runner

pytestmark = pytest.mark.integration
aws, checkout = test_workflows.aws, test_workflows.checkout  # its fixtures, here too


# ---------------------------------------------------------------- the hourly schedule, the bill, the messages

NOTIFY = "notify:\n  webhook_env: NOTIFY_WEBHOOK_URL\n  format: json\n"
RUN_URL = "https://github.com/acme/reports/actions/runs/{}"


def with_notify(run: Publish) -> Publish:
    """Every job's checkout gets site.yaml's `notify` (the same site.yaml in every run, as in one repository)."""
    for runner in run.runners.values():
        site = runner.project / "site_src" / "site.yaml"
        site.write_text(site.read_text(encoding="utf-8") + NOTIFY, encoding="utf-8")
    return run


def double_the_sales(aws: Aws, sample_data: Path, tmp_path: Path) -> None:
    """New data: every amount in sales.parquet doubled (every report reads it)."""
    import duckdb

    changed = tmp_path / "sales.parquet"
    source = (sample_data / "sales.parquet").as_posix()
    duckdb.sql(f"COPY (SELECT * REPLACE (amount * 2 AS amount) FROM '{source}') TO '{changed.as_posix()}'")
    aws.s3.upload_file(str(changed), "data", "demo/sales.parquet")


def uploaded(runner: Runner) -> list[str]:
    """The files the deploy step's summary lists as uploaded."""
    return re.findall(r"^\| upload \| `([^`]+)` \|", summary(runner), flags=re.MULTILINE)


@pytest.mark.browser
def test_the_hourly_schedule_catches_up_late_runs_rebuilds_only_what_changed_and_tells_the_team(
        aws: Aws, checkout, tmp_path: Path, sample_data: Path) -> None:
    from tests.support.webhook import webhook_receiver

    with serve_target(TARGET, aws.s3) as gateway, webhook_receiver() as receiver:
        def run(run_id: str, event: str, now: str) -> Publish:
            return with_notify(Publish(checkout, tmp_path, run_id, publish_vars(gateway.url), event, roles=aws.roles,
                                       environments={"production": secrets, "notifications": secrets}, now=now))

        def etags() -> dict[str, str]:
            return {key: aws.s3.head_object(Bucket="site", Key=key)["ETag"] for key in site_keys(aws)}

        secrets = {"NOTIFY_WEBHOOK_URL": receiver.url}
        first = run("1", "push", "2026-12-01T12:07:00+00:00")  # a Tuesday; the push covers every report
        assert first.run()
        published = etags()
        assert receiver.posts[0]["event"] == "published" and len(receiver.posts[0]["reports"]) == 4
        assert "### Estimated monthly bill" in summary(first.build) and "### Estimated monthly bill" in \
            summary(first.deploy)

        # 03:07 UTC the next day: the demo reports are daily and weekly (publish_hour 6, UTC): nothing is due,
        # and the run stops after deciding so, in one job, with nothing installed and no AWS access.
        double_the_sales(aws, sample_data, tmp_path)
        quiet = run("2", "schedule", "2026-12-02T03:07:00+00:00")
        assert not quiet.run()

        assert quiet.build.steps == DECIDE_STEPS and quiet.build.assumed == [] and quiet.build.saved == []
        assert summary(quiet.build).startswith("### Schedule\n\nNothing is due at 2026-12-02 03:07 UTC: no report "
                                               "rebuilt, 0 uploads.")
        assert quiet.deploy.steps == quiet.failed.steps == []
        assert etags() == published and len(receiver.posts) == 1  # nothing published, nothing posted

        # GitHub dropped the 06:07 run and started the next one late, at 07:02: the daily reports are caught up
        # (their data changed); the weekly one (customers) is not due.
        late = run("3", "schedule", "2026-12-02T07:02:00+00:00")
        assert late.run()

        catching = "daily, catching up 2026-12-02 06:00"
        assert summary(late.build).startswith(f"### Schedule\n\nDue at 2026-12-02 07:02 UTC: product ({catching}), "
                                              f"products ({catching}), sales ({catching}).")
        built = summary(late.build)
        assert "| products | built |" in built and "| sales | built |" in built and "| customers | unchanged |" in built
        now = etags()
        pages = [key.split("/", 1)[1] for key in now if "/reports/" in key and now[key] != published.get(key)
                 and "/reports/product/" not in key and not key.endswith("/reports/product.html")]  # product pages
        assert sorted(pages) == ["reports/products.html", "reports/sales.html"]  # customers (weekly) left alone
        assert uploaded(late.deploy)  # the deploy summary lists what it uploaded
        assert "### Estimated monthly bill" in summary(late.deploy)
        message = receiver.posts[1]
        assert (message["event"], message["run_url"]) == ("published", RUN_URL.format(3))
        assert [r["slug"] for r in message["reports"] if r["slug"] != "product"] == ["products", "sales"]
        sales = next(r for r in message["reports"] if r["slug"] == "sales")
        assert sales["url"] == f"{gateway.url}reports/sales.html"
        assert [m["name"] for m in sales["metrics"]] == ["Revenue, last full month", "Orders, last full month",
                                                         "Average order value", "Revenue, all time",
                                                         "Revenue, All time"]
        assert all(m["value"] for m in sales["metrics"]) and all(m["change"] for m in sales["metrics"][:3])

        # The next hour: the deploy job recorded the catch-up, so nothing is due.
        assert not run("4", "schedule", "2026-12-02T08:07:00+00:00").run()

        # The next day at 06:07 the daily reports are due but their data did not change: the build finds the site
        # it published, ends the run in one job and records it; the next hour has nothing due.
        same = run("5", "schedule", "2026-12-03T06:07:00+00:00")
        assert not same.run()
        assert same.build.steps == UNCHANGED_STEPS and same.deploy.steps == []
        assert "| sales | unchanged |" in summary(same.build) and etags() == now and len(receiver.posts) == 2
        assert not run("6", "schedule", "2026-12-03T07:07:00+00:00").run()

        # A push that breaks a report: the run fails before anything is published; the team gets the error.
        broken = run("7", "push", "2026-12-03T09:00:00+00:00")
        report = broken.build.project / "reports" / "sales.yaml"
        report.write_text(report.read_text(encoding="utf-8").replace("SUM(amount) AS revenue",
                                                                     "SUM(amount_typo) AS revenue"))
        with pytest.raises(pytest.fail.Exception) as failed:
            broken.run()

        assert str(failed.value).startswith("build step 14 (Build) failed")
        assert broken.deploy.steps == [] and broken.failed.steps[-1] == "Post the error"
        error = receiver.posts[2]
        assert (error["event"], error["run_url"]) == ("failed", RUN_URL.format(7))
        assert error["error"].startswith("reports/sales.yaml:") and "amount_typo" in error["error"]
        assert "\n" not in error["error"] and len(receiver.posts) == 3
