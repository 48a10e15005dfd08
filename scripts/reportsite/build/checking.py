"""``reportsite check``: everything ``build`` verifies, without writing anything.

Every report is checked even when others are broken, so one run lists every
problem in every file: invalid files are reported from validation, valid ones
have their sources resolved and every query and data check run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from reportsite.build import report_run
from reportsite.caches import cache_dir
from reportsite.config.project import Report, gather_project
from reportsite.errors import CheckError, ConfigError, Problem, ReportError
from reportsite.pages.links import link_error
from reportsite.private.access import problems as access_problems
from reportsite.query.sqlpolicy import refused_sql
from reportsite.render.assets import logo_problem
from reportsite.sources.engines import engine_of
from reportsite.sources.kinds import resolve_sources
from reportsite.sources.s3plan import s3_columns_of_build


@dataclass(frozen=True)
class CheckSummary:
    text: str
    warnings: list[str]

    def __str__(self) -> str:
        return self.text


def check_project(root: Path, strict: bool = False,
                  now: dt.datetime | None = None) -> CheckSummary:
    """Validate every file, resolve every source and run every query and check; raise on any problem."""
    project, config_errors = gather_project(root)
    now = now or dt.datetime.now(dt.UTC)
    errors: list[ReportError] = list(config_errors)
    logo = logo_problem(root, project.site)
    if logo:
        errors.insert(0, ReportError(logo))

    denied = access_problems(project)  # unknown audiences, missing or short passwords
    if denied:
        errors.insert(0, ConfigError(denied))
    warnings: list[str] = []
    queries = 0
    resolved = []
    for report in project.reports:
        refused = refused_sql(report) or link_error(project, report)
        if refused:
            errors.append(refused)
            continue
        try:
            resolved.append((report, resolve_sources(report, project.data_root, now=now)))
        except ReportError as exc:
            errors.append(ReportError([attribute(report, p) for p in exc.problems]))
    s3_wanted = s3_columns_of_build([(r, found) for r, found in resolved  # the copies `build` will use
                                     if engine_of(r, project.site) == "duckdb"], cache_dir(root))
    for report, found in resolved:
        try:
            page = report_run.run_report(report, project.site, found, None, now, cache_dir(root), s3_wanted)
        except ReportError as exc:
            errors.append(ReportError([attribute(report, p) for p in exc.problems]))
            continue
        warnings.extend(page.warnings)
        queries += page.queries
    if errors:
        raise ReportError.gather(errors)
    if warnings and strict:
        raise CheckError([Problem(f"{w} (warning; --strict treats warnings as errors)") for w in warnings])
    note = f"; {len(warnings)} warning(s)" if warnings else ""
    return CheckSummary(f"{len(project.reports)} report(s) valid, {queries} queries ran{note}", warnings)


def attribute(report: Report, problem: Problem) -> Problem:
    """A problem that lost its location (e.g. a source that failed to register) placed in its report."""
    if problem.file:
        return problem
    for table, written in report.config.tables_by_name().items():
        if f"'{written}'" in problem.message:
            return report.problem(report.config.source_key(table), problem.message)
    return Problem(problem.message, file=report.display)
