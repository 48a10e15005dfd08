"""Publish ``_site/`` to ``s3://bucket/prefix``: upload what changed, in a safe order, then delete stale objects.

The build's ``manifest.json`` is the source of truth: a partial or tampered build is
refused. Uploads are compared with the bucket (one listing; the ETag of a single-part
upload is the MD5 of its bytes, and the sha256 is kept in the object's metadata), so
an unchanged site makes no writes. Order: assets and data, report pages, the index
page, the manifest; stale objects are deleted last, so a visitor never gets a page
that points at a missing file, and a deploy cut off half-way is completed by the next.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import mimetypes
import os
import random
import re
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from . import manifest
from .errors import DeployError, Problem

T = TypeVar("T")
Log = Callable[[str], None]
Sleep = Callable[[float], None]

TARGET_ENV = "REPORTSITE_DEPLOY_TARGET"
WORKERS = 8
ATTEMPTS = 4  # our own attempts per object, each on top of botocore's retries
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
HASHED_ASSET = re.compile(r"^assets/(?:.+/)?[^/]+\.[0-9a-f]{8,64}\.[A-Za-z0-9]+$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
SHOWN = 100  # changed files listed in the console and the job summary
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".json": "application/json", ".map": "application/json",
    ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml", ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8",
    ".xml": "application/xml; charset=utf-8", ".woff": "font/woff", ".woff2": "font/woff2",
    ".ttf": "font/ttf", ".otf": "font/otf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
    ".pdf": "application/pdf", ".wasm": "application/wasm", ".parquet": "application/vnd.apache.parquet",
}
RETRYABLE_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout",
                   "InternalError", "ServiceUnavailable", "OperationAborted", "503", "500", "502", "504"}
CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
                    "TokenRefreshRequired", "InvalidSecurity"}
PHASES = ("assets and data files", "report pages", "index page", "manifest")


@dataclass(frozen=True)
class Target:
    """Where the site goes: a bucket and a key prefix that is empty or ends with ``/``."""

    bucket: str
    prefix: str = ""

    def key(self, relative: str) -> str:
        return self.prefix + relative

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class LocalFile:
    """A file of the built site with the hashes and headers it is published with."""

    path: str  # site-relative, POSIX
    size: int
    sha256: str
    md5: str

    @property
    def content_type(self) -> str:
        return content_type(self.path)

    @property
    def cache_control(self) -> str:
        return cache_control(self.path)


@dataclass(frozen=True)
class Remote:
    key: str
    etag: str
    size: int


@dataclass
class Plan:
    """What a deploy does: uploads in publishing order, stale keys to delete, how many files stay."""

    target: Target
    uploads: list[LocalFile]
    deletions: list[str]  # full keys, all under target.prefix
    unchanged: int

    @property
    def upload_bytes(self) -> int:
        return sum(f.size for f in self.uploads)

    @property
    def changes(self) -> bool:
        return bool(self.uploads or self.deletions)


@dataclass
class DeployResult:
    plan: Plan
    dry_run: bool
    seconds: float = 0.0
    unlisted: list[str] = field(default_factory=list)  # files in the folder the manifest does not list


# ---------------------------------------------------------------- target


def parse_target(url: str, origin: str = "--target") -> Target:
    """``s3://bucket[/prefix]`` → Target; ``origin`` names where the value came from, for the message."""
    match = re.fullmatch(r"s3://([^/]*)/?(.*)", url.strip())
    if not match or not BUCKET.match(match.group(1)):
        raise DeployError(f"{origin}: deploy target '{url}' is not s3://bucket or s3://bucket/prefix "
                          "(bucket: 3-63 lowercase letters, digits, dots or hyphens)")
    raw = match.group(2).strip("/")
    if raw and any(part in ("", ".", "..") for part in raw.split("/")):
        raise DeployError(f"{origin}: deploy target '{url}' has an empty, '.' or '..' part in its prefix")
    return Target(match.group(1), f"{raw}/" if raw else "")


def resolve_target(explicit: str | None, root: Path) -> Target:
    """The target from --target, else $REPORTSITE_DEPLOY_TARGET, else site.yaml's deploy_target."""
    from .config import SITE_FILE, load_site, resolved_data_root

    site = load_site(root)
    if explicit:
        target = parse_target(explicit, "--target")
    elif os.environ.get(TARGET_ENV):
        target = parse_target(os.environ[TARGET_ENV], f"${TARGET_ENV}")
    elif site.deploy_target:
        target = parse_target(site.deploy_target, f"{SITE_FILE} deploy_target")
    else:
        raise DeployError(f"no deploy target: pass --target s3://bucket/prefix, set ${TARGET_ENV}, "
                          f"or set deploy_target in {SITE_FILE}")
    _refuse_data_overlap(target, resolved_data_root(site, root))
    return target


