"""``_site/manifest.json``: build status, every file with its hash, each report's fingerprint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportsite.build.manifest_model import FORMAT, GENERATOR, FileRecord, Manifest
from reportsite.integrity import digest

MANIFEST = "manifest.json"
OWN_KEYS = ("status", "site_key", "reports", "files")  # what every reportsite manifest has held


def file_digest(path: Path) -> str:
    return digest(path)


def list_files(site: Path) -> dict[str, FileRecord]:
    """Every file of the site except the manifest: relative path → sha256 and size."""
    out = {}
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            relative = path.relative_to(site).as_posix()
            out[relative] = FileRecord(sha256=file_digest(path), size=path.stat().st_size)
    return out


def _raw(site: Path) -> dict[str, Any] | None:
    """The manifest's JSON object, if it is one of this format."""
    try:
        data = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def read(site: Path) -> Manifest | None:
    """The manifest of a built site, or None when there is none or it is unreadable."""
    data = _raw(site)
    return None if data is None else Manifest.from_json(data)


def is_own(site: Path) -> bool:
    """Whether ``site`` holds a manifest that a reportsite build wrote (not a web app's or an extension's
    manifest.json): its format, its generator (or, from before it was written, every key a build writes)."""
    data = _raw(site)
    if data is None:
        return False
    return data.get("generator") == GENERATOR or (
        "generator" not in data and all(key in data for key in OWN_KEYS) and isinstance(data.get("files"), dict))


def dumps(data: Manifest) -> str:
    """The manifest's text, as written to the site."""
    return json.dumps(data.to_json(), indent=2, sort_keys=False) + "\n"


def write(site: Path, data: Manifest) -> None:
    """Write the manifest, listing every file now in ``site``."""
    data.files = list_files(site)
    if "files" not in data.json_keys:
        data.json_keys.append("files")
    (site / MANIFEST).write_text(dumps(data), encoding="utf-8")
