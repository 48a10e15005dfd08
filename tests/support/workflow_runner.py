"""Run a GitHub Actions job here: its `run:` steps with GitHub's bash settings, its `uses:` steps emulated.

A job runs in its own checkout (a folder), as on GitHub, where every job gets a fresh runner. What jobs
and runs share goes through the same channels as on GitHub: the artifacts of a run (a folder per run),
the Actions cache (a folder per repository: entries with keys, each saved by actions/cache/save on one
ref and restorable from that ref and the default branch only, as GitHub scopes them), and the AWS
credentials that configure-aws-credentials hands out for a role (one set per role ARN, given by the
test). A job with `id-token: write` gets the two variables that let a step mint an OIDC token, and the
credentials action needs them; a job's `defaults.run.shell` is the command its `run:` scripts go through.
A job in an environment reads that environment's secrets besides the repository's. Step conditions
follow GitHub: `success()` unless the step says otherwise, `failure()` steps after a failed step; the
first failed step fails the test with its output once the job's remaining steps have run. Each job's
wall time is kept (`seconds`), for the README's measured minutes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# `run:` commands not executed here, and why.
SKIPPED_RUNS = {command: "the test suite that is running this test; CI runs it through .ci/run"
                for command in ("make lint", "make test-fast", "make test-browser")}
# What configure-aws-credentials puts in the job's environment.
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# What the runner gives every step of a job with `id-token: write`: with them, a step can mint an OIDC token.
OIDC_REQUEST = ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL")
DEFAULT_BRANCH = "refs/heads/main"
GITHUB_SHELL = "bash --noprofile --norc -eo pipefail {0}"

# ---------------------------------------------------------------- ${{ }} expressions

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<func>contains)\(|(?P<op>&&|\|\||==|!=|!|\(|\)|,)"
                    r"|(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w.*-]*)(?P<call>\(\))?)")
_OPS = {"&&": " and ", "||": " or ", "!": " not ", "==": "==", "!=": "!=", "(": "(", ")": ")", ",": ","}
_LITERALS = {"true": True, "false": False, "null": None}
_STATUS = {"always": True, "success": True, "failure": False, "cancelled": False}
_STATUS_CALL = re.compile(r"\b(?:always|success|failure|cancelled)\(\)")


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


def _contains(haystack: _Value, needle: _Value) -> _Value:
    """GitHub's contains(): an item of an array (case-insensitive for strings), or a substring."""
    items, wanted = haystack.value, needle.value
    if isinstance(items, list):
        return _Value(any(_Value(item) == needle for item in items))
    return _Value(str(wanted).lower() in str(items or "").lower())


def _lookup(value: Any, keys: list[str]) -> Any:
    """A context lookup; a `*` key maps the rest of the path over every value (needs.*.result)."""
    for number, key in enumerate(keys):
        if key == "*":
            return [_lookup(v, keys[number + 1:]) for v in (value.values() if isinstance(value, dict) else [])]
        value = value.get(key) if isinstance(value, dict) else None
    return value