def _refuse_data_overlap(target: Target, data_root: str) -> None:
    """Deleting stale objects under the target would delete the data if the data lives inside it."""
    if not data_root.startswith("s3://"):
        return
    bucket, _, key = data_root[5:].partition("/")
    if bucket == target.bucket and (key.strip("/") + "/").startswith(target.prefix):
        raise DeployError(f"deploy target {target} contains the data root {data_root}: the deploy deletes "
                          "every object under its target that is not part of the site; publish to a "
                          "separate prefix or bucket")


# ---------------------------------------------------------------- the local site


def content_type(path: str) -> str:
    """Content-Type by extension, from a fixed table (the system MIME database differs between machines)."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed = mimetypes.guess_type(path, strict=False)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def cache_control(path: str) -> str:
    """Content-hashed assets never change under their name; everything else is revalidated on each visit."""
    return IMMUTABLE if HASHED_ASSET.match(path) else REVALIDATE


def read_site(site: Path, label: str = "_site") -> tuple[list[LocalFile], list[str]]:
    """The site's files (from its manifest, checked against the disk) and any files the manifest omits."""
    data = _read_manifest(site, label)
    listed = data.get("files")
    if not isinstance(listed, dict):
        raise DeployError(f"refusing to deploy: {label}/{manifest.MANIFEST} has no 'files' table; rebuild the site")
    files, problems = [], []
    for relative, entry in sorted(listed.items()):
        problem = _unsafe_path(relative)
        if problem is None and not (site / relative).is_file():
            problem = f"{relative}: listed in {manifest.MANIFEST} but missing"
        if problem is None:
            local = _local_file(site, relative)
            if not isinstance(entry, dict) or (entry.get("sha256"), entry.get("size")) != (local.sha256, local.size):
                problem = f"{relative}: differs from {manifest.MANIFEST} (modified after the build)"
            files.append(local)
        if problem:
            problems.append(problem)
    if problems:
        shown = [Problem(p) for p in problems[:10]]
        more = [Problem(f"… and {len(problems) - 10} more")] if len(problems) > 10 else []
        raise DeployError([Problem(f"refusing to deploy: {label} does not match its {manifest.MANIFEST} "
                                   "(an incomplete or modified build); run `reportsite build` again"),
                           *shown, *more])
    files.append(_local_file(site, manifest.MANIFEST))
    known = set(listed) | {manifest.MANIFEST}
    unlisted = sorted(p.relative_to(site).as_posix() for p in site.rglob("*")
                      if p.is_file() and p.relative_to(site).as_posix() not in known)
    return files, unlisted


def _read_manifest(site: Path, label: str) -> dict[str, Any]:
    """The manifest of a complete, successful build, or a DeployError saying why there is none."""
    if not site.is_dir():
        raise DeployError(f"{label} does not exist: run `reportsite build` first")
    if not (site / manifest.MANIFEST).is_file():
        raise DeployError(f"refusing to deploy: {label}/{manifest.MANIFEST} is missing, so the build did not "
                          "finish; run `reportsite build` first")
    data = manifest.read(site)
    if data is None:
        raise DeployError(f"refusing to deploy: {label}/{manifest.MANIFEST} is unreadable or not a reportsite "
                          f"manifest (format {manifest.FORMAT}); run `reportsite build` again")
    status = data.get("status")
    if status == "partial":
        failed = sorted(s for s, r in (data.get("reports") or {}).items()
                        if isinstance(r, dict) and r.get("status") == "failed")
        raise DeployError(f"refusing to deploy: the build in {label} is partial (failed: "
                          f"{', '.join(failed) or 'unknown'}; built with --keep-going); fix the failing "
                          "report(s) and build again")
    if status != "ok":
        raise DeployError(f"refusing to deploy: the build in {label} has status '{status}', not 'ok'")
    return data


def _unsafe_path(relative: object) -> str | None:
    if not isinstance(relative, str) or not relative or relative.startswith("/") or "\\" in relative:
        return f"{relative!r}: not a site-relative path"
    if any(part in ("", ".", "..") for part in relative.split("/")):
        return f"{relative}: not a site-relative path"
    return None


def _local_file(site: Path, relative: str) -> LocalFile:
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with (site / relative).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
            md5.update(block)
            size += len(block)
    return LocalFile(relative, size, sha.hexdigest(), md5.hexdigest())


