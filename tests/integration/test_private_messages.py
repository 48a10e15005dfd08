"""A private report's failed checks reach the GitHub job summary and the webhook only as where they are and
that they failed, naming the check by its key: never the values, rows or counts they found (the build's log
keeps those). A public report's checks keep their values."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportsite.cli.main import main
from tests.support.webhook import webhook_receiver

PASSWORD = "finance-horse-battery-staple"
SITE = """\
title: "Acme Reports"
data_root: "{data}"
audiences:
  finance: {{password_env: REPORTSITE_PASSWORD_FINANCE}}
notify:
  webhook_env: TEAM_HOOK
  format: json
"""
# Line 6 and 9 hold the two checks' keys: checks[0].unique and checks[1].min_rows.
REPORT = """\
title: "{title}"
data_source: "sales.parquet"
checks:
  - table: sales
    severity: {severity}
    unique: [region]
  - table: sales
    severity: {severity}
    min_rows: 100000000
metrics:
  - name: "Orders"
    query: "SELECT count(*) AS value FROM sales"
"""
# What the checks find in the sample data: the values that must not leave the log for a private report.
FOUND = ["South", "4118", "20000", "5 values"]
WITHHELD = "the details are withheld because the report is private (the build's log has them)"


@pytest.fixture
def project(make_project, sample_data, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REPORTSITE_PASSWORD_FINANCE", PASSWORD)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    monkeypatch.setenv("RUNNER_TEMP", str(runner_temp))

    def create(severity: str, public_too: bool = False) -> Path:
        reports = {"payroll.yaml": REPORT.format(title="Payroll", severity=severity) + "access: [finance]\n"}
        if public_too:
            reports["open.yaml"] = REPORT.format(title="Open", severity=severity)
        return make_project(reports, site_yaml=SITE.format(data=sample_data))  # type: ignore[no-any-return]

    return create


def posted_failure(root: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """What `reportsite notify --failed` posts after the failed command, as publish.yml's failed job runs it."""
    with webhook_receiver() as receiver:
        monkeypatch.setenv("TEAM_HOOK", receiver.url)
        assert main(["--project", str(root), "notify", "--failed"]) == 0
    assert len(receiver.posts) == 1
    return str(receiver.posts[0]["error"])


def test_the_job_summary_names_a_private_reports_failed_checks_without_their_values(project, tmp_path, capsys):
    root = project("warning", public_too=True)
    summary = tmp_path / "summary.md"

    assert main(["--project", str(root), "build", "--no-pdf", "--summary", str(summary)]) == 0

    lines = summary.read_text().splitlines()
    assert [line.rsplit("|", 2)[0] for line in lines if line.startswith(("| payroll", "| open"))] == [
        "| open | built | 1 ", "| payroll | built | — "]  # a private report's row count is data too
    private = [line for line in lines if line.startswith("- **payroll**")]
    assert private == [
        f"- **payroll**: reports/payroll.yaml:6:5 checks\\[0\\].unique: this data check failed; {escaped(WITHHELD)}",
        f"- **payroll**: reports/payroll.yaml:9:5 checks\\[1\\].min\\_rows: this data check failed; "
        f"{escaped(WITHHELD)}"]
    public = [line for line in lines if line.startswith("- **open**")]
    assert public == [
        "- **open**: reports/open.yaml:6:5 checks\\[0\\].unique: 5 values of \\(region\\) in table 'sales' occur "
        "more than once \\(e.g. region = 'South', 4118 times\\); each must be unique",
        "- **open**: reports/open.yaml:9:5 checks\\[1\\].min\\_rows: table 'sales' has 20000 rows; at least "
        "100000000 expected"]
    assert "checks[0].unique: 5 values of (region)" in capsys.readouterr().err.split("built payroll")[1]  # the log

    assert main(["--project", str(root), "build", "--no-pdf", "--summary", str(summary)]) == 0  # unchanged now
    assert not any(word in line for line in summary.read_text().splitlines() if "payroll" in line for word in FOUND)


def escaped(text: str) -> str:
    return text.replace("(", "\\(").replace(")", "\\)")


def test_the_webhook_hears_that_a_private_reports_check_failed_not_what_it_found(project, monkeypatch, capsys):
    root = project("error")

    assert main(["--project", str(root), "build", "--no-pdf"]) == 1
    assert "checks[0].unique: 5 values of (region) in table 'sales'" in capsys.readouterr().err  # the log has it

    assert posted_failure(root, monkeypatch) == f"reports/payroll.yaml:6:5 checks[0].unique: this data check failed; " \
                                                f"{WITHHELD}"


@pytest.mark.parametrize("command", [["build", "--no-pdf", "--strict"], ["check", "--strict"]])
def test_strict_warnings_and_check_of_a_private_report_post_no_values(project, monkeypatch, command) -> None:
    root = project("warning")

    assert main(["--project", str(root), *command]) == 1

    assert posted_failure(root, monkeypatch) == f"reports/payroll.yaml:6:5 checks[0].unique: this data check failed; " \
                                                f"{WITHHELD}"


def test_a_public_reports_failure_is_posted_as_it_is(make_project, sample_data, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path))
    root = make_project({"open.yaml": REPORT.format(title="Open", severity="error")},
                        site_yaml=SITE.format(data=sample_data).split("audiences:")[0]
                        + "notify:\n  webhook_env: TEAM_HOOK\n  format: json\n")

    assert main(["--project", str(root), "build", "--no-pdf"]) == 1

    assert posted_failure(root, monkeypatch) == (
        "reports/open.yaml:6:5 checks[0].unique: 5 values of (region) in table 'sales' occur more than once (e.g. "
        "region = 'South', 4118 times); each must be unique")


def test_a_private_problem_without_a_location_says_only_that_there_is_one() -> None:
    from reportsite.errors import Problem
    from reportsite.private import withheld

    assert withheld.public(Problem("loader printed: salary of J. Smith is 98,000", private=True)) == \
        f"a private report has a problem; {WITHHELD}"
    assert withheld.public(Problem("x", "reports/p.yaml", 3, 1, "alerts[2].query", private=True)) == \
        f"reports/p.yaml:3:1 alerts[2].query: this alert could not be evaluated; {WITHHELD}"
