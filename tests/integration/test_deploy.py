"""`reportsite deploy` against the loopback S3 server over HTTP, through a counting, fault-injecting proxy."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.cli import main as cli
from reportsite.deploy import IMMUTABLE, REVALIDATE, cache_control, content_type, parse_target, phase
from reportsite.errors import DeployError
from reportsite.sources import s3env
from tests.support.faulty_proxy import Fault, FaultyProxy, every_nth_put, puts_after
from tests.support.s3_proxy import through

pytestmark = pytest.mark.integration

BUCKET = "site-bucket"
TARGET = f"s3://{BUCKET}/site"
SECRET = "wJalrXUtnFEMI-very-secret-key"
LOCK = "site/.reportsite/deploy.lock"

REGIONS = """
title: "Regions"
description: "Revenue by region"
update_frequency: "daily"
data_source: "sales.parquet"
charts:
  - name: "Revenue by region"
    type: bar
    query: "SELECT region, SUM(amount) AS revenue FROM sales GROUP BY 1 ORDER BY 1"
    params: {x: region, y: revenue}
"""

CHANNELS = """
title: "Channels"
description: "Orders by channel"
update_frequency: "daily"
data_source: "sales.parquet"
charts:
  - name: "Orders by channel"
    type: bar
    query: "SELECT channel, count(*) AS orders FROM sales GROUP BY 1 ORDER BY 1"
    params: {x: channel, y: orders}
"""

BROKEN = """
title: "Broken"
data_source: "sales.parquet"
charts:
  - name: "Nope"
    type: bar
    query: "SELECT no_such_column AS x, 1 AS y FROM sales"
    params: {x: x, y: y}
"""


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def proxy(s3, s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyProxy]:
    """Every client the deploy creates goes through this proxy to the (empty) loopback S3 server."""
    s3.create_bucket(Bucket=BUCKET)
    with through(FaultyProxy, s3_server, monkeypatch) as running:
        yield running


@pytest.fixture
def project(make_project, sample_data: Path) -> Path:
    """A two-report project, built into _site."""
    root = make_project({"regions.yaml": REGIONS, "channels.yaml": CHANNELS}, data_root=sample_data)
    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    return root


def deploy(root: Path, capsys: pytest.CaptureFixture[str], *extra: str, target: str | None = TARGET) -> tuple[int, str]:
    """Run the CLI; return its exit code and what it printed (rich prints to stderr)."""
    argv = ["--project", str(root), "deploy", *(["--target", target] if target else []), *extra]
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def bucket(s3, prefix: str = "") -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """Every object in the site bucket under ``prefix`` (read directly from the server, not via the proxy)."""
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
            for o in page.get("Contents", [])]
    return {k[len(prefix):]: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys}


def put_keys(proxy: FaultyProxy) -> list[str]:
    """Site-relative keys of the PUTs of site files the proxy saw, in order (the deploy lock's left out)."""
    keys = [p.split("?", 1)[0].removeprefix(f"/{BUCKET}/") for p in proxy.puts()]
    return [k.removeprefix("site/") for k in keys if k != LOCK]


def lock_puts(proxy: FaultyProxy) -> int:
    return sum(p.split("?", 1)[0] == f"/{BUCKET}/{LOCK}" for p in proxy.puts())


# ---------------------------------------------------------------- publishing


def test_deploy_publishes_every_file_with_its_bytes_and_headers(project, s3, proxy, capsys):
    code, out = deploy(project, capsys)

    assert code == 0, out
    local = site_files(project / "_site")
    assert bucket(s3, "site/") == local
    assert f"deployed to {TARGET}/: uploaded {len(local)} file(s)" in out
    expected_types = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                      ".js": "text/javascript; charset=utf-8", ".csv": "text/csv; charset=utf-8",
                      ".json": "application/json",
                      ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    for relative in local:
        head = s3.head_object(Bucket=BUCKET, Key=f"site/{relative}")
        assert head["ContentType"] == expected_types[Path(relative).suffix], relative
        hashed = relative.startswith("assets/")
        assert head["CacheControl"] == (IMMUTABLE if hashed else REVALIDATE), relative
        assert len(head["Metadata"]["sha256"]) == 64


def test_assets_go_first_then_pages_then_index_and_manifest_last(project, proxy, capsys):
    deploy(project, capsys)

    keys = put_keys(proxy)
    phases = [phase(k) for k in keys]
    assert phases == sorted(phases)
    assert keys[-2:] == ["index.html", "manifest.json"]
    assert {k for k in keys if k.startswith("assets/")} and phases[0] == 0


def test_second_deploy_of_an_unchanged_site_uploads_nothing(project, proxy, capsys):
    assert deploy(project, capsys)[0] == 0
    proxy.reset()

    code, out = deploy(project, capsys)

    assert code == 0
    files = len(site_files(project / "_site"))
    assert put_keys(proxy) == [] and proxy.counts["POST"] == 0
    assert lock_puts(proxy) == 1 and proxy.counts["DELETE"] == 1  # the deploy lock, taken and released
    assert proxy.counts["HEAD"] == files  # one per object, for its headers (the listing has none)
    assert proxy.counts.total() == files + 3  # and one listing, the lock's PUT and DELETE
    assert f"{TARGET}/ is up to date: {files} file(s) unchanged" in out


def test_etags_that_are_not_md5_fall_back_to_the_stored_sha256(project, s3, proxy, capsys):
    """Multipart uploads (like SSE-KMS objects) have ETags that are not the MD5 of the bytes."""
    assert deploy(project, capsys)[0] == 0
    local = site_files(project / "_site")
    for relative in ("index.html", "reports/regions.html"):
        key = f"site/{relative}"
        head = s3.head_object(Bucket=BUCKET, Key=key)
        same = relative == "index.html"  # the same bytes; the other one as another tool would upload it
        body = local[relative] if same else local[relative].replace(b"<", b"{")
        upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key, Metadata=head["Metadata"] if same else {},
                                            ContentType=head["ContentType"], CacheControl=head["CacheControl"])
        part = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=body)
        s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"],
                                     MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
        assert "-" in s3.head_object(Bucket=BUCKET, Key=key)["ETag"]
    proxy.reset()

    code, _ = deploy(project, capsys)

    assert code == 0
    assert proxy.counts["HEAD"] == len(local)
    assert put_keys(proxy) == ["reports/regions.html"]  # same size, no stored sha256: uploaded again
    assert bucket(s3, "site/") == local


