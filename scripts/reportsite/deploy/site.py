"""The built site as the deploy sees it: the files its manifest lists, checked on disk, with their headers.

A partial, failed or modified build is refused here, before anything talks to S3.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reportsite.build import manifest
from reportsite.build.manifest_model import Manifest
from reportsite.deploy.target import STATE
from reportsite.errors import DeployError, Problem

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
HASHED_ASSET = re.compile(r"^assets/(?:.+/)?[^/]+\.[0-9a-f]{8,64}\.[A-Za-z0-9]+$")
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
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PHASES = ("assets and data files", "report pages", "index page", "manifest")


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


def phase(path: str) -> int:
    """Publishing order: 0 assets and data, 1 report pages, 2 the index page, 3 the manifest."""
    if path == manifest.MANIFEST:
        return 3
    if path == "index.html":
        return 2
    return 1 if path.endswith((".html", ".htm")) else 0


def read_site(site: Path, label: str = "_site") -> tuple[list[LocalFile], list[str]]:
    """The site's files (from its manifest, checked against the disk) and any files the manifest omits."""
    data = _read_manifest(site, label)
    listed = data.files
    if listed is None:
        raise DeployError(f"refusing to deploy: {label}/{manifest.MANIFEST} has no 'files' table; rebuild the site")
    files, problems = [], []
    for relative, entry in sorted(listed.items()):
        problem = _unsafe_path(relative)
        if problem is None and not (site / relative).is_file():
            problem = f"{relative}: listed in {manifest.MANIFEST} but missing"
        if problem is None:
            local = _local_file(site, relative)
            if (entry.sha256, entry.size) != (local.sha256, local.size):
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


def _read_manifest(site: Path, label: str) -> Manifest:
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
    status = data.status
    if status == "partial":
        failed = sorted(s for s, r in data.reports.items() if r.status == "failed")
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
    if relative.startswith(STATE):
        return f"{relative}: {STATE} is kept for the deploy's own lock, not for site files"
    return None


def _local_file(site: Path, relative: str) -> LocalFile:
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with (site / relative).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
            md5.update(block)
            size += len(block)
    return LocalFile(relative, size, sha.hexdigest(), md5.hexdigest())
