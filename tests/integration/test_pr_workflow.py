"""pr.yml, run here: the check job on the demo data without AWS, the real-data job after approval with the
read-only role (and no step able to mint a token), forks left out, and caches kept apart from main's.

The runner, the loopback AWS and the helpers are test_workflows.py's (see its docstring).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration import test_workflows
from tests.integration.test_workflows import (
    DATA_ROOT,
    PR_ROLE,
    REPOSITORY,
    Aws,
    Checkout,
    all_steps,
    credentials_in,
    github_context,
    load,
    only_reports,
    summary,
)
from tests.support.workflow_runner import OIDC_REQUEST, Runner, runner_for

pytestmark = pytest.mark.integration
aws, checkout = test_workflows.aws, test_workflows.checkout  # its fixtures, here too


# ---------------------------------------------------------------- pr.yml


def pr_runner(checkout: Checkout, tmp_path: Path, vars_: dict[str, str], roles: dict[str, dict[str, str]] | None = None,
              head_repository: str = REPOSITORY) -> Runner:
    context = github_context("pull_request", vars_, head_repository=head_repository)
    project = checkout("pr")
    only_reports([project], "sales", "customers")  # the jobs' steps are what is tested; test_demo_site smokes the rest
    return runner_for(project, tmp_path, context, tmp_path / "artifacts", tmp_path / "actions-cache", roles)


PR_INSTALLS = ("Install", "Install the browser")


@pytest.mark.browser
def test_pr_checks_builds_and_smokes_the_demo_site_without_aws(checkout, tmp_path: Path) -> None:
    runner = pr_runner(checkout, tmp_path, {})

    assert runner.run_job(load("pr.yml"), "check")

    assert runner.skipped == ["make lint", "make test-fast"]  # the suite running this test
    assert "aws-actions/configure-aws-credentials" not in runner.ran and runner.assumed == []
    assert not any(name in runner.env for name in OIDC_REQUEST)  # the job cannot mint an OIDC token
    assert (runner.project / "data" / "sales.parquet").exists()
    manifest = json.loads((runner.project / "_site" / "manifest.json").read_text())
    assert manifest["status"] == "ok" and "reports/sales.html" in manifest["pages"]
    assert "| sales | built |" in summary(runner) and "### Smoke check of" in summary(runner)
    assert (tmp_path / "artifacts" / "site-pr-7" / "manifest.json").exists()


@pytest.mark.browser
def test_pr_real_data_runs_after_approval_with_the_read_only_role_and_no_step_can_mint_a_token(
        aws: Aws, checkout, tmp_path: Path) -> None:
    vars_ = {"PR_ROLE_ARN": PR_ROLE, "AWS_REGION": "us-east-1", "DATA_ROOT": DATA_ROOT}
    runner = pr_runner(checkout, tmp_path, vars_, aws.roles)
    workflow = load("pr.yml")
    spy = {"name": "Which variables a step sees", "run": 'env | cut -d= -f1 | sort > "$RUNNER_TEMP/seen"'}
    workflow["jobs"]["real-data"]["steps"].insert(0, spy)

    assert runner.run_job(workflow, "real-data")

    assert workflow["jobs"]["real-data"]["environment"] == "pr-real-data"  # required reviewers approve each run
    assert runner.assumed == [PR_ROLE] and "make data" not in runner.ran
    assert [credentials_in(runner, step) for step in PR_INSTALLS] == [[], []]
    assert all(name in runner.env for name in OIDC_REQUEST)  # the job may mint one (for the credentials step) …
    seen = (Path(runner.env["RUNNER_TEMP"]) / "seen").read_text().split()
    assert "GITHUB_WORKSPACE" in seen and not set(OIDC_REQUEST) & set(seen)  # … its scripts cannot
    assert not (runner.project / "data").exists()
    sources = json.loads((runner.project / "_site" / "manifest.json").read_text())["reports"]["sales"]["sources"]
    assert sources[0]["url"] == "sales.parquet" and runner.env["REPORTSITE_DATA_ROOT"] == DATA_ROOT
    assert (tmp_path / "artifacts" / "site-pr-7-real-data" / "manifest.json").exists()


def test_pr_from_a_fork_gets_no_real_data_job_even_with_the_role_configured(checkout, tmp_path: Path) -> None:
    vars_ = {"PR_ROLE_ARN": PR_ROLE, "AWS_REGION": "us-east-1", "DATA_ROOT": DATA_ROOT}
    fork = pr_runner(checkout, tmp_path, vars_, head_repository="someone/fork")
    assert not fork.run_job(load("pr.yml"), "real-data") and fork.steps == []
    unset = runner_for(checkout("pr-unset"), tmp_path, github_context("pull_request", {}), tmp_path / "a",
                       tmp_path / "c")
    assert not unset.run_job(load("pr.yml"), "real-data")


def test_main_s_caches_are_never_restored_on_another_branch(checkout, tmp_path: Path) -> None:
    """Each publish.yml cache step names the ref in its key; a dispatch on another branch finds nothing of main's."""
    workflow = load("publish.yml")
    steps = [{k: v for k, v in s.items() if k != "if"} for s in workflow["jobs"]["build"]["steps"]
             if s.get("name") in ("Set up Python", "Restore the previous build", "Restore the schedule's record")]
    save = [{"name": f"save {n}", "run": f"mkdir -p {p} && echo main > {p}/x"} for n, p in
            (("build", "_site"), ("record", ".cache/schedule"))]
    keep = [{"name": "keep", "uses": "actions/cache/save@" + "0" * 40,
             "with": {"path": p, "key": k}} for p, k in (("_site", "site-${{ github.ref }}@abc"),
                                                         (".cache/schedule", "schedule-${{ github.ref }}@1-1"))]
    jobs = {"j": {"steps": [*save, *keep]}, "r": {"steps": steps}}
    main = runner_for(checkout("main"), tmp_path, github_context("push", {}), tmp_path / "a", tmp_path / "cache")
    assert main.run_job({"jobs": jobs}, "j") and len(main.saved) == 2

    for ref, restored in (("refs/heads/main", 2), ("refs/heads/feature", 0), ("refs/heads/main-2", 0)):
        other = runner_for(checkout(f"r-{ref.rsplit('/', 1)[1]}"), tmp_path, github_context(
            "workflow_dispatch", {}, ref=ref), tmp_path / "a", tmp_path / "cache")
        assert other.run_job({"jobs": jobs}, "r")
        assert len(other.restored) == restored, ref
    # pr.yml restores only its own virtualenv entries (their key starts with pr-, which main never saves)
    for where, step in all_steps():
        if "actions/cache/restore" in step.get("uses", ""):
            keys = [step["with"]["key"], *step["with"].get("restore-keys", "").splitlines()]
            assert all(k.startswith("pr-") if where.startswith("pr.yml") else "${{ github.ref }}@" in k
                       for k in keys), where