def test_changing_one_report_reuploads_only_the_files_that_changed(project, s3, proxy, capsys):
    deploy(project, capsys)
    before = site_files(project / "_site")
    (project / "reports" / "channels.yaml").write_text(CHANNELS.replace("Orders by channel\"", "Orders\""))
    build(project, BuildOptions(out=project / "_site"))
    after = site_files(project / "_site")
    changed = {k for k in after if before.get(k) != after[k]}
    proxy.reset()

    code, _ = deploy(project, capsys)

    assert code == 0
    assert "reports/channels.html" in changed and "reports/regions.html" not in changed
    assert sorted(put_keys(proxy)) == sorted(changed)
    assert bucket(s3, "site/") == after


def test_stale_objects_are_deleted_last_and_only_inside_the_prefix(project, s3, proxy, capsys):
    outside = {"site-old/index.html": b"old", "other/keep.txt": b"keep", "site": b"a key equal to the prefix"}
    stale = {"site/reports/retired.html": b"gone", "site/data/retired/x.csv": b"a,b"}
    for key, body in {**outside, **stale}.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    proxy.reset()

    code, out = deploy(project, capsys)

    assert code == 0
    assert "delete  reports/retired.html" in out and "deleted 2" in out
    assert bucket(s3, "site/") == site_files(project / "_site")
    for key, body in outside.items():
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body
    methods = [s.method for s in proxy.log]
    assert methods.count("POST") == 1 and methods.index("POST") > max(i for i, m in enumerate(methods)
                                                                       if m == "PUT")


def test_deploy_to_the_bucket_root_and_from_site_yaml(make_project, sample_data, s3, proxy, capsys):
    root = make_project({"regions.yaml": REGIONS}, site_yaml=f"""
        title: "Test"
        data_root: "{sample_data}"
        deploy_target: "s3://{BUCKET}"
    """)
    build(root, BuildOptions(out=root / "_site"))

    code, out = deploy(root, capsys, target=None)

    assert code == 0, out
    assert bucket(s3) == site_files(root / "_site")


# ---------------------------------------------------------------- refusing bad builds


def test_a_partial_build_is_refused_and_the_bucket_left_alone(make_project, sample_data, s3, proxy, capsys,
                                                              tmp_path):
    root = make_project({"regions.yaml": REGIONS, "broken.yaml": BROKEN}, data_root=sample_data)
    assert build(root, BuildOptions(out=root / "_site", keep_going=True)).status == "partial"
    s3.put_object(Bucket=BUCKET, Key="site/index.html", Body=b"the published site")
    proxy.reset()

    code, out = deploy(root, capsys, "--summary", str(tmp_path / "summary.md"))

    assert code == 1
    message = ("refusing to deploy: the build in _site is partial (failed: broken; built with --keep-going); "
               "fix the failing report(s) and build again")
    assert f"error: {message}" in out
    assert (tmp_path / "summary.md").read_text() == f"### Deploy\n\n**Failed:** {message}\n\n"
    assert bucket(s3) == {"site/index.html": b"the published site"}
    assert proxy.counts.total() == 0


