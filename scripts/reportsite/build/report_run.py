"""Run one report: fetch its S3 sources, register its tables on a locked DuckDB, run its checks and items.

Everything a report page shows is gathered here into a ``ReportPage``; nothing
is rendered or published. Errors from every item are collected so that one run
reports all of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import tempfile
import time
import zoneinfo
from collections.abc import Mapping
from pathlib import Path

from reportsite.config.project import Report
from reportsite.config.site_models import SiteConfig
from reportsite.errors import Problems, ReportError
from reportsite.pages import alert_values, family, slices
from reportsite.pages.context import Progress, RunContext, no_progress
from reportsite.pages.family import PageFiles
from reportsite.pages.freshness import files_updated, set_data_as_of, stale_sources
from reportsite.pages.page import ReportPage, with_parameters
from reportsite.query import checks
from reportsite.sources import engines
from reportsite.sources.model import Source
from reportsite.sources.s3plan import fetch_s3_sources
from reportsite.values.formats import Formats


def run_report(
    report: Report,
    site: SiteConfig,
    resolved: list[Source],
    downloads: Path | None,
    now: dt.datetime,
    cache: Path | None = None,
    s3_wanted: dict[str, set[str]] | None = None,
    families: Mapping[str, Mapping[str, str]] | None = None,
    page_files: PageFiles | None = None,
    progress: Progress = no_progress,
) -> ReportPage:
    """Query everything the report shows. Raises ReportError listing every failed item.

    ``cache`` keeps local copies of S3 sources between builds (a temporary folder when None); ``page_files``
    names a for_each report's pages (a private report's hide their values); ``progress`` hears how many of a
    for_each report's pages (or a filtered page's choices) are filled.
    """
    config = report.config
    page = ReportPage(
        slug=report.slug,
        title=with_parameters(config.title, config.parameters) or config.title,
        description=config.description,
        update_frequency=config.update_frequency,
        text=[p.strip() for p in re.split(r"\n\s*\n", config.text or "") if p.strip()],
        sources=[
            {"table": s.table, "url": s.written, "files": len(s.files), "bytes": s.size,
             "modified": s.modified.isoformat() if s.modified else None}
            for s in resolved
        ],
    )
    modified = [s.modified for s in resolved if s.modified]
    page.data_modified = max(modified).isoformat() if modified else None
    files_updated(page, Formats.of(site))
    page.warnings.extend(stale_sources(report, resolved, now))
    with contextlib.ExitStack() as stack:
        if cache is None and any(s.is_s3 for s in resolved):
            cache = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="reportsite-s3-")))
        problems = _run(report, site, resolved, downloads, now, cache, s3_wanted, families or {}, page_files,
                        progress, page)
    if problems:
        raise ReportError(list(problems))  # each once, whichever pages or choices it failed for
    return page


def _run(report: Report, site: SiteConfig, resolved: list[Source], downloads: Path | None, now: dt.datetime,
         cache: Path | None, s3_wanted: dict[str, set[str]] | None, families: Mapping[str, Mapping[str, str]],
         page_files: PageFiles | None, progress: Progress, page: ReportPage) -> Problems:
    """The report's sources fetched and registered on a locked connection, its checks and items run."""
    started = time.perf_counter()
    athena = engines.engine_of(report, site) == "athena"  # Athena reads the data where it is: nothing is copied
    if any(s.is_s3 for s in resolved) and not athena:
        assert cache is not None
        resolved = fetch_s3_sources(report, resolved, cache, s3_wanted, page.notes, site.cache_max_gb)
        page.seconds["fetch"] = time.perf_counter() - started
    problems = Problems()
    try:
        session = engines.open_session(report, site, resolved, cache)
    except ReportError as exc:
        problems.extend(exc.problems)
        return problems
    try:
        page.seconds["register"] = time.perf_counter() - started
        mark = time.perf_counter()
        for outcome in checks.run_checks(session, report, now):
            if outcome.severity == "error":
                problems.add(outcome.problem)
            else:
                page.warnings.append(str(outcome.problem))
        page.seconds["checks"] = time.perf_counter() - mark
        problems.extend(set_data_as_of(page, session, report, Formats.of(site)))
        mark = time.perf_counter()
        ctx = RunContext(session, report, site, downloads, site_today(site, now), problems, families, progress)
        if report.config.for_each is not None:
            family.run_members(ctx, page, page_files)
        else:
            slices.run_items(ctx, page, report.config.parameters, report.config.title)
        page.alerts = alert_values.observe(session, report, site, page, problems)
        page.seconds["queries"] = time.perf_counter() - mark
        page.queries = session.count
        page.notes.extend(f"{label} ran out of memory and was run again with one thread and insertion order not "
                          "preserved" for label in dict.fromkeys(session.retried))
        page.notes.extend(session.notes)
    finally:
        page.athena = engines.usage(session)
        session.close()
    return problems


def site_today(site: SiteConfig, now: dt.datetime) -> dt.date:
    """The build's date in the site's time zone: what date_range presets count back from."""

    return now.astimezone(zoneinfo.ZoneInfo(site.timezone)).date()


