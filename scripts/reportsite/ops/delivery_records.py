"""Read back what the build left for digests and alerts: each report's ``delivery.json`` and PDFs.

A public report's files are read as they are. A private report's are sealed: they are opened with its
audiences' passwords from the environment (the same variables the build and smoke read), and a private
report whose password is not there is left out with a warning, never sent in any other form.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsite.build.manifest_model import Manifest
from reportsite.build.printing import DELIVERY
from reportsite.build.sealing import hidden_name
from reportsite.config.project import Project
from reportsite.errors import ConfigError
from reportsite.private import access
from reportsite.private.crypto import unseal

Warn = Callable[[str], None]


@dataclass
class Record:
    slug: str
    title: str
    page: str  # reports/<slug>.html
    private: bool
    access: list[str]
    data_as_of: str
    headlines: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    pdf: bytes | None = None
    pdf_name: str = ""


def _locks(project: Project, warn: Warn) -> dict[str, Any]:
    if not any(r.config.access for r in project.reports):
        return {}
    try:
        return access.locks(project)
    except ConfigError as exc:
        warn(f"deliver: private reports are left out of every message: {exc.problems[0]}")
        return {}


def records(project: Project, site: Path, warn: Warn) -> dict[str, Record]:
    """Every built report's record, by name; reports that failed or could not be opened are left out."""
    manifest = Manifest.from_json(json.loads((site / "manifest.json").read_text(encoding="utf-8")))
    locks = _locks(project, warn)
    found: dict[str, Record] = {}
    for report in project.reports:
        slug, entry = report.slug, manifest.reports.get(report.slug)
        if entry is None or entry.status != "ok":
            continue
        relative = f"data/{slug}/{DELIVERY}"
        lock = locks.get(slug) if report.config.access else None
        if report.config.access and lock is None:
            continue
        try:
            body = _read(site, relative, lock, slug)
        except FileNotFoundError:
            continue  # built before digests existed, or without a record: nothing to send for it
        except Exception as exc:
            warn(f"deliver: {slug}: its delivery record cannot be read ({exc}); it is left out")
            continue
        data = json.loads(body)
        record = Record(slug, data["title"], data["page"], bool(report.config.access), list(report.config.access),
                        data.get("data_as_of", ""), data.get("headlines", []), data.get("alerts", []))
        if data.get("pdf"):
            try:
                record.pdf = _read(site, data["pdf"], lock, slug)
                record.pdf_name = f"{slug}.pdf"
            except Exception as exc:
                warn(f"deliver: {slug}: its PDF cannot be read ({exc}); messages link to the page instead")
        found[slug] = record
    return found


def _read(site: Path, relative: str, lock: Any, slug: str) -> bytes:
    if lock is None:
        return (site / relative).read_bytes()
    return unseal(lock.key, (site / hidden_name(lock, slug, relative)).read_bytes())


__all__ = ["Record", "records"]
