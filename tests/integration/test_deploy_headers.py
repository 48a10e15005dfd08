"""Objects whose bytes are published but whose Content-Type or Cache-Control drifted are uploaded again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.deploy import IMMUTABLE, REVALIDATE
from tests.integration.test_deploy import BUCKET, CHANNELS, REGIONS, TARGET, bucket, deploy, put_keys, site_files
from tests.support.faulty_proxy import FaultyProxy
from tests.support.s3_proxy import through

pytestmark = pytest.mark.integration


@pytest.fixture
def proxy(s3, s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyProxy]:
    s3.create_bucket(Bucket=BUCKET)
    with through(FaultyProxy, s3_server, monkeypatch) as running:
        yield running


@pytest.fixture
def published(make_project, sample_data: Path, s3, proxy, capsys) -> Path:
    """A two-report project, built and deployed once."""
    root = make_project({"regions.yaml": REGIONS, "channels.yaml": CHANNELS}, data_root=sample_data)
    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    assert deploy(root, capsys)[0] == 0
    proxy.reset()
    return root


def edit_headers(s3, relative: str, **headers: str) -> None:  # type: ignore[no-untyped-def]
    """Change an object's headers in place, keeping its bytes, as a person in the console would."""
    key = f"site/{relative}"
    head = s3.head_object(Bucket=BUCKET, Key=key)
    kept = {"ContentType": head["ContentType"], "CacheControl": head["CacheControl"], "Metadata": head["Metadata"]}
    s3.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": key},
                   MetadataDirective="REPLACE", **{**kept, **headers})


def headers(s3, relative: str) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    head = s3.head_object(Bucket=BUCKET, Key=f"site/{relative}")
    return head["ContentType"], head.get("CacheControl")


def css(root: Path) -> str:
    return next((root / "_site" / "assets").glob("site.*.css")).relative_to(root / "_site").as_posix()


def test_drifted_headers_are_fixed_and_the_next_deploy_writes_nothing(published, s3, proxy, capsys, tmp_path):
    asset = css(published)
    edit_headers(s3, "reports/regions.html", ContentType="text/plain")
    edit_headers(s3, asset, CacheControl="no-cache")
    edit_headers(s3, "index.html", ContentType="application/octet-stream", CacheControl="max-age=600")
    local = site_files(published / "_site")

    code, out = deploy(published, capsys, "--summary", str(tmp_path / "summary.md"))

    assert code == 0, out
    assert f"  fix headers  {asset}  (Cache-Control was no-cache)\n" in out
    assert "  fix headers  reports/regions.html  (Content-Type was text/plain)\n" in out
    assert ("  fix headers  index.html  (Content-Type was application/octet-stream; Cache-Control was "
            "max-age=600)\n") in out
    assert (f"deployed to {TARGET}/: uploaded 0 file(s) (0 B), fixed the headers of 3, deleted 0; "
            f"{len(local) - 3} unchanged") in out
    assert put_keys(proxy) == [asset, "reports/regions.html", "index.html"]  # in publishing order
    assert headers(s3, "reports/regions.html") == ("text/html; charset=utf-8", REVALIDATE)
    assert headers(s3, asset) == ("text/css; charset=utf-8", IMMUTABLE)
    assert headers(s3, "index.html") == ("text/html; charset=utf-8", REVALIDATE)
    assert bucket(s3, "site/") == local
    summary = (tmp_path / "summary.md").read_text()
    assert "| fix headers (Content-Type was text/plain) | `reports/regions.html` |" in summary

    proxy.reset()
    code, out = deploy(published, capsys)

    assert code == 0
    assert put_keys(proxy) == [] and proxy.counts["POST"] == 0
    assert f"{TARGET}/ is up to date: {len(local)} file(s) unchanged, nothing uploaded" in out


def test_a_header_another_tool_removed_is_put_back(published, s3, proxy, capsys):
    key = "site/reports/channels.html"
    s3.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": key}, MetadataDirective="REPLACE",
                   ContentType="text/html; charset=utf-8")  # no Cache-Control, no stored sha256

    code, out = deploy(published, capsys)

    assert code == 0, out
    assert "  fix headers  reports/channels.html  (Cache-Control was not set)\n" in out
    assert headers(s3, "reports/channels.html") == ("text/html; charset=utf-8", REVALIDATE)
    assert s3.head_object(Bucket=BUCKET, Key=key)["Metadata"]["sha256"]


def test_headers_that_differ_only_in_case_and_spaces_are_left_alone(published, s3, proxy, capsys):
    edit_headers(s3, "reports/regions.html", ContentType="Text/HTML;charset=UTF-8",
                 CacheControl="public,max-age=0,  must-revalidate")

    code, out = deploy(published, capsys)

    assert code == 0
    assert "fix headers" not in out and put_keys(proxy) == []


def test_a_dry_run_shows_the_header_fixes_and_changes_nothing(published, s3, proxy, capsys):
    edit_headers(s3, "data/regions/chart-1-revenue-by-region.csv", ContentType="application/octet-stream")

    code, out = deploy(published, capsys, "--dry-run")

    assert code == 0
    assert ("  fix headers  data/regions/chart-1-revenue-by-region.csv  (Content-Type was "
            "application/octet-stream)\n") in out
    assert "would upload 0 file(s) (0 B), fix the headers of 1, delete 0;" in out
    assert {"PUT", "DELETE", "POST"}.isdisjoint(proxy.counts)
    assert headers(s3, "data/regions/chart-1-revenue-by-region.csv")[0] == "application/octet-stream"