@pytest.mark.parametrize("damage, message", [
    (lambda s: (s / "reports" / "regions.html").unlink(),
     "reports/regions.html: listed in manifest.json but missing"),
    (lambda s: next((s / "assets").glob("site.*.css")).write_text("tampered"),
     "differs from manifest.json (modified after the build)"),
    (lambda s: (s / "manifest.json").unlink(),
     "refusing to deploy: _site/manifest.json is missing, so the build did not finish; run `reportsite build` "
     "first"),
    (lambda s: (s / "manifest.json").write_text("{not json"),
     "refusing to deploy: _site/manifest.json is unreadable or not a reportsite manifest (format 1)"),
    (lambda s: shutil.rmtree(s), "error: _site does not exist: run `reportsite build` first"),
], ids=["missing-page", "modified-asset", "no-manifest", "bad-manifest", "no-site"])
def test_an_incomplete_or_modified_site_is_refused(project, s3, proxy, capsys, damage, message):
    damage(project / "_site")
    proxy.reset()

    code, out = deploy(project, capsys)

    assert code == 1
    assert message in out
    assert bucket(s3) == {}
    assert proxy.counts.total() == 0


def test_a_manifest_naming_files_outside_the_site_is_refused(project, s3, proxy, capsys):
    path = project / "_site" / "manifest.json"
    data = json.loads(path.read_text())
    data["files"]["../secrets.txt"] = {"sha256": "0" * 64, "size": 1}
    path.write_text(json.dumps(data))

    code, out = deploy(project, capsys)

    assert code == 1 and "'../secrets.txt'" not in out and "../secrets.txt: not a site-relative path" in out
    assert bucket(s3) == {}


# ---------------------------------------------------------------- a busy or flaky S3


@pytest.mark.parametrize("fault", [Fault(503, "SlowDown"), Fault(500, "InternalError", "We encountered an "
                                                                      "internal error."), Fault(drop=True)],
                         ids=["slowdown", "internal-error", "dropped-connection"])
def test_deploy_finishes_when_some_writes_fail(project, s3, proxy, capsys, fault):
    proxy.fault = every_nth_put(3, fault)

    code, out = deploy(project, capsys)

    assert code == 0, out
    assert proxy.faults["PUT"] >= 3
    assert bucket(s3, "site/") == site_files(project / "_site")


def test_a_refused_deletion_leaves_the_new_site_published(project, s3, proxy, capsys):
    s3.put_object(Bucket=BUCKET, Key="site/reports/retired.html", Body=b"gone")
    proxy.fault = lambda seen: Fault(403, "AccessDenied", "Access Denied") if seen.method == "POST" else None

    code, out = deploy(project, capsys)

    assert code == 1
    assert f"error: access denied: cannot delete stale objects in {TARGET}/" in out
    assert bucket(s3, "site/") == {**site_files(project / "_site"), "reports/retired.html": b"gone"}


def test_a_deploy_cut_off_half_way_is_completed_by_the_next_run(project, s3, proxy, capsys):
    s3.put_object(Bucket=BUCKET, Key="site/reports/retired.html", Body=b"gone")
    proxy.fault = puts_after(2)  # the lock and one asset

    code, out = deploy(project, capsys)

    assert code == 1
    assert "error: access denied: cannot upload site/" in out
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="site/.reportsite/")["KeyCount"] == 0  # released
    assert "nothing was deleted and pages still point at files that exist; run the deploy again" in out
    published = bucket(s3, "site/")
    assert "reports/retired.html" in published and "manifest.json" not in published
    assert not any(k.endswith(".html") for k in published if k != "reports/retired.html")

    proxy.fault = None
    proxy.reset()
    code, out = deploy(project, capsys)

    assert code == 0, out
    local = site_files(project / "_site")
    assert bucket(s3, "site/") == local
    assert len(put_keys(proxy)) == len(local) - (len(published) - 1)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="site/.reportsite/")["KeyCount"] == 0


# ---------------------------------------------------------------- dry run and summaries


def test_dry_run_prints_the_plan_and_changes_nothing(project, s3, proxy, capsys):
    s3.put_object(Bucket=BUCKET, Key="site/reports/retired.html", Body=b"gone")
    proxy.reset()

    code, out = deploy(project, capsys, "--dry-run")

    assert code == 0
    local = site_files(project / "_site")
    assert f"Deploying _site to {TARGET}/ (dry run: nothing will be changed)" in out
    assert "upload  index.html  " in out and "delete  reports/retired.html" in out
    assert f"would upload {len(local)} file(s)" in out and "delete 1; 0 unchanged. Nothing was changed." in out
    assert bucket(s3) == {"site/reports/retired.html": b"gone"}
    assert proxy.counts["PUT"] == 0 and proxy.counts["POST"] == 0


