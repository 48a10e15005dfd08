"""``_site/manifest.json``: build status, every file with its hash, each report's fingerprint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportsite.integrity import digest

MANIFEST = "manifest.json"
FORMAT = 1


def file_digest(path: Path) -> str:
    return digest(path)


def list_files(site: Path) -> dict[str, dict[str, Any]]:
    """Every file of the site except the manifest: relative path → sha256 and size."""
    out = {}
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            relative = path.relative_to(site).as_posix()
            out[relative] = {"sha256": file_digest(path), "size": path.stat().st_size}
    return out


def read(site: Path) -> dict[str, Any] | None:
    """The manifest of a built site, or None when there is none or it is unreadable."""
    try:
        data = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def write(site: Path, data: dict[str, Any]) -> None:
    data = {"format": FORMAT, **data, "files": list_files(site)}
    (site / MANIFEST).write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
