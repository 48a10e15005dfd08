"""engine: athena end to end, against the loopback Athena stand-in (``tests/support/athena_standin``) over the
moto S3 data: the same reports built on DuckDB and on Athena give the same pages and downloads, byte for byte.

Both builds read the same S3 objects (``REPORTSITE_DATA_ROOT`` points at the bucket), so the pages' source lists
and file times agree; the only difference is where the SQL runs. Bytes are compared as they are: the stand-in
runs the same DuckDB, and Athena's text of every value reads back exactly (DOUBLEs as their shortest exact text),
so not even floating-point sums may differ here. Against the real Athena a sum of DOUBLEs can differ in its last
digit, as it does between two local runs on different thread counts (the one-pass tests compare those within
1e-9); a page would then differ only where such a digit is shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from tests.support import awkward_data
from tests.support.athena_standin import AthenaStandIn

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
ATHENA_SITE = """
athena:
  workgroup: reports
  output_location: s3://athena-results/reportsite/
"""


@pytest.fixture(scope="module")
def stand_in(s3_server: str) -> Iterator[AthenaStandIn]:
    server = AthenaStandIn(s3_server)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def athena(stand_in: AthenaStandIn, s3, monkeypatch: pytest.MonkeyPatch) -> AthenaStandIn:  # type: ignore[no-untyped-def]
    """The stand-in, reset, reached through AWS_ENDPOINT_URL_ATHENA; the result bucket exists."""
    stand_in.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", stand_in.url)
    s3.create_bucket(Bucket="athena-results")
    return stand_in


def upload(s3, folder: Path, bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket=bucket)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), bucket, path.relative_to(folder).as_posix())


def files_of(site: Path) -> dict[str, str]:
    """Every file of a built site with its sha256, but the manifest (it records timings and the engine's use)."""
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def build_both(root: Path, site_yaml: str) -> tuple[Path, Path]:
    """The project built with engine duckdb and with engine athena (same data root), into two folders."""
    site_file = root / "site_src" / "site.yaml"
    site_file.write_text(site_yaml + ATHENA_SITE, encoding="utf-8")
    local = build(root, BuildOptions(out=root / "_local"), now=lambda: NOW)
    assert local.status == "ok"
    site_file.write_text(site_yaml + ATHENA_SITE + "engine: athena\n", encoding="utf-8")
    remote = build(root, BuildOptions(out=root / "_athena"), now=lambda: NOW)
    assert remote.status == "ok"
    return root / "_local", root / "_athena"


def assert_same_site(local: Path, remote: Path) -> None:
    ours, theirs = files_of(local), files_of(remote)
    assert sorted(ours) == sorted(theirs)
    differing = [name for name in ours if ours[name] != theirs[name]]
    assert differing == []


def test_the_demo_builds_on_athena_with_the_same_pages_and_downloads(athena, s3, sample_data, make_project,
                                                                   monkeypatch):
    upload(s3, sample_data, "acme-data")
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://acme-data")
    root = make_project(demo_reports=True)
    local, remote = build_both(root, (root / "site_src" / "site.yaml").read_text(encoding="utf-8"))

    assert_same_site(local, remote)
    manifest = json.loads((remote / "manifest.json").read_text())
    used = {slug: entry["athena"] for slug, entry in manifest["reports"].items()}
    assert all(u["queries"] > 0 and u["bytes_scanned"] > 0 for u in used.values())
    assert sum(u["queries"] for u in used.values()) == len(athena.queries)
    assert "athena" not in json.loads((local / "manifest.json").read_text())["reports"]["sales"]


def test_the_awkward_project_builds_on_athena_with_the_same_pages_and_downloads(athena, s3, tmp_path, monkeypatch):
    root = awkward_data.make_project(tmp_path / "awkward")
    upload(s3, root / "data", "awkward-data")
    shutil.rmtree(root / "data")
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://awkward-data")
    local, remote = build_both(root, (root / "site_src" / "site.yaml").read_text(encoding="utf-8"))

    assert_same_site(local, remote)
