"""Shared fixtures: the loopback S3 server, sample data, throwaway projects, the demo built once, Chromium.

Expensive things are made once and shared, read-only: ``sample_data`` and ``built_demo`` (session), the S3
server and Chromium (session). A test that changes a project takes its own copy (``demo_copy``, or a new
``make_project``), never the shared one.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ROWS = 20_000


# The test files that take longest, longest first (each between about 4 and 0.5 minutes on the 2-core machine,
# `pytest --durations=0` summed per file).
# `make test` runs whole files on its workers (--dist loadfile, --no-loadscope-reorder): started first, they are
# done while the short files even out the workers' ends; started last (by xdist's own order, files with the most
# tests first), a long one ran on one worker while the others sat idle. The order changes no test.
LONGEST_FIRST = [
    "tests/browser/test_awkward_site.py",
    "tests/integration/test_workflow_schedule.py",
    "tests/integration/test_workflows.py",
    "tests/browser/test_smoke.py",
    "tests/integration/test_pr_workflow.py",
    "tests/browser/test_pdfs.py",
    "tests/browser/test_private.py",
    "tests/browser/test_demo_site.py",
    "tests/integration/test_athena_build.py",
    "tests/integration/test_one_pass_generated.py",
    "tests/browser/test_theme.py",
    "tests/integration/test_delivery_workflow.py",
    "tests/integration/test_hostile_reports.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files in LONGEST_FIRST first, in that order; the others after them, as collected."""
    rank = {path: number for number, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolate(monkeypatch: pytest.MonkeyPatch, tool_cache: Path) -> None:
    """No AWS settings or data root of the developer's; the session's tool cache."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_ATHENA",
                 "AWS_ENDPOINT_URL_GLUE", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "REPORTSITE_DATA_ROOT",
                 "REPORTSITE_DEPLOY_TARGET", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("REPORTSITE_CACHE_DIR", str(tool_cache))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tool_cache: Path) -> Iterator[None]:
    """No test sees the developer's AWS settings or data root; assets are cached once per session."""
    isolate(monkeypatch, tool_cache)
    from reportsite.sources import s3env

    s3env.reset()
    yield
    s3env.reset()


@pytest.fixture(scope="session")
def tool_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tool-cache")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's standalone S3 server on 127.0.0.1, in a process of its own, for the whole session; yields its
    endpoint URL. Not a thread of the test process: a server that needs this process's GIL to answer could
    hang a test whose code waits for S3 while holding it (as DuckDB starting a pyarrow scan does)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start on port {port}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def s3(s3_server: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A boto3 client on an empty loopback S3; every client in the test reaches it through the AWS env vars."""
    import boto3
    import requests

    requests.post(f"{s3_server}/moto-api/reset", timeout=10).raise_for_status()
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    from reportsite.sources import s3env

    s3env.reset()
    return boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")


@pytest.fixture(scope="session")
def athena_stand_in(s3_server: str) -> Iterator[object]:
    """The loopback Athena stand-in (tests/support/athena_standin.py) over the moto server, for the session."""
    from tests.support.athena_standin import AthenaStandIn

    server = AthenaStandIn(s3_server)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def athena(athena_stand_in, s3, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The stand-in, reset, reached through AWS_ENDPOINT_URL_ATHENA (Glue through moto); the result bucket exists."""
    athena_stand_in.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", athena_stand_in.url)
    s3.create_bucket(Bucket="athena-results")
    return athena_stand_in


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data set, small: sales.parquet, customers.csv, products.parquet, sales_by_month/."""
    from reportsite.ops.sample_data import write_sample_data

    out = tmp_path_factory.mktemp("sample-data")
    write_sample_data(out, rows=SAMPLE_ROWS, partitioned=True)
    return out


ProjectFactory = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Create a project folder: the repo's site_src, the given reports and site.yaml overrides."""

    def create(reports: dict[str, str] | None = None, data_root: str | Path | None = None,
               site_yaml: str | None = None, demo_reports: bool = False, name: str = "project") -> Path:
        root = tmp_path / name
        shutil.copytree(REPO / "site_src", root / "site_src")
        (root / "reports").mkdir(parents=True)
        if demo_reports:
            for path in (REPO / "reports").glob("*.yaml"):
                shutil.copy(path, root / "reports" / path.name)
        for file_name, text in (reports or {}).items():
            (root / "reports" / file_name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        if site_yaml is not None:
            (root / "site_src" / "site.yaml").write_text(textwrap.dedent(site_yaml).lstrip(), encoding="utf-8")
        elif data_root is not None:
            (root / "site_src" / "site.yaml").write_text(
                f'title: "Test Reports"\ndata_root: "{data_root}"\n', encoding="utf-8")
        return root

    return create


def demo_project(root: Path, data_root: Path) -> Path:
    """What ``make_project(demo_reports=True, data_root=...)`` makes, at ``root``."""
    shutil.copytree(REPO / "site_src", root / "site_src")
    (root / "reports").mkdir(parents=True)
    for path in (REPO / "reports").glob("*.yaml"):
        shutil.copy(path, root / "reports" / path.name)
    (root / "site_src" / "site.yaml").write_text(f'title: "Test Reports"\ndata_root: "{data_root}"\n',
                                                 encoding="utf-8")
    return root


@dataclass(frozen=True)
class BuiltDemo:
    """The demo reports over ``sample_data``, built once: read them, never change them (take ``demo_copy``)."""

    root: Path  # the project (site_src, reports)
    site: Path  # root / "_site"
    result: Any  # the BuildResult of that one build


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory, sample_data: Path, tool_cache: Path) -> BuiltDemo:
    """The demo project built once per session (the build every demo test used to repeat, ~20 s each here)."""
    from reportsite.build.builder import BuildOptions, build

    root = demo_project(tmp_path_factory.mktemp("built-demo") / "project", sample_data)
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, tool_cache)
        result = build(root, BuildOptions(out=Path("_site")))
    assert result.status == "ok", result
    return BuiltDemo(root, root / "_site", result)


@pytest.fixture
def demo_copy(built_demo: BuiltDemo, tmp_path: Path) -> Path:
    """A copy of the built demo project of this test's own (tmp_path/demo): its _site is up to date, so a build
    there reuses every report until the test changes something."""
    root = tmp_path / "demo"
    shutil.copytree(built_demo.root, root, symlinks=True)
    return root


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium (the system one where present) driven by Playwright."""
    from reportsite.smoke.browser import launched

    with launched() as chromium:
        yield chromium
