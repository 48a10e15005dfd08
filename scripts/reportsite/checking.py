"""``reportsite check``: everything ``build`` verifies, without writing anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .config import load_project
from .errors import CheckError, Problem, ReportError


def check_project(root: Path, strict: bool = False,
                  now: dt.datetime | None = None) -> str:
    """Validate every file, resolve every source and run every query and check; raise on any problem."""
    from . import report_run

    project = load_project(root)
    now = now or dt.datetime.now(dt.UTC)
    errors: list[ReportError] = []
    warnings: list[str] = []
    queries = 0
    for report in project.reports:
        try:
            found = report_run.resolve_sources(report, project.data_root)
            page = report_run.run_report(report, project.site, found, None, now)
        except ReportError as exc:
            errors.append(exc)
            continue
        warnings.extend(page.warnings)
        queries += len(page.metrics) + len(page.charts) + len(page.tables)
    if errors:
        raise ReportError.gather(errors)
    if warnings and strict:
        raise CheckError([Problem(f"{w} (warning; --strict treats warnings as errors)") for w in warnings])
    note = f"; {len(warnings)} warning(s)" if warnings else ""
    return f"{len(project.reports)} report(s) valid, {queries} queries ran{note}"