def phase(path: str) -> int:
    """Publishing order: 0 assets and data, 1 report pages, 2 the index page, 3 the manifest."""
    if path == manifest.MANIFEST:
        return 3
    if path == "index.html":
        return 2
    return 1 if path.endswith((".html", ".htm")) else 0


# ---------------------------------------------------------------- plan


def plan(client: Any, files: list[LocalFile], target: Target, workers: int = WORKERS,
         sleep: Sleep = time.sleep) -> Plan:
    """Compare the site with the bucket: what to upload (in order), what to delete, what stays."""
    remote = _retrying(lambda: list_remote(client, target), f"list {target}", target, sleep)
    uncertain = [f for f in files if _needs_head(f, remote.get(target.key(f.path)))]
    stored = _run(uncertain, lambda f: _stored_sha256(client, target, f, sleep), workers)
    uploads = [f for f in files if _changed(f, remote.get(target.key(f.path)), stored.get(f.path))]
    uploads.sort(key=lambda f: (phase(f.path), f.path))
    wanted = {target.key(f.path) for f in files}
    deletions = sorted(k for k in remote if k not in wanted and k.startswith(target.prefix) and not k.endswith("/"))
    return Plan(target, uploads, deletions, len(files) - len(uploads))


def list_remote(client: Any, target: Target) -> dict[str, Remote]:
    """Every object under the prefix (one ListObjectsV2 pass), with its ETag and size."""
    found: dict[str, Remote] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=target.bucket, Prefix=target.prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = Remote(item["Key"], item.get("ETag", "").strip('"'), int(item.get("Size", -1)))
    return found


def _needs_head(local: LocalFile, remote: Remote | None) -> bool:
    """Same size but another ETag: a changed file, or an ETag that is not an MD5 (SSE-KMS, multipart)."""
    return remote is not None and remote.size == local.size and remote.etag != local.md5


def _stored_sha256(client: Any, target: Target, local: LocalFile, sleep: Sleep) -> str | None:
    from botocore.exceptions import ClientError

    key = target.key(local.path)
    try:
        head = _retrying(lambda: client.head_object(Bucket=target.bucket, Key=key), f"read {key}", target, sleep)
    except DeployError as exc:
        if isinstance(exc.__cause__, ClientError) and exc.__cause__.response.get("Error", {}).get("Code") in (
                "404", "NoSuchKey", "NotFound"):
            return None  # deleted since the listing: upload it
        raise
    return head.get("Metadata", {}).get("sha256")


def _changed(local: LocalFile, remote: Remote | None, stored_sha256: str | None) -> bool:
    if remote is None or remote.size != local.size:
        return True
    return remote.etag != local.md5 and stored_sha256 != local.sha256


# ---------------------------------------------------------------- apply


def apply(client: Any, site: Path, work: Plan, workers: int = WORKERS, log: Log = lambda _: None,
          sleep: Sleep = time.sleep) -> None:
    """Upload phase by phase (each finishes before the next starts), then delete the stale objects."""
    target, done = work.target, 0
    for number, name in enumerate(PHASES):
        batch = [f for f in work.uploads if phase(f.path) == number]
        if not batch:
            continue
        log(f"uploading {len(batch)} {name} ({human_bytes(sum(f.size for f in batch))})")
        try:
            _run(batch, lambda f: _upload(client, site, target, f, sleep), workers)
        except DeployError as exc:
            raise DeployError([*exc.problems, Problem(
                f"the deploy stopped while uploading {name} ({done} of {len(work.uploads)} uploads had finished "
                "before that step); nothing was deleted and pages still point at files that exist; "
                "run the deploy again to finish it")]) from exc
        done += len(batch)
    if work.deletions:
        log(f"deleting {len(work.deletions)} stale object(s)")
        delete_keys(client, target, work.deletions, sleep)


def _upload(client: Any, site: Path, target: Target, local: LocalFile, sleep: Sleep) -> None:
    body = (site / local.path).read_bytes()
    if hashlib.sha256(body).hexdigest() != local.sha256:
        raise DeployError(f"{local.path} changed while deploying; build again and redeploy")
    key = target.key(local.path)
    _retrying(lambda: client.put_object(
        Bucket=target.bucket, Key=key, Body=body, ContentType=local.content_type,
        CacheControl=local.cache_control, ContentMD5=base64.b64encode(bytes.fromhex(local.md5)).decode(),
        Metadata={"sha256": local.sha256}), f"upload {key}", target, sleep)


