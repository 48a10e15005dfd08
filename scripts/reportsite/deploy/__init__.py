"""Publish ``_site/`` to ``s3://bucket/prefix``: upload what changed, in a safe order, then delete stale objects.

The build's ``manifest.json`` is the source of truth: a partial or tampered build is
refused (``deploy.site``). A target that holds or lies inside a data source is refused
from the configuration alone (``deploy.target``). One deploy at a time holds the
target's lock (``deploy.lock``). Uploads are compared with the bucket (``deploy.plan``:
one listing and a HEAD per kept object), so an unchanged site writes only its lock.
Order: assets and data, report pages, the index page, the manifest; stale objects are
deleted last, so a visitor never gets a page that points at a missing file, and a
deploy cut off half-way is completed by the next.

Layer: delivery, beside ``smoke`` (they do not import each other). May import ``ops`` and everything below it;
it never runs report SQL.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.deploy.lock import Clock, DeployLock, dry_run_note, utc_now
from reportsite.deploy.plan import HeaderFix, Plan, Remote, Stored, list_remote, plan
from reportsite.deploy.s3 import (
    ATTEMPTS,
    RETRYABLE_CODES,
    WORKERS,
    Sleep,
    backoff,
    explain,
    retryable,
    retrying,
    run_parallel,
)
from reportsite.deploy.site import (
    IMMUTABLE,
    PHASES,
    REVALIDATE,
    LocalFile,
    cache_control,
    content_type,
    phase,
    read_site,
)
from reportsite.deploy.target import TARGET_ENV, Target, parse_target, resolve_target
from reportsite.errors import DeployError, Problem
from reportsite.ops.costs import deploy_bill
from reportsite.ops.notify import after_deploy
from reportsite.sources import s3env

Log = Callable[[str], None]
SHOWN = 100  # changed files listed in the console and the job summary

__all__ = ["IMMUTABLE", "REVALIDATE", "TARGET_ENV", "DeployResult", "HeaderFix", "LocalFile", "Plan", "Remote",
           "Stored", "Target", "apply", "backoff", "cache_control", "content_type", "delete_keys", "deploy",
           "deploy_command", "explain", "list_remote", "parse_target", "phase", "plan", "read_site",
           "resolve_target", "retryable"]


@dataclass
class DeployResult:
    plan: Plan
    dry_run: bool
    seconds: float = 0.0
    unlisted: list[str] = field(default_factory=list)  # files in the folder the manifest does not list


# ---------------------------------------------------------------- apply


def apply(client: Any, site: Path, work: Plan, workers: int = WORKERS, log: Log = lambda _: None,
          sleep: Sleep = time.sleep, between: Callable[[], None] = lambda: None) -> None:
    """Upload phase by phase (each finishes before the next starts), then delete the stale objects.

    ``between`` runs before each step (the deploy refreshes its lock there)."""
    target, done, writes = work.target, 0, work.writes
    for number, name in enumerate(PHASES):
        batch = [f for f in writes if phase(f.path) == number]
        if not batch:
            continue
        between()
        log(f"uploading {len(batch)} {name} ({human_bytes(sum(f.size for f in batch))})")
        try:
            run_parallel(batch, lambda f: _upload(client, site, target, f, sleep), workers)
        except DeployError as exc:
            raise DeployError([*exc.problems, Problem(
                f"the deploy stopped while uploading {name} ({done} of {len(writes)} uploads had finished "
                "before that step); nothing was deleted and pages still point at files that exist; "
                "run the deploy again to finish it")]) from exc
        done += len(batch)
    if work.deletions:
        between()
        log(f"deleting {len(work.deletions)} stale object(s)")
        delete_keys(client, target, work.deletions, sleep)


def _upload(client: Any, site: Path, target: Target, local: LocalFile, sleep: Sleep) -> None:
    body = (site / local.path).read_bytes()
    if hashlib.sha256(body).hexdigest() != local.sha256:
        raise DeployError(f"{local.path} changed while deploying; build again and redeploy")
    key = target.key(local.path)
    retrying(lambda: client.put_object(
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
        errors = retrying(call, f"delete stale objects in {target}", target, sleep).get("Errors", [])
        failed += [f"{e['Key']}: {e.get('Code')}" for e in errors if e.get("Code") not in RETRYABLE_CODES]
        pending = [e["Key"] for e in errors if e.get("Code") in RETRYABLE_CODES]
        if not pending:
            return failed
        if attempt < ATTEMPTS:
            sleep(backoff(attempt))
    return failed + [f"{k}: still failing after {ATTEMPTS} attempts" for k in pending]


# ---------------------------------------------------------------- the command


def deploy(site: Path, target: Target, client: Any, dry_run: bool = False, workers: int = WORKERS,
           log: Log = lambda _: None, sleep: Sleep = time.sleep, label: str = "_site",
           clock: Clock = utc_now) -> DeployResult:
    """Check the built site, then, holding the target's lock, compare it with the bucket and publish it.

    A dry run takes no lock (it only says whether one is held) and writes nothing."""
    started = time.perf_counter()
    files, unlisted = read_site(site, label)
    lock = DeployLock(client, target, clock=clock, sleep=sleep)
    note = dry_run_note(client, target, clock, sleep) if dry_run else lock.acquire()
    if note:
        log(note)
    try:
        work = plan(client, files, target, workers, sleep)
        for line in plan_lines(work):
            log(line)
        if not dry_run:
            apply(client, site, work, workers, log, sleep, between=lock.refresh_if_due)
    except DeployError as exc:
        raise DeployError([*exc.problems, *lock.release_after_failure()]) from exc
    except BaseException:
        lock.release_after_failure()
        raise
    lock.release()
    return DeployResult(work, dry_run, time.perf_counter() - started, unlisted)


def deploy_command(project_root: Path, args: Any, console: Any) -> int:
    """``reportsite deploy``: resolve the target, publish (or plan), print and record the summary."""
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
        _append(summary, _bill(project_root, site, result))
    if not args.dry_run:
        after_deploy(project_root, site, [f.path for f in result.plan.uploads],
                     lambda m: console.print(f"warning: {m}", markup=False, style="yellow"))
    return 0


def _bill(project_root: Path, site: Path, result: DeployResult) -> str:
    """The month's estimated bill from this deploy's requests and the run's minutes (costs.py)."""
    work = result.plan
    return deploy_bill(project_root, site, len(work.uploads), len(work.deletions), work.unchanged, result.seconds,
                       time.time())


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
    rows += [f"fix headers  {fix.file.path}  ({fix.reason})" for fix in work.fixes]
    rows += [f"delete  {key[prefix:]}" for key in work.deletions]
    return rows[:SHOWN] + ([f"… and {len(rows) - SHOWN} more"] if len(rows) > SHOWN else [])


