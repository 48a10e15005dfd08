"""The deploy lock: one deploy at a time per target, over the loopback S3 server's conditional writes."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.deploy import DeployResult, deploy
from reportsite.deploy.lock import LOCK, TIMEOUT, DeployLock
from reportsite.deploy.target import parse_target
from reportsite.errors import DeployError
from tests.integration.test_deploy import BUCKET, CHANNELS, REGIONS, TARGET, bucket, lock_puts, put_keys, site_files
from tests.integration.test_deploy import deploy as run_cli
from tests.support.atomic_proxy import AtomicProxy
from tests.support.faulty_proxy import Fault, Seen, is_object_put, puts_after
from tests.support.s3_proxy import through

pytestmark = pytest.mark.integration

KEY = f"site/{LOCK}"
CLEAR = f"aws s3 rm s3://{BUCKET}/{KEY}"
OTHER = {"tool": "reportsite deploy", "token": "someone-else", "host": "runner-7", "pid": 4242,
         "github_repository": "acme/reports", "github_run_id": "99",
         "started": "2099-01-01T10:00:00+00:00", "expires": "2099-01-01T10:30:00+00:00"}
HELD = (f"deploy target {TARGET}/ is locked by another deploy (GitHub Actions run 99 of acme/reports on host "
        "runner-7, pid 4242) since 2099-01-01 10:00:00 UTC; the lock goes stale at 2099-01-01 10:30:00 UTC. Run "
        f"the deploy again when that one has finished, or, if it crashed, delete the lock: {CLEAR}")
CRASHED = {**OTHER, "host": "old-runner", "github_run_id": "7", "started": "2000-01-01T10:00:00+00:00",
           "expires": "2000-01-01T10:30:00+00:00"}


@pytest.fixture
def proxy(s3, s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AtomicProxy]:
    """Every client the deploy creates goes through this proxy, which applies conditional writes atomically."""
    s3.create_bucket(Bucket=BUCKET)
    with through(AtomicProxy, s3_server, monkeypatch) as running:
        yield running


@pytest.fixture
def project(make_project, sample_data: Path) -> Path:
    root = make_project({"regions.yaml": REGIONS, "channels.yaml": CHANNELS}, data_root=sample_data)
    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    return root


def put_lock(s3, body: dict[str, object] | bytes) -> str:  # type: ignore[no-untyped-def]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return str(s3.put_object(Bucket=BUCKET, Key=KEY, Body=data)["ETag"])


def lock_body(s3) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
    found = s3.list_objects_v2(Bucket=BUCKET, Prefix=KEY)["KeyCount"]
    return json.loads(s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()) if found else None


def client(proxy: AtomicProxy):  # type: ignore[no-untyped-def]
    return boto3.client("s3", endpoint_url=proxy.url, region_name="us-east-1")


# ---------------------------------------------------------------- held, stale, released


def test_a_lock_held_by_another_deploy_stops_the_deploy_before_it_writes(project, s3, proxy, capsys, tmp_path):
    put_lock(s3, OTHER)
    proxy.reset()

    code, out = run_cli(project, capsys, "--summary", str(tmp_path / "summary.md"))

    assert code == 1
    assert f"error: {HELD}\n" in out
    assert (tmp_path / "summary.md").read_text() == f"### Deploy\n\n**Failed:** {HELD}\n\n"
    assert put_keys(proxy) == [] and lock_puts(proxy) == 1  # the one conditional PUT, refused with 412
    assert proxy.counts["DELETE"] == 0 and proxy.counts["POST"] == 0
    assert set(proxy.counts) == {"PUT", "GET"}  # no listing: nothing was planned
    assert bucket(s3) == {KEY: json.dumps(OTHER).encode()}


def test_a_stale_lock_is_taken_over_and_released(project, s3, proxy, capsys):
    put_lock(s3, CRASHED)

    code, out = run_cli(project, capsys)

    assert code == 0, out
    assert ("  took over a stale deploy lock (GitHub Actions run 7 of acme/reports on host old-runner, pid 4242, "
            "since 2000-01-01 10:00:00 UTC, stale since 2000-01-01 10:30:00 UTC)\n") in out
    assert lock_puts(proxy) == 2  # If-None-Match refused, then If-Match on the stale one's ETag
    assert bucket(s3, "site/") == site_files(project / "_site")  # published; lock released


def test_an_unreadable_lock_goes_stale_by_its_age(project, s3, proxy, capsys):
    put_lock(s3, b"not json")

    code, out = run_cli(project, capsys)

    assert code == 1
    assert (f"error: deploy target {TARGET}/ is locked by another deploy (an unknown writer (the lock file is not "
            "reportsite's JSON)) since ") in out
    later = datetime.now(UTC) + TIMEOUT + timedelta(minutes=1)
    result = deploy(project / "_site", parse_target(TARGET), client(proxy), clock=lambda: later)
    assert result.plan.uploads and lock_body(s3) is None


def test_the_lock_says_who_holds_it_and_is_released(project, s3, proxy, monkeypatch):
    monkeypatch.setenv("GITHUB_RUN_ID", "123")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/reports")
    lock = DeployLock(client(proxy), parse_target(TARGET), clock=lambda: datetime(2030, 5, 1, 8, 0, tzinfo=UTC))

    assert lock.acquire() is None
    body = lock_body(s3)
    assert body is not None and set(body) == {"tool", "target", "token", "host", "pid", "github_repository",
                                              "github_run_id", "started", "expires"}
    assert (body["github_run_id"], body["github_repository"], body["target"]) == ("123", "acme/reports",
                                                                                  f"{TARGET}/")
    assert (body["started"], body["expires"]) == ("2030-05-01T08:00:00+00:00", "2030-05-01T08:30:00+00:00")
    assert isinstance(body["pid"], int) and body["host"]
    lock.release()
    assert lock_body(s3) is None


def test_the_lock_is_released_after_a_failed_upload(project, s3, proxy, capsys):
    proxy.fault = puts_after(3)  # the lock and two assets

    code, out = run_cli(project, capsys)

    assert code == 1
    assert "the deploy stopped while uploading assets and data files" in out
    assert lock_body(s3) is None
    assert proxy.counts["DELETE"] == 1

    proxy.fault = None
    assert run_cli(project, capsys)[0] == 0  # the next deploy is not blocked


def test_a_lock_that_cannot_be_released_is_reported(project, s3, proxy, capsys):
    proxy.fault = lambda seen: Fault(403, "AccessDenied", "Access Denied") if seen.method == "DELETE" else None

    code, out = run_cli(project, capsys)

    assert code == 1
    assert bucket(s3, "site/").keys() == {*site_files(project / "_site"), LOCK}  # published; lock left
    assert f"error: access denied: cannot delete the deploy lock {KEY}; " in out
    assert (f"error: the deploy lock s3://{BUCKET}/{KEY} was not released: the next deploy fails until it goes "
            f"stale at ") in out and f"UTC, or delete it: {CLEAR}\n" in out


# ---------------------------------------------------------------- racing deploys


@pytest.mark.parametrize("before", [None, CRASHED], ids=["no-lock", "stale-lock"])
def test_two_deploys_started_together_one_publishes_the_other_fails(project, s3, proxy, before):
    if before:
        put_lock(s3, before)
    start, lost, racing = threading.Barrier(2), threading.Event(), itertools.count(1)
    rounds = 2 if before else 1  # create (If-None-Match), then take over the stale one (If-Match)

    def rule(seen: Seen) -> None:
        """The lock PUTs reach the proxy in pairs; the winner uploads only once the loser has given up."""
        if not is_object_put(seen):
            return
        if seen.path.split("?")[0].endswith(LOCK):
            if next(racing) <= 2 * rounds:
                with contextlib.suppress(threading.BrokenBarrierError):
                    start.wait(timeout=5)
        else:
            lost.wait(timeout=10)

    proxy.fault = rule
    results: dict[str, DeployResult | DeployError] = {}

    def run(name: str) -> None:
        try:
            results[name] = deploy(project / "_site", parse_target(TARGET), client(proxy))
        except DeployError as exc:
            results[name] = exc
            lost.set()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    published = [r for r in results.values() if isinstance(r, DeployResult)]
    failed = [r for r in results.values() if isinstance(r, DeployError)]
    assert len(published) == 1 and len(failed) == 1, results
    assert str(failed[0]).startswith(f"deploy target {TARGET}/ is locked by another deploy (host ")
    local = site_files(project / "_site")
    assert sorted(put_keys(proxy)) == sorted(local)  # every file once: the loser uploaded nothing
    assert bucket(s3, "site/") == local and lock_body(s3) is None


# ---------------------------------------------------------------- long deploys, stale deletion, dry runs


def test_a_long_deploy_refreshes_its_lock_between_steps(project, s3, proxy):
    ticks = iter(range(1000))
    base = datetime(2030, 1, 1, tzinfo=UTC)
    expiries: list[str] = []

    def log(line: str) -> None:
        if line.startswith("uploading"):
            expiries.append(str((lock_body(s3) or {})["expires"]))

    deploy(project / "_site", parse_target(TARGET), client(proxy), log=log,
           clock=lambda: base + timedelta(minutes=11 * next(ticks)))

    assert len(expiries) == 4 and expiries == sorted(set(expiries))  # written again before every step
    assert lock_puts(proxy) == 1 + 4 and lock_body(s3) is None


def test_a_deploy_whose_lock_was_taken_over_stops(project, s3, proxy):
    ticks = iter(range(1000))
    base = datetime(2030, 1, 1, tzinfo=UTC)

    def log(line: str) -> None:
        if line.startswith("uploading") and "assets" in line:
            put_lock(s3, OTHER)  # as if this deploy had stalled past its timeout and another took over

    with pytest.raises(DeployError) as caught:
        deploy(project / "_site", parse_target(TARGET), client(proxy), log=log,
               clock=lambda: base + timedelta(minutes=11 * next(ticks)))

    assert str(caught.value) == (
        f"lost the deploy lock s3://{BUCKET}/{KEY}: another deploy (GitHub Actions run 99 of acme/reports on host "
        "runner-7, pid 4242) took it over while this deploy ran; stopped before the next step; run the deploy again")
    assert not any(k.endswith(".html") for k in put_keys(proxy))  # pages not published
    assert lock_body(s3) == OTHER  # the other deploy's lock is left alone


def test_the_lock_and_other_deploy_state_are_never_deleted_or_counted(project, s3, proxy, capsys):
    s3.put_object(Bucket=BUCKET, Key="site/.reportsite/notes.txt", Body=b"kept")
    s3.put_object(Bucket=BUCKET, Key="site/reports/retired.html", Body=b"gone")

    code, out = run_cli(project, capsys)

    assert code == 0, out
    local = site_files(project / "_site")
    assert f"uploaded {len(local)} file(s)" in out and "deleted 1; 0 unchanged" in out
    assert ".reportsite" not in out.replace(KEY, "")
    assert bucket(s3, "site/") == {**local, ".reportsite/notes.txt": b"kept"}


def test_a_site_file_under_the_lock_folder_is_refused(project, s3, proxy, capsys):
    path = project / "_site" / "manifest.json"
    (project / "_site" / ".reportsite").mkdir()
    (project / "_site" / ".reportsite" / "deploy.lock").write_text("{}")
    data = json.loads(path.read_text())
    data["files"][".reportsite/deploy.lock"] = {"sha256": "0" * 64, "size": 2}
    path.write_text(json.dumps(data))

    code, out = run_cli(project, capsys)

    assert code == 1
    assert "error: .reportsite/deploy.lock: .reportsite/ is kept for the deploy's own lock, not for site files" in out
    assert bucket(s3) == {}


@pytest.mark.parametrize("held, note", [
    (OTHER, f"  note: a deploy now would fail: {HELD}\n"),
    (CRASHED, "  note: a stale deploy lock (GitHub Actions run 7 of acme/reports on host old-runner, pid 4242, "
              f"since 2000-01-01 10:00:00 UTC, stale since 2000-01-01 10:30:00 UTC) is on {TARGET}/; a deploy "
              "would take it over\n"),
], ids=["held", "stale"])
def test_a_dry_run_says_a_lock_is_held_and_writes_nothing(project, s3, proxy, capsys, held, note):
    put_lock(s3, held)
    proxy.reset()

    code, out = run_cli(project, capsys, "--dry-run")

    assert code == 0, out
    assert note in out
    assert f"would upload {len(site_files(project / '_site'))} file(s)" in out and "delete 0;" in out
    assert {"PUT", "DELETE", "POST"}.isdisjoint(proxy.counts)
    assert bucket(s3) == {KEY: json.dumps(held).encode()}


def test_a_store_without_conditional_writes_is_refused(project, s3, proxy, capsys):
    proxy.fault = lambda seen: Fault(501, "NotImplemented", "A header you provided implies functionality that is "
                                                            "not implemented") if is_object_put(seen) else None

    code, out = run_cli(project, capsys)

    assert code == 1
    assert (f"error: the S3 endpoint does not support conditional writes (PutObject with If-None-Match answered "
            f"NotImplemented), which the deploy lock needs; refusing to deploy to {TARGET}/ without a lock: use a "
            "store that supports them (AWS S3 does)\n") in out
    assert proxy.faults["PUT"] == 1  # asked once: a missing feature is not retried
    assert bucket(s3) == {}