def delete_keys(client: Any, target: Target, keys: list[str], sleep: Sleep = time.sleep) -> None:
    """Delete ``keys`` with DeleteObjects (1000 a request); never a key outside the target's prefix."""
    outside = [k for k in keys if not k.startswith(target.prefix)]
    if outside:
        raise DeployError(f"refusing to delete {outside[0]}: outside the target {target}")
    failed: list[str] = []
    for start in range(0, len(keys), 1000):
        failed += _delete_batch(client, target, keys[start:start + 1000], sleep)
    if failed:
        raise DeployError([Problem(f"the new site is published, but {len(failed)} stale object(s) could not "
                                   "be deleted; run the deploy again"), *[Problem(f) for f in failed[:10]]])


def _delete_batch(client: Any, target: Target, keys: list[str], sleep: Sleep) -> list[str]:
    """One DeleteObjects request, repeated for keys S3 reports as transiently failed; returns what still failed."""
    pending, failed = keys, []
    for attempt in range(1, ATTEMPTS + 1):
        request = {"Objects": [{"Key": k} for k in pending], "Quiet": True}
        call = functools.partial(client.delete_objects, Bucket=target.bucket, Delete=request)
        errors = _retrying(call, f"delete stale objects in {target}", target, sleep).get("Errors", [])
        failed += [f"{e['Key']}: {e.get('Code')}" for e in errors if e.get("Code") not in RETRYABLE_CODES]
        pending = [e["Key"] for e in errors if e.get("Code") in RETRYABLE_CODES]
        if not pending:
            return failed
        if attempt < ATTEMPTS:
            sleep(backoff(attempt))
    return failed + [f"{k}: still failing after {ATTEMPTS} attempts" for k in pending]


def _run(items: list[LocalFile], action: Callable[[LocalFile], T], workers: int) -> dict[str, T]:
    """Run ``action`` over ``items`` on a few threads; on the first error stop starting new ones and raise it."""
    if not items:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        futures = {pool.submit(action, item): item.path for item in items}
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failures = [f for f in finished if f.exception() is not None]
        if failures:
            for future in futures:
                future.cancel()
            raise failures[0].exception()  # type: ignore[misc]
    return {path: future.result() for future, path in futures.items()}


# ---------------------------------------------------------------- retries and errors


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter: about 1, 2, 4 … seconds, at most 20."""
    return min(20.0, 0.5 * 2 ** attempt) * random.uniform(0.5, 1.0)


def retryable(exc: BaseException) -> bool:
    """Throttling, 5xx and dropped or timed-out connections are worth another try; the rest are not."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError, IncompleteReadError

    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return exc.response.get("Error", {}).get("Code") in RETRYABLE_CODES or status >= 500
    return isinstance(exc, (ConnectionError, HTTPClientError, IncompleteReadError))