def headline(result: DeployResult) -> str:
    """One line: what was (or would be) uploaded, fixed, deleted and left alone."""
    work = result.plan
    if not work.changes:
        return f"{work.target} is up to date: {work.unchanged} file(s) unchanged, nothing uploaded"
    fixed = ""
    if work.fixes:
        fixed = f", {'fix' if result.dry_run else 'fixed'} the headers of {len(work.fixes)}"
    counts = (f"{len(work.uploads)} file(s) ({human_bytes(work.upload_bytes)}){fixed}, "
              f"{'delete' if result.dry_run else 'deleted'} {len(work.deletions)}; {work.unchanged} unchanged")
    if result.dry_run:
        return f"dry run for {work.target}: would upload {counts}. Nothing was changed."
    return f"deployed to {work.target}: uploaded {counts} ({result.seconds:.1f}s)"


def summary_markdown(result: DeployResult) -> str:
    """A Markdown section for $GITHUB_STEP_SUMMARY: the headline and a table of what changed."""
    work = result.plan
    lines = ["### Deploy" + (" (dry run)" if result.dry_run else ""), "", headline(result), ""]
    rows = [("upload", f.path, f"{f.size:,}") for f in work.uploads]
    rows += [(f"fix headers ({fix.reason})", fix.file.path, f"{fix.file.size:,}") for fix in work.fixes]
    rows += [("delete", key[len(work.target.prefix):], "") for key in work.deletions]
    if rows:
        lines += ["| change | file | bytes |", "| --- | --- | ---: |"]
        lines += [f"| {_cell(change)} | `{_cell(path)}` | {size} |" for change, path, size in rows[:SHOWN]]
        if len(rows) > SHOWN:
            lines.append(f"| … | {len(rows) - SHOWN} more | |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)

