"""What a deploy would change: the site compared with one listing of the bucket.

The listing gives sizes and ETags (the MD5 of a single-part upload); an object of the
same size whose ETag is not the file's MD5 (changed, or SSE-KMS / multipart) is read
with a HEAD for the sha256 the deploy stored in its metadata.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .deploy_s3 import WORKERS, Sleep, is_missing, retrying, run_parallel
from .deploy_site import LocalFile, phase
from .deploy_target import Target


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


def plan(client: Any, files: list[LocalFile], target: Target, workers: int = WORKERS,
         sleep: Sleep = time.sleep) -> Plan:
    """Compare the site with the bucket: what to upload (in order), what to delete, what stays."""
    remote = retrying(lambda: list_remote(client, target), f"list {target}", target, sleep)
    uncertain = [f for f in files if _needs_head(f, remote.get(target.key(f.path)))]
    stored = run_parallel(uncertain, lambda f: stored_sha256(client, target, f, sleep), workers)
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


def stored_sha256(client: Any, target: Target, local: LocalFile, sleep: Sleep) -> str | None:
    key = target.key(local.path)
    try:
        head = retrying(lambda: client.head_object(Bucket=target.bucket, Key=key), f"read {key}", target, sleep)
    except Exception as exc:
        if is_missing(exc):
            return None  # deleted since the listing: upload it
        raise
    return head.get("Metadata", {}).get("sha256")


def _changed(local: LocalFile, remote: Remote | None, stored_sha256: str | None) -> bool:
    if remote is None or remote.size != local.size:
        return True
    return remote.etag != local.md5 and stored_sha256 != local.sha256
