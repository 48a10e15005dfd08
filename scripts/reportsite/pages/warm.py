"""The unit workers' fork server, started as early as a build knows it will need it.

A report with filters or a page per value makes its blocks in worker processes, all started from one fork
server (``workers``). Before it starts any, the fork server imports what every worker needs (``preloads``):
about 0.8 s of one core. Started early, that work runs on a core the build leaves idle while it imports itself
and reads its configuration, instead of competing with its queries. The command line starts it before it
imports the build (``cli.start``), having read only the report files' top-level keys (``start_for``); the
build starts it (a no-op if it runs already) once it knows which reports it will make (``start``).

Only the standard library and ``query.memory`` (itself standard library only) are imported here: this module
runs before anything heavy is loaded.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
from multiprocessing import forkserver
from pathlib import Path

from reportsite.query import memory

WORKERS_ENV = "REPORTSITE_WORKERS"  # how many worker processes make units (0 or 1: all in this process)
TOP_KEYS = re.compile(r"^(filters|for_each|charts)[ \t]*:", re.MULTILINE)  # a report's top-level keys
MAX_READ = 1_000_000  # characters read from each report file (the loader's own limit)


def preloads(charts: bool, pages: bool = False) -> list[str]:
    """What the fork server imports once for every worker: the units' module and what their first blocks need
    (``worker_ready``), Altair with a chart-spec skeleton for a report with charts (``charts.ready``: each
    worker would import it for itself, 0.4 s), the page writers' module for a family."""
    return (["reportsite.pages.workers", "reportsite.pages.worker_ready"]
            + (["reportsite.charts.ready"] if charts else [])
            + (["reportsite.render.page_writers"] if pages else []))


def configured() -> int | None:
    """The worker count ``REPORTSITE_WORKERS`` sets (anything but a whole number counts as 0), or None."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() else 0


def may_use_workers() -> bool:
    """Whether a large run would use workers here: as many as are set (0 or 1: none), else one per core on
    Linux when there are several (``workers.worker_count``)."""
    count = configured()
    if count is not None:
        return count > 1
    return sys.platform.startswith("linux") and memory.threads() > 1


def start(charts: bool, pages: bool) -> None:
    """Start the fork server now with ``preloads(charts, pages)``, where workers may be used."""
    if not may_use_workers():
        return
    multiprocessing.get_context("forkserver").set_forkserver_preload(preloads(charts, pages))
    forkserver.ensure_running()


def needs(root: Path) -> tuple[bool, bool, bool]:
    """From the report files' top-level keys alone: whether some report has filters or a page per value, whether
    one of those has charts, and whether one has a page per value. A guess (the files are not validated yet):
    a wrong one starts the fork server for nothing, or leaves it to the build to start."""
    many = charts = pages = False
    folder = root / "reports"
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        if not path.is_file():  # a folder, or a pipe that would wait for a writer: the build reports it
            continue
        try:
            with path.open(encoding="utf-8", errors="replace") as file:
                keys = set(TOP_KEYS.findall(file.read(MAX_READ)))
        except OSError:
            continue
        if keys & {"filters", "for_each"}:
            many, charts, pages = True, charts or "charts" in keys, pages or "for_each" in keys
    return many, charts, pages


def start_for(root: Path) -> None:
    """Start the fork server if the project at ``root`` looks like it will need workers (``needs``)."""
    many, charts, pages = needs(root)
    if many:
        start(charts, pages)


__all__ = ["WORKERS_ENV", "configured", "may_use_workers", "needs", "preloads", "start", "start_for"]
