"""Where the site is published, and the data it must never overlap.

The deploy deletes every object under its target that is not part of the site, and
the build lists source folders and globs: so a target that holds a data source, or
lies inside one, is refused before anything is listed or written. The check reads
only the configuration (no S3 requests).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportsite.config.project import SITE_FILE, gather_project, load_site, resolved_data_root
from reportsite.errors import DeployError, Problem
from reportsite.sources.kinds import resolve_url

if TYPE_CHECKING:
    from reportsite.config.project import Report

TARGET_ENV = "REPORTSITE_DEPLOY_TARGET"
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
GLOB = re.compile(r"[*?\[]")
DELETES = "deploy deletes every object under its target that is not part of the site"
STATE = ".reportsite/"  # under the target prefix: the deploy's own objects (its lock), never part of the site


@dataclass(frozen=True)
class Target:
    """Where the site goes: a bucket and a key prefix that is empty or ends with ``/``."""

    bucket: str
    prefix: str = ""

    def key(self, relative: str) -> str:
        return self.prefix + relative

    def is_state(self, key: str) -> bool:
        """A key of the deploy's own state (``<prefix>.reportsite/…``): never uploaded, deleted or counted."""
        return key.startswith(self.prefix + STATE)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


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
    """The target from --target, else $REPORTSITE_DEPLOY_TARGET, else site.yaml's deploy_target; refused if it
    overlaps the data root or any S3 location a report reads."""
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
    data_root = resolved_data_root(site, root)
    project, _ = gather_project(root)  # reports that do not load built no site: not this command's concern
    problems = [*data_root_overlap(target, data_root),
                *(problem for report in project.reports for problem in source_overlaps(target, report, data_root))]
    if problems:
        raise DeployError(problems)
    return target


def data_root_overlap(target: Target, data_root: str) -> list[Problem]:
    """The target may neither hold the data root (deleting stale objects would delete the data) nor lie inside
    it (the stale objects under the target are data objects, and the build would read the site as data)."""
    location = s3_location(data_root, glob=False)
    if not location or location[0] != target.bucket:
        return []
    if location[1].startswith(target.prefix):
        return [Problem(f"deploy target {target} contains the data root {data_root}: the {DELETES}; publish "
                        "to a separate prefix or bucket")]
    if target.prefix.startswith(location[1]):
        return [Problem(f"deploy target {target} lies inside the data root {data_root}: the {DELETES}, and "
                        "objects there are data; publish to a prefix or bucket outside the data root")]
    return []


def source_overlaps(target: Target, report: Report, data_root: str) -> list[Problem]:
    """A located problem for each of ``report``'s sources that the target holds or lies inside."""
    problems = []
    for table, written in report.config.tables_by_name().items():
        url = resolve_url(written, data_root)
        message = overlap(target, url)
        if message:
            problems.append(report.problem(report.config.source_key(table), message))
    return problems


def overlap(target: Target, url: str) -> str | None:
    """Why publishing to ``target`` would endanger the source at ``url`` (resolved), or None when it would not."""
    location = s3_location(url, glob=True)
    if location is None or location[0] != target.bucket:
        return None
    key = location[1]
    if key.startswith(target.prefix):
        return (f"deploy target {target} holds this data source ({url}); {DELETES}, so publish to another "
                "prefix or bucket")
    if target.prefix.startswith(key):
        return (f"deploy target {target} lies inside this data source ({url}), so the build would read the "
                "site's own files (its CSV downloads) as data; publish to another prefix or bucket")
    return None


def s3_location(url: str, glob: bool) -> tuple[str, str] | None:
    """``(bucket, key)`` an S3 URL covers, or None for a local path: a glob's fixed part before its first
    ``*?[``; any other key as a folder (``data/sales.parquet/``), since a source may be a folder of files."""
    if not url.startswith("s3://"):
        return None
    bucket, _, key = url[len("s3://"):].partition("/")
    match = GLOB.search(key) if glob else None
    if match:
        return bucket, key[:match.start()]
    key = key.strip("/")
    return bucket, f"{key}/" if key else ""
