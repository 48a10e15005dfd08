"""What a deploy would change: the site compared with one listing of the bucket and a HEAD of each kept object.

The listing gives sizes and ETags (the MD5 of a single-part upload); a HEAD gives what the
listing does not: the sha256 the deploy stored (for ETags that are not an MD5) and the
Content-Type and Cache-Control on the bucket, so an object with the right bytes but drifted
headers (edited by hand, uploaded by another tool) is uploaded again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from reportsite.deploy.s3 import WORKERS, Sleep, is_missing, retrying, run_parallel
from reportsite.deploy.site import LocalFile, phase
from reportsite.deploy.target import Target


@dataclass(frozen=True)
class Remote:
    key: str
    etag: str
    size: int


@dataclass(frozen=True)
class Stored:
    """What a HEAD says about an object."""

    sha256: str | None
    content_type: str | None
    cache_control: str | None


@dataclass(frozen=True)
class HeaderFix:
    """A file whose bytes are published but whose headers drifted; ``reason`` says how."""

    file: LocalFile
    reason: str  # "Content-Type was text/plain"


@dataclass
class Plan:
    """What a deploy does: uploads and header fixes, stale keys to delete, how many files stay."""

    target: Target
    uploads: list[LocalFile]  # new or changed bytes, in publishing order
    deletions: list[str]  # full keys, all under target.prefix
    unchanged: int
    fixes: list[HeaderFix] = field(default_factory=list)  # published bytes with drifted headers

    @property
    def writes(self) -> list[LocalFile]:
        """Every file to PUT (uploads and header fixes), in publishing order."""
        return sorted([*self.uploads, *(f.file for f in self.fixes)], key=lambda f: (phase(f.path), f.path))

    @property
    def upload_bytes(self) -> int:
        return sum(f.size for f in self.uploads)

    @property
    def changes(self) -> bool:
        return bool(self.uploads or self.fixes or self.deletions)


def plan(client: Any, files: list[LocalFile], target: Target, workers: int = WORKERS,
         sleep: Sleep = time.sleep) -> Plan:
    """Compare the site with the bucket: what to upload (in order), whose headers to fix, what to delete."""
    remote = retrying(lambda: list_remote(client, target), f"list {target}", target, sleep)
    kept = [f for f in files if _same_size(f, remote.get(target.key(f.path)))]
    stored = run_parallel(kept, lambda f: head(client, target, f, sleep), workers)
    uploads, fixes = [], []
    for local in files:
        found, info = remote.get(target.key(local.path)), stored.get(local.path)
        if found is None or info is None or _changed(local, found, info):
            uploads.append(local)
        elif reason := drift(local, info):
            fixes.append(HeaderFix(local, reason))
    uploads.sort(key=lambda f: (phase(f.path), f.path))
    wanted = {target.key(f.path) for f in files}
    deletions = sorted(k for k in remote if k not in wanted and k.startswith(target.prefix)
                       and not k.endswith("/") and not target.is_state(k))
    return Plan(target, uploads, deletions, len(files) - len(uploads) - len(fixes), fixes)


def list_remote(client: Any, target: Target) -> dict[str, Remote]:
    """Every object under the prefix (one ListObjectsV2 pass), with its ETag and size."""
    found: dict[str, Remote] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=target.bucket, Prefix=target.prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = Remote(item["Key"], item.get("ETag", "").strip('"'), int(item.get("Size", -1)))
    return found


def head(client: Any, target: Target, local: LocalFile, sleep: Sleep) -> Stored | None:
    """The stored sha256 and headers of ``local``'s object; None if it was deleted since the listing."""
    key = target.key(local.path)
    try:
        answer = retrying(lambda: client.head_object(Bucket=target.bucket, Key=key), f"read {key}", target, sleep)
    except Exception as exc:
        if is_missing(exc):
            return None  # deleted since the listing: upload it
        raise
    return Stored(answer.get("Metadata", {}).get("sha256"), answer.get("ContentType"), answer.get("CacheControl"))


def drift(local: LocalFile, stored: Stored) -> str | None:
    """How the object's headers differ from the ones the deploy sets ("Content-Type was text/plain"), or None."""
    wrong = [f"{name} was {found if found else 'not set'}"
             for name, found, wanted in (("Content-Type", stored.content_type, local.content_type),
                                         ("Cache-Control", stored.cache_control, local.cache_control))
             if _normal(found) != _normal(wanted)]
    return "; ".join(wrong) or None


def _normal(header: str | None) -> str:
    """Case and spaces do not matter (a store may answer ``text/html;charset=UTF-8`` for what was set)."""
    return "".join((header or "").lower().split())


def _same_size(local: LocalFile, remote: Remote | None) -> bool:
    return remote is not None and remote.size == local.size


def _changed(local: LocalFile, remote: Remote, stored: Stored) -> bool:
    """Other bytes: the ETag is not the MD5 (changed, or not an MD5: SSE-KMS, multipart) and no matching sha256."""
    return remote.size != local.size or (remote.etag != local.md5 and stored.sha256 != local.sha256)