def test_the_job_summary_gets_a_table_of_changes(project, proxy, capsys, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("### Build\n\n")

    code, _ = deploy(project, capsys, "--summary", str(summary))

    text = summary.read_text()
    assert code == 0
    assert text.startswith("### Build\n\n### Deploy\n\ndeployed to s3://site-bucket/site/: uploaded ")
    assert "| change | file | bytes |" in text and "| upload | `manifest.json` |" in text


# ---------------------------------------------------------------- targets, credentials, messages


def test_target_from_the_environment_wins_over_site_yaml(project, s3, proxy, capsys, monkeypatch):
    monkeypatch.setenv("REPORTSITE_DEPLOY_TARGET", f"s3://{BUCKET}/from-env/")

    code, _ = deploy(project, capsys, target=None)

    assert code == 0
    assert bucket(s3, "from-env/") == site_files(project / "_site")


@pytest.mark.parametrize("target, message", [
    (None, "error: no deploy target: pass --target s3://bucket/prefix, set $REPORTSITE_DEPLOY_TARGET, or set "
           "deploy_target in site_src/site.yaml"),
    ("https://example.com/site", "error: --target: deploy target 'https://example.com/site' is not s3://bucket "
                                 "or s3://bucket/prefix"),
    ("s3://Bad_Bucket/site", "is not s3://bucket or s3://bucket/prefix"),
    ("s3://site-bucket/a/../b", "error: --target: deploy target 's3://site-bucket/a/../b' has an empty, '.' or "
                                "'..' part in its prefix"),
    ("s3://no-such-bucket/site", "error: bucket 'no-such-bucket' does not exist at this endpoint; create it "
                                 "first"),
])
def test_bad_targets_are_explained(project, proxy, capsys, target, message):
    code, out = deploy(project, capsys, target=target)

    assert code == 1
    assert message in out
    assert "Traceback" not in out


def test_a_target_holding_the_data_is_refused(make_project, s3, capsys, monkeypatch):
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", f"s3://{BUCKET}/data")
    root = make_project({"regions.yaml": REGIONS})

    code, out = deploy(root, capsys, target=f"s3://{BUCKET}")

    assert code == 1
    assert f"error: deploy target s3://{BUCKET}/ contains the data root s3://{BUCKET}/data" in out


def test_missing_credentials_are_one_clear_message(project, proxy, capsys, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    s3env.reset()

    code, out = deploy(project, capsys)

    assert code == 1
    assert "error: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in out


def test_access_denied_is_explained_without_printing_credentials(project, proxy, capsys, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    s3env.reset()
    proxy.fault = lambda seen: Fault(403, "AccessDenied", "Access Denied")

    code, out = deploy(project, capsys)

    assert code == 1
    assert (f"error: access denied: cannot write the deploy lock {LOCK}; the credentials need s3:ListBucket on bucket "
            f"'{BUCKET}' and s3:GetObject, s3:PutObject, s3:DeleteObject on {TARGET}/*") in out
    assert SECRET not in out and "testing" not in out


# ---------------------------------------------------------------- pure helpers


@pytest.mark.parametrize("path, kind, cache", [
    ("index.html", "text/html; charset=utf-8", REVALIDATE),
    ("manifest.json", "application/json", REVALIDATE),
    ("assets/site.0123456789ab.css", "text/css; charset=utf-8", IMMUTABLE),
    ("assets/vega.0123456789ab.js", "text/javascript; charset=utf-8", IMMUTABLE),
    ("assets/logo.svg", "image/svg+xml", REVALIDATE),
    ("assets/fonts/inter.0123abcd.woff2", "font/woff2", IMMUTABLE),
    ("data/sales/chart-1.csv", "text/csv; charset=utf-8", REVALIDATE),
    ("favicon.ico", "image/x-icon", REVALIDATE),
    ("sitemap.xml", "application/xml; charset=utf-8", REVALIDATE),
    ("robots.txt", "text/plain; charset=utf-8", REVALIDATE),
    ("images/photo.JPG", "image/jpeg", REVALIDATE),
    ("blob.unknownext", "application/octet-stream", REVALIDATE),
])
def test_content_type_and_cache_control(path, kind, cache):
    assert (content_type(path), cache_control(path)) == (kind, cache)


def test_parse_target_normalises_the_prefix():
    assert str(parse_target("s3://my-bucket")) == "s3://my-bucket/"
    assert parse_target("s3://my-bucket/a/b/").prefix == "a/b/"
    assert parse_target("s3://my-bucket//x").prefix == "x/"
    with pytest.raises(DeployError):
        parse_target("s3://my-bucket/a//b")