def evaluate(expression: str, context: dict[str, Any], status: dict[str, bool] | None = None) -> Any:
    """Evaluate a GitHub expression (literals, context lookups, !, ==, !=, &&, ||, contains, status functions)."""
    python, values, position = [], [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        assert match and match.end() > position, f"unsupported expression: {expression!r}"
        position = match.end()
        if match["func"]:
            python.append("contains(")
            continue
        if match["op"]:
            python.append(_OPS[match["op"]])
            continue
        if match["str"]:
            value: Any = match["str"][1:-1].replace("''", "'")
        elif match["num"]:
            value = float(match["num"])
        elif match["call"]:
            value = (status or _STATUS)[match["name"]]
        elif match["name"] in _LITERALS:
            value = _LITERALS[match["name"]]
        else:
            head, *rest = match["name"].split(".")
            assert head in context, f"unknown context {head!r} in {expression!r}"
            value = _lookup(context[head], rest)
        python.append(f"v[{len(values)}]")
        values.append(_Value(value))
    # only operators, v[i] and contains() in it
    result = eval("".join(python), {"__builtins__": {}}, {"v": values, "contains": _contains})
    return result.value if isinstance(result, _Value) else result


def as_text(value: Any) -> str:
    """How GitHub turns an expression's value into a string."""
    return {None: "", True: "true", False: "false"}.get(value, str(value)) if not isinstance(value, str) \
        else value


def bare(condition: str) -> str:
    """An `if:` condition without the optional ${{ }} around it."""
    condition = condition.strip()
    return condition[3:-2] if condition.startswith("${{") and condition.endswith("}}") else condition


def substitute(text: str, context: dict[str, Any]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_text(evaluate(m[1], context)), str(text))


# ---------------------------------------------------------------- running a job


class StepFailed(Exception):
    """A step exited non-zero (or an emulated action failed); the message holds its output."""


@dataclass
class Runner:
    """Runs one job's steps in its checkout with GitHub's bash settings and files ($GITHUB_PATH, …)."""

    project: Path
    context: dict[str, Any]
    env: dict[str, str]
    artifacts: Path  # this run's artifacts, one folder per name
    cache: Path  # the repository's Actions cache
    roles: dict[str, dict[str, str]] = field(default_factory=dict)  # role ARN → credentials it hands out
    ran: list[str] = field(default_factory=list)  # run text or action of every step that ran
    steps: list[str] = field(default_factory=list)  # name of every step that ran (or was skipped as a run)
    skipped: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)  # roles configure-aws-credentials assumed, in order
    step_env: dict[str, dict[str, str]] = field(default_factory=dict)  # step name → the environment it had
    output: dict[str, str] = field(default_factory=dict)  # step name → what its script printed (stdout, stderr)
    post: list[Callable[[], None]] = field(default_factory=list)  # post-job hooks
    saved: list[str] = field(default_factory=list)  # cache keys this job saved
    restored: list[str] = field(default_factory=list)  # cache keys this job restored (the matched key)
    warnings: list[str] = field(default_factory=list)  # what an action warned about without failing
    seconds: float = 0.0  # the job's wall time
    step_seconds: dict[str, float] = field(default_factory=dict)  # step name → its wall time
    shell: str = GITHUB_SHELL  # the job's `defaults.run.shell`
    applied: dict[str, int] = field(default_factory=dict)  # lines of $GITHUB_PATH / $GITHUB_ENV already applied
    outputs: dict[str, str] = field(default_factory=dict)  # the job's outputs, once it has run
    result: str = "skipped"  # success | failure | skipped, as needs.<job>.result says it

    def run_job(self, workflow: dict[str, Any], job: str) -> bool:
        """Run the job's steps in order (False when the job's `if:` skips it); a failing step fails the test."""
        spec = workflow["jobs"][job]
        self.context.setdefault("steps", {})
        self.context.setdefault("needs", {})
        condition = bare(spec.get("if", "success()"))
        if not _STATUS_CALL.search(condition):  # success(): every job it needs succeeded
            condition = f"success() && ({condition})"
        ok = all(n.get("result") == "success" for n in self.context["needs"].values())
        if not evaluate(condition, self.context, {**_STATUS, "success": ok, "failure": not ok}):
            return False
        started = time.perf_counter()
        self.shell = spec.get("defaults", {}).get("run", {}).get("shell", GITHUB_SHELL)
        environment = spec.get("environment")
        environment = environment.get("name") if isinstance(environment, dict) else environment
        self.context["secrets"] = {**self.context.get("repository_secrets", self.context.get("secrets", {})),
                                   **self.context.get("environment_secrets", {}).get(environment, {})}
        if spec.get("permissions", {}).get("id-token") == "write":
            self.env.update({OIDC_REQUEST[0]: "oidc-request-token", OIDC_REQUEST[1]: "https://oidc.example/"})
        for scope in (workflow.get("env", {}), spec.get("env", {})):
            values = {k: substitute(v, self.context) for k, v in scope.items()}
            self.env.update(values)
            self.context["env"].update(values)  # `if: env.X` sees the workflow's and job's env
        failed: str | None = None
        for number, step in enumerate(spec["steps"], 1):
            name = step.get("name") or step.get("uses") or step["run"]
            status = {"always": True, "success": failed is None, "failure": failed is not None, "cancelled": False}
            condition = bare(step.get("if", "success()"))
            if not _STATUS_CALL.search(condition):
                condition = f"success() && ({condition})"
            if not evaluate(condition, self.context, status):
                continue
            step_started = time.perf_counter()
            try:
                self.run_step(f"{job} step {number} ({name})", name, step)
            except StepFailed as exc:
                failed = failed or str(exc)
            finally:
                self.step_seconds[name] = time.perf_counter() - step_started
        self.outputs = {k: as_text(evaluate(bare(v), self.context)) for k, v in spec.get("outputs", {}).items()}
        self.result = "failure" if failed else "success"
        self.seconds = time.perf_counter() - started
        if failed:
            pytest.fail(failed, pytrace=False)
        for hook in self.post:
            hook()
        return True

    def run_step(self, label: str, name: str, step: dict[str, Any]) -> None:
        env = {**self.env, **{k: substitute(v, self.context) for k, v in step.get("env", {}).items()}}
        self.step_env[name] = env
        self.steps.append(name)
        if "uses" in step:
            self.emulate(label, step)
            return
        if step["run"].strip() in SKIPPED_RUNS:
            self.skipped.append(step["run"].strip())
            return
        script = self.project.parent / f"{self.project.name}-step.sh"
        script.write_text(step["run"], encoding="utf-8")
        outputs = Path(env["GITHUB_OUTPUT"]).with_name(f"{self.project.name}-output-{len(self.steps)}")
        outputs.write_text("")
        env["GITHUB_OUTPUT"] = str(outputs)
        command = [str(script) if word == "{0}" else word for word in shlex.split(self.shell)]
        result = subprocess.run(command,
                                cwd=self.project / step.get("working-directory", "."), env=env,
                                capture_output=True, text=True, timeout=600, check=False)
        self.output[name] = result.stdout + result.stderr
        if "id" in step:
            pairs = [line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line]
            self.context["steps"][step["id"]] = {"outputs": dict(pairs),
                                                 "outcome": "success" if result.returncode == 0 else "failure"}
        if result.returncode != 0:
            raise StepFailed(f"{label} failed with exit {result.returncode}:\n$ {step['run'].strip()}\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
        self.ran.append(step["run"].strip())
        self.apply_github_files()

    def emulate(self, label: str, step: dict[str, Any]) -> None:
        action = step["uses"].split("@")[0]
        assert action in EMULATED, f"no emulation for {step['uses']}: add one to EMULATED"
        with_ = {k: substitute(self.hash_files(str(v)), self.context) for k, v in step.get("with", {}).items()}
        try:
            outputs = EMULATED[action](self, with_) or {}
        except StepFailed as exc:
            raise StepFailed(f"{label} failed: {exc}") from None
        if "id" in step:
            self.context["steps"][step["id"]] = {"outputs": outputs, "outcome": "success"}
        self.ran.append(action)

    def hash_files(self, text: str) -> str:
        """GitHub's hashFiles('a', 'b') in an expression, as a string literal: the sha256 of the files' sha256s."""
        def value(match: re.Match[str]) -> str:
            digest = hashlib.sha256()
            for name in re.findall(r"'([^']*)'", match[1]):
                path = self.project / name
                if path.is_file():
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
            return f"'{digest.hexdigest()}'"

        return re.sub(r"hashFiles\(([^)]*)\)", value, text)

    def apply_github_files(self) -> None:
        """Lines a step added to $GITHUB_PATH go in front of PATH; to $GITHUB_ENV, set variables for later steps."""
        for line in self._new_lines("GITHUB_PATH"):
            if line and line not in self.env["PATH"].split(os.pathsep):
                self.env["PATH"] = line + os.pathsep + self.env["PATH"]
        for line in self._new_lines("GITHUB_ENV"):
            if "=" in line:
                key, value = line.split("=", 1)
                self.env[key] = value

    def _new_lines(self, name: str) -> list[str]:
        lines = Path(self.env[name]).read_text().splitlines()
        seen, self.applied[name] = self.applied.get(name, 0), len(lines)
        return lines[seen:]


# ---------------------------------------------------------------- emulated actions


def _setup_python(runner: Runner, with_: dict[str, str]) -> dict[str, str]:
    """This virtualenv's interpreter stands in for the one setup-python would install."""
    assert with_.get("python-version") == "3.11"
    assert "cache" not in with_, "the workflows cache the virtualenv, not pip's downloads"
    runner.env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + runner.env["PATH"]
    return {"python-version": f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"}


def _aws_credentials(runner: Runner, with_: dict[str, str]) -> None:
    """The role's short-lived credentials (issued by the loopback server's STS) go into the job's environment."""
    role = with_["role-to-assume"]
    assert role and with_["aws-region"], with_
    if not all(runner.env.get(name) for name in OIDC_REQUEST):
        raise StepFailed("configure-aws-credentials: no OIDC token can be requested (the job lacks id-token: write)")
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(with_), "use OIDC, not stored keys"
    if role not in runner.roles:
        raise StepFailed(f"no such role to assume: {role!r}")
    runner.assumed.append(role)
    runner.env.update(runner.roles[role], AWS_REGION=with_["aws-region"], AWS_DEFAULT_REGION=with_["aws-region"],
                      AWS_ENDPOINT_URL=os.environ["AWS_ENDPOINT_URL"])  # the loopback server stands in for AWS


def _paths(with_: dict[str, str]) -> list[str]:
    return [line.strip() for line in with_["path"].splitlines() if line.strip()]


def cache_entries(cache: Path) -> list[dict[str, Any]]:
    """The repository's cache entries, oldest first: key, ref (the branch that saved it), folder, bytes."""
    index = cache / "index.json"
    return json.loads(index.read_text()) if index.exists() else []


def _ref(runner: Runner) -> str:
    return str(runner.context.get("github", {}).get("ref", DEFAULT_BRANCH))


def _cache_restore(runner: Runner, with_: dict[str, str]) -> dict[str, str]:
    """actions/cache/restore: the entry with the exact key, else the newest whose key starts with a restore key,
    among the entries saved on this ref or on the default branch (GitHub's scoping; this ref's first)."""
    key = with_["key"]
    prefixes = [line.strip() for line in with_.get("restore-keys", "").splitlines() if line.strip()]
    visible = [e for e in cache_entries(runner.cache) if e["ref"] in (_ref(runner), DEFAULT_BRANCH)]
    visible.sort(key=lambda e: (e["ref"] == _ref(runner), e["created"]))  # this ref's newest last
    found = next((e for e in reversed(visible) if e["key"] == key), None)
    for prefix in prefixes:
        found = found or next((e for e in reversed(visible) if e["key"].startswith(prefix)), None)
    outputs = {"cache-primary-key": key, "cache-hit": "false", "cache-matched-key": ""}
    if found is None:
        return outputs
    stored = runner.cache / found["folder"]
    for path in _paths(with_):
        if (stored / path).exists():
            shutil.copytree(stored / path, runner.project / path, dirs_exist_ok=True)
    runner.restored.append(found["key"])
    return {**outputs, "cache-hit": "true" if found["key"] == key else "false", "cache-matched-key": found["key"]}


def _cache_save(runner: Runner, with_: dict[str, str]) -> None:
    """actions/cache/save: a new entry under the key, on this ref; a key already taken is a warning, as on GitHub."""
    key = with_["key"]
    assert key and "," not in key and len(key) <= 512, key
    entries = cache_entries(runner.cache)
    if any(e["key"] == key and e["ref"] == _ref(runner) for e in entries):
        runner.warnings.append(f"cache entry {key} already exists: not saved")
        return
    paths = [p for p in _paths(with_) if not p.startswith("!")]
    excluded = [p[1:] for p in _paths(with_) if p.startswith("!")]
    if not any((runner.project / p).exists() for p in paths):
        runner.warnings.append(f"no files at {paths}: cache {key} not saved")
        return
    folder = f"entry-{len(entries) + 1}"
    for path in paths:
        if (runner.project / path).exists():
            shutil.copytree(runner.project / path, runner.cache / folder / path,
                            ignore=lambda d, names: [n for n in names if any(
                                (Path(d) / n).resolve() == (runner.project / x).resolve() for x in excluded)])
    size = sum(f.stat().st_size for f in (runner.cache / folder).rglob("*") if f.is_file())
    entries.append({"key": key, "ref": _ref(runner), "folder": folder, "created": len(entries) + 1, "bytes": size})
    (runner.cache / "index.json").write_text(json.dumps(entries, indent=1))
    runner.saved.append(key)


def _upload_artifact(runner: Runner, with_: dict[str, str]) -> None:
    """Copy the folder into the run's artifacts, leaving out hidden files as upload-artifact does."""
    source = runner.project / with_["path"]
    hidden = with_.get("include-hidden-files") == "true"
    files = [p for p in source.rglob("*") if p.is_file()
             and (hidden or not any(part.startswith(".") for part in p.relative_to(source).parts))] \
        if source.is_dir() else []
    if not files:
        if with_.get("if-no-files-found", "warn") == "error":
            raise StepFailed(f"upload-artifact: no files found at {with_['path']}")
        return
    stored = runner.artifacts / with_["name"]
    assert not stored.exists(), f"an artifact named {with_['name']!r} was already uploaded in this run"
    for path in files:
        (stored / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, stored / path.relative_to(source))


def _download_artifact(runner: Runner, with_: dict[str, str]) -> None:
    """Copy an artifact of this run into the job's checkout."""
    stored = runner.artifacts / with_["name"]
    if not stored.is_dir():
        raise StepFailed(f"download-artifact: no artifact named {with_['name']!r} in this run")
    shutil.copytree(stored, runner.project / with_.get("path", "."), dirs_exist_ok=True)


EMULATED: dict[str, Callable[[Runner, dict[str, str]], dict[str, str] | None]] = {
    "actions/checkout": lambda runner, with_: None,  # the job's folder is its fresh checkout
    "actions/cache/restore": _cache_restore,
    "actions/cache/save": _cache_save,
    "actions/setup-python": _setup_python,
    "aws-actions/configure-aws-credentials": _aws_credentials,
    "actions/upload-artifact": _upload_artifact,
    "actions/download-artifact": _download_artifact,
}


def runner_for(project: Path, folder: Path, context: dict[str, Any], artifacts: Path, cache: Path,
               roles: dict[str, dict[str, str]] | None = None) -> Runner:
    """A runner whose `make` uses this virtualenv (already installed) instead of creating .venv.

    The job starts with no AWS settings: only configure-aws-credentials gives it AWS access. Its tool cache
    is the checkout's own .cache/reportsite, as on GitHub, so what a job finds there came from the cache step.
    """
    stamp = folder / f"{project.name}-installed"
    stamp.touch()  # newer than the copied requirements.txt: `make install` has nothing to do
    files = {name: folder / f"{project.name}-{name.lower()}" for name in
             ("GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV", "GITHUB_OUTPUT")}
    for path in files.values():
        path.touch()
    files["RUNNER_TEMP"] = folder / f"{project.name}-runner-temp"  # the job's own temporary folder
    files["RUNNER_TEMP"].mkdir(exist_ok=True)
    github = context.get("github", {})
    env = {**os.environ, **{k: str(v) for k, v in files.items()}, "CI": "true", "GITHUB_ACTIONS": "true",
           "GITHUB_WORKSPACE": str(project), "MAKEFLAGS": f"VENV={sys.prefix} STAMP={stamp} DEV_STAMP={stamp}",
           "GITHUB_REF": github.get("ref", DEFAULT_BRANCH),
           "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": github.get("repository", ""),
           "GITHUB_RUN_ID": github.get("run_id", ""), "GITHUB_EVENT_NAME": github.get("event_name", "")}
    for name in (*CREDENTIALS, *OIDC_REQUEST, "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
                 "REPORTSITE_CACHE_DIR", "NOTIFY_WEBHOOK_URL", "REPORTSITE_NOW"):
        env.pop(name, None)
    artifacts.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    return Runner(project, {"runner": {"os": "Linux"}, **context, "env": {}}, env, artifacts, cache, dict(roles or {}))