def _retrying(call: Callable[[], T], action: str, target: Target, sleep: Sleep, attempts: int = ATTEMPTS) -> T:
    """``call()`` with our own retries on top of botocore's, for a job that must finish; S3 errors → DeployError."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as exc:
            if attempt < attempts and retryable(exc):
                sleep(backoff(attempt))
                continue
            error = explain(exc, action, target)
            if error is None:
                raise
            raise error from exc
    raise AssertionError("unreachable")


def explain(exc: BaseException, action: str, target: Target) -> DeployError | None:
    """One clear message for an S3 failure (credentials, missing bucket, access, endpoint); None if not S3."""
    from botocore import exceptions as boto

    if isinstance(exc, (boto.NoCredentialsError, boto.PartialCredentialsError)):
        return DeployError("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or "
                           "AWS_PROFILE (in GitHub Actions, aws-actions/configure-aws-credentials with OIDC)")
    if isinstance(exc, (boto.CredentialRetrievalError, boto.TokenRetrievalError)):
        return DeployError(f"AWS credentials could not be loaded ({type(exc).__name__}); check the AWS profile "
                           "or the OIDC role set-up")
    if isinstance(exc, boto.EndpointConnectionError):
        return DeployError(f"cannot reach the S3 endpoint {exc.kwargs.get('endpoint_url', '')} to {action}; "
                           "check AWS_ENDPOINT_URL / AWS_REGION and the network")
    if isinstance(exc, boto.ClientError):
        return _explain_client_error(exc, action, target)
    if isinstance(exc, boto.BotoCoreError):
        return DeployError(f"could not {action}: {type(exc).__name__}: {exc}")
    return None


def _explain_client_error(exc: Any, action: str, target: Target) -> DeployError:
    error = exc.response.get("Error", {})
    code, status = str(error.get("Code", "")), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == "NoSuchBucket" or (code in ("404", "NotFound") and action.startswith("list")):
        return DeployError(f"bucket '{target.bucket}' does not exist at this endpoint; create it first "
                           "(README: Publishing to S3)")
    if code in ("AccessDenied", "403", "AllAccessDisabled", "Forbidden"):
        return DeployError(f"access denied: cannot {action}; the credentials need s3:ListBucket on bucket "
                           f"'{target.bucket}' and s3:GetObject, s3:PutObject, s3:DeleteObject on {target}*")
    if code in CREDENTIAL_CODES:
        return DeployError(f"AWS rejected the credentials ({code}) when trying to {action}; check the access "
                           "key or that the session has not expired")
    if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"):
        return DeployError(f"bucket '{target.bucket}' is in another region ({code}); set AWS_REGION to its region")
    message = str(error.get("Message", "")).strip()
    return DeployError(f"S3 refused to {action}: {code or status} (HTTP {status}){': ' + message if message else ''}")


# ---------------------------------------------------------------- the command


def deploy(site: Path, target: Target, client: Any, dry_run: bool = False, workers: int = WORKERS,
           log: Log = lambda _: None, sleep: Sleep = time.sleep, label: str = "_site") -> DeployResult:
    """Check the built site, compare it with the bucket and (unless ``dry_run``) publish it."""
    started = time.perf_counter()
    files, unlisted = read_site(site, label)
    work = plan(client, files, target, workers, sleep)
    for line in plan_lines(work):
        log(line)
    if not dry_run:
        apply(client, site, work, workers, log, sleep)
    return DeployResult(work, dry_run, time.perf_counter() - started, unlisted)


def deploy_command(project_root: Path, args: Any, console: Any) -> int:
    """``reportsite deploy``: resolve the target, publish (or plan), print and record the summary."""
    from . import s3env

    site = Path(args.site)
    site = site if site.is_absolute() else project_root / site
    summary = Path(args.summary) if getattr(args, "summary", None) else None
    try:
        target = resolve_target(args.target, project_root)
        mode = " (dry run: nothing will be changed)" if args.dry_run else ""
        console.print(f"Deploying {args.site} to {target}{mode}", markup=False)
        result = deploy(site, target, s3env.client(), dry_run=args.dry_run,
                        log=lambda m: console.print(f"  {m}", markup=False), label=str(args.site))
    except DeployError as exc:
        if summary:
            _append(summary, "### Deploy\n\n" + "\n".join(f"**Failed:** {p}" for p in exc.problems[:1]) + "\n\n")
        raise
    if result.unlisted:
        console.print(f"  note: {len(result.unlisted)} file(s) in {args.site} are not in the manifest and were "
                      f"not published: {', '.join(result.unlisted[:5])}", markup=False, style="yellow")
    console.print(f"[green]✓[/] {headline(result)}")
    if summary:
        _append(summary, summary_markdown(result))
    return 0


# ---------------------------------------------------------------- reporting


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def plan_lines(work: Plan) -> list[str]:
    """One line per change (at most SHOWN), the same for a dry run and a real one."""
    prefix = len(work.target.prefix)
    rows = [f"upload  {f.path}  {human_bytes(f.size)}" for f in work.uploads]
    rows += [f"delete  {key[prefix:]}" for key in work.deletions]
    return rows[:SHOWN] + ([f"… and {len(rows) - SHOWN} more"] if len(rows) > SHOWN else [])


def headline(result: DeployResult) -> str:
    """One line: what was (or would be) uploaded, deleted and left alone."""
    work = result.plan
    if not work.changes:
        return f"{work.target} is up to date: {work.unchanged} file(s) unchanged, nothing uploaded"
    counts = (f"{len(work.uploads)} file(s) ({human_bytes(work.upload_bytes)}), "
              f"{'delete' if result.dry_run else 'deleted'} {len(work.deletions)}; {work.unchanged} unchanged")
    if result.dry_run:
        return f"dry run for {work.target}: would upload {counts}. Nothing was changed."
    return f"deployed to {work.target}: uploaded {counts} ({result.seconds:.1f}s)"


def summary_markdown(result: DeployResult) -> str:
    """A Markdown section for $GITHUB_STEP_SUMMARY: the headline and a table of what changed."""
    work = result.plan
    lines = ["### Deploy" + (" (dry run)" if result.dry_run else ""), "", headline(result), ""]
    rows = [("upload", f.path, f"{f.size:,}") for f in work.uploads]
    rows += [("delete", key[len(work.target.prefix):], "") for key in work.deletions]
    if rows:
        lines += ["| change | file | bytes |", "| --- | --- | ---: |"]
        lines += [f"| {change} | `{_cell(path)}` | {size} |" for change, path, size in rows[:SHOWN]]
        if len(rows) > SHOWN:
            lines.append(f"| … | {len(rows) - SHOWN} more | |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)

