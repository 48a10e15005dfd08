"""`reportsite smoke` against the demo site: published to the loopback S3 server, and as a local folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportsite.build import BuildOptions, build
from reportsite.smoke import Problem, local_folder, run_smoke, smoke_site
from tests.conftest import REPO
from tests.support.gateway import Gateway, serve_target

pytestmark = pytest.mark.browser

TARGET = "s3://site/prod"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory, sample_data: Path) -> Path:
    """The demo project built once for this module (what make_project(demo_reports=True) gives)."""
    root = tmp_path_factory.mktemp("smoke-demo")
    shutil.copytree(REPO / "site_src", root / "site_src")
    shutil.copytree(REPO / "reports", root / "reports")
    (root / "site_src" / "site.yaml").write_text(f'title: "Demo"\ndata_root: "{sample_data}"\n')
    build(root, BuildOptions(out=root / "_site"))
    return root / "_site"


def publish(s3, site: Path, target: str) -> None:  # type: ignore[no-untyped-def]
    """Deploy the built site to the (fresh) bucket with `reportsite deploy`, as the workflow does."""
    from reportsite.cli import main

    s3.create_bucket(Bucket=target.removeprefix("s3://").split("/")[0])
    assert main(["--project", str(site.parent), "deploy", "--target", target, "--site", str(site)]) == 0


@pytest.fixture
def published(s3, demo_site: Path) -> Iterator[Gateway]:
    """The demo site deployed to s3://site/prod and served to the browser through the gateway."""
    publish(s3, demo_site, TARGET)
    with serve_target(TARGET, s3) as gateway:
        yield gateway


@pytest.fixture
def session_browser(browser):  # type: ignore[no-untyped-def]
    """A browser factory for smoke_site that lends it the session's Chromium."""
    return lambda: contextlib.nullcontext(browser)


def key_of(s3, prefix: str, stem: str) -> str:  # type: ignore[no-untyped-def]
    """The one published key under ``prefix`` whose name starts with ``stem`` (e.g. a hashed asset)."""
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="site", Prefix=f"prod/{prefix}")["Contents"]]
    found = [k for k in keys if k.rsplit("/", 1)[-1].startswith(stem)]
    assert len(found) == 1, keys
    return found[0]


def edit_object(s3, key: str, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    """Rewrite a published page in place, keeping its content type."""
    found = s3.get_object(Bucket="site", Key=key)
    text = found["Body"].read().decode()
    assert old in text
    s3.put_object(Bucket="site", Key=key, Body=text.replace(old, new, 1).encode(),
                  ContentType=found["ContentType"])


def test_a_good_published_site_passes(published: Gateway, session_browser) -> None:
    assert smoke_site(published.url, session_browser) == []
    paths = {p.split("?")[0] for p in published.requests}
    assert {"/manifest.json", "/index.html", "/reports/sales.html"} <= paths
    assert any(p.startswith("/assets/vega.") for p in paths)
    assert any(p.startswith("/data/sales/") for p in paths)  # the CSV download links were checked


def test_a_missing_vega_asset_fails_every_report_page(published: Gateway, s3, session_browser) -> None:
    vega = key_of(s3, "assets/", "vega.")
    s3.delete_object(Bucket="site", Key=vega)

    problems = smoke_site(published.url, session_browser)

    asset = vega.removeprefix("prod/")
    expected = []
    for page in ("reports/customers.html", "reports/products.html", "reports/sales.html"):
        expected += [Problem(page, f"request failed: {asset} (HTTP 404)"),
                     Problem(page, "3 charts (chart-1, chart-2, chart-3) did not draw: "
                                   "the Vega library did not load")]
    assert problems == expected


def test_broken_links_external_requests_hidden_charts_and_empty_pages_are_named(published: Gateway, s3,
                                                                                session_browser) -> None:
    edit_object(s3, "prod/index.html", 'href="reports/products.html"', 'href="reports/product.html"')
    edit_object(s3, "prod/reports/sales.html", "</head>",
                '<script src="https://cdn.example.com/x.js"></script></head>')
    edit_object(s3, "prod/reports/customers.html", "</head>", "<style>#chart-2 svg{display:none}</style></head>")
    s3.put_object(Bucket="site", Key="prod/reports/products.html", ContentType="text/html; charset=utf-8",
                  Body=b'<!doctype html><html><head><link rel="icon" href="data:,"></head>'
                       b"<body><main><h1>Products</h1></main></body></html>")
    csv = key_of(s3, "data/sales/", "table-1")
    s3.delete_object(Bucket="site", Key=csv)

    problems = [str(p) for p in smoke_site(published.url, session_browser)]

    assert problems == [
        "index.html: broken link reports/product.html (HTTP 404)",
        "reports/customers.html: chart chart-2 drew at zero size (0×0 px)",
        "reports/products.html: the report page has no content (no metric, chart, table or text)",
        "reports/sales.html: blocked a request to another host: https://cdn.example.com/x.js",
        f"reports/sales.html: broken link {csv.removeprefix('prod/')} (HTTP 404)",
    ]


def test_without_a_manifest_pages_are_found_by_following_links(published: Gateway, s3, session_browser) -> None:
    s3.delete_object(Bucket="site", Key="prod/manifest.json")

    result = run_smoke(published.url, session_browser)

    assert result.problems == []
    assert sorted(result.pages) == ["index.html", "reports/customers.html", "reports/products.html",
                                    "reports/sales.html"]


def test_a_local_site_folder_passes(demo_site: Path, session_browser) -> None:
    assert smoke_site((demo_site / "index.html").as_uri(), session_browser) == []
    # A path, a file:// URL of the folder and one of its index page all name the same folder.
    assert local_folder(str(demo_site)) == local_folder(demo_site.as_uri()) == demo_site
    assert local_folder((demo_site / "index.html").as_uri()) == demo_site
    assert local_folder("https://example.com/reports/") is None


def test_a_folder_without_a_site_is_one_problem(tmp_path: Path, session_browser) -> None:
    assert [str(p) for p in smoke_site(str(tmp_path), session_browser)] == [
        f"site: {tmp_path} is not a built site (no index.html); run `reportsite build` first"]


def test_the_command_exits_1_and_lists_each_problem(published: Gateway, s3, tmp_path: Path) -> None:
    s3.delete_object(Bucket="site", Key="prod/reports/products.html")
    summary = tmp_path / "summary.md"

    result = subprocess.run(
        [sys.executable, "-m", "reportsite", "smoke", "--url", published.url + "index.html"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "COLUMNS": "160"})

    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert lines == [
        "✗ index.html: broken link reports/products.html (HTTP 404)",
        "✗ reports/products.html: the page returned HTTP 404",
    ]
    assert "2 problem(s) on " + published.url in result.stderr
    assert "| reports/products.html | 404 / 404 |" in summary.read_text()
