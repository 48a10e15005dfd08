"""``reportsite check``: everything ``build`` verifies, without writing anything.

Every report is checked even when others are broken, so one run lists every
problem in every file: invalid files are reported from validation, valid ones
have their sources resolved and every query and data check run.

Incremental, like ``build``: a report whose fingerprint (its files, its data's ETags and sizes, the
templates, the code, the date where it matters) equals the one the previous build recorded in
``_site/manifest.json`` ran those same queries on that same data when it was built, so it is not queried
again (``--full`` queries everything).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.build import manifest, report_run
from reportsite.build.fingerprints import fingerprint_of, site_key, with_link_targets
from reportsite.build.manifest_model import Entry
from reportsite.caches import cache_dir
from reportsite.config import delivery_rules
from reportsite.config.project import Project, Report, gather_project
from reportsite.errors import CheckError, ConfigError, Problem, ReportError
from reportsite.pages.links import link_error
from reportsite.private import access, withheld
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
    queries: dict[str, int] = field(default_factory=dict)  # the queries each report queried ran

    def __str__(self) -> str:
        return self.text


def check_project(root: Path, strict: bool = False, now: dt.datetime | None = None, full: bool = False,
                  out: Path | None = None) -> CheckSummary:
    """Validate every file, resolve every source and run every query and check; raise on any problem.

    Reports unchanged since the build in ``out`` (default ``_site``) are not queried again unless ``full``.
    """
    project, config_errors = gather_project(root)
    now = now or dt.datetime.now(dt.UTC)
    errors: list[ReportError] = list(config_errors)
    logo = logo_problem(root, project.site)
    if logo:
        errors.insert(0, ReportError(logo))

    denied = access_problems(project)  # unknown audiences, missing or short passwords
    if denied:
        errors.insert(0, ConfigError(denied))
    warnings: list[str] = delivery_rules.warnings(project)  # digests and alerts naming what does not exist
    queries, by_report = 0, dict[str, int]()
    private_warnings: set[str] = set()  # the warnings of private reports (see private.withheld)
    resolved = []
    for report in project.reports:
        refused = refused_sql(report) or link_error(project, report)
        if refused:
            errors.append(refused)
            continue
        try:
            resolved.append((report, resolve_sources(report, project.data_root, now=now)))
        except ReportError as exc:
            errors.append(ReportError(_located(report, exc)))
    unchanged = set() if full or errors else _unchanged(project, resolved, out or root / "_site", now)
    previous = _previous_reports(out or root / "_site")
    for report, _ in resolved:
        if report.slug in unchanged:
            warnings.extend(previous[report.slug].warnings)
    resolved = [(report, found) for report, found in resolved if report.slug not in unchanged]
    s3_wanted = s3_columns_of_build([(r, found) for r, found in resolved  # the copies `build` will use
                                     if engine_of(r, project.site) == "duckdb"], cache_dir(root))
    for report, found in resolved:
        try:
            page = report_run.run_report(report, project.site, found, None, now, cache_dir(root), s3_wanted)
        except ReportError as exc:
            errors.append(ReportError(_located(report, exc)))
            continue
        warnings.extend(page.warnings)
        private_warnings.update(page.warnings if report.config.access else [])
        queries += page.queries
        by_report[report.slug] = page.queries
    if errors:
        raise ReportError.gather(errors)
    if warnings and strict:
        raise CheckError([Problem(f"{w} (warning; --strict treats warnings as errors)", private=w in private_warnings)
                          for w in warnings])
    note = f"; {len(warnings)} warning(s)" if warnings else ""
    if unchanged:
        note += (f"; {len(unchanged)} report(s) unchanged since the build in {(out or root / '_site').name} "
                 "were not queried again (--full queries every report)")
    return CheckSummary(f"{len(project.reports)} report(s) valid, {queries} queries ran{note}", warnings, by_report)


def _unchanged(project: Project, resolved: list[tuple[Report, list[Any]]], out: Path, now: dt.datetime) -> set[str]:
    """The reports whose fingerprint equals the one the build in ``out`` recorded for a page that built."""
    previous = _previous_reports(out)
    if not previous:
        return set()
    try:
        locks = access.locks(project)
    except ReportError:
        return set()  # the access problems are reported; nothing is taken as checked
    key = site_key(project)
    unchanged: set[str] = set()
    for pdf in (True, False):  # whether that build printed PDFs does not change a query: either matches
        fingerprints = {report.slug: fingerprint_of(report, key, found, project.site, now, locks.get(report.slug),
                                                    pdf=pdf)
                        for report, found in resolved}
        with_link_targets(project, fingerprints, previous)
        unchanged |= {slug for slug, fingerprint in fingerprints.items()
                      if slug in previous and previous[slug].status == "ok"
                      and previous[slug].fingerprint == fingerprint}
    return unchanged


def _previous_reports(out: Path) -> dict[str, Entry]:
    """The entries of the build in ``out`` (none without a readable manifest)."""
    previous = manifest.read(out)
    return previous.reports if previous is not None else {}


def _located(report: Report, exc: ReportError) -> list[Problem]:
    """The report's problems, each placed in it and marked when the report is private (see private.withheld)."""
    return withheld.marked([attribute(report, p) for p in exc.problems], bool(report.config.access))


def attribute(report: Report, problem: Problem) -> Problem:
    """A problem that lost its location (e.g. a source that failed to register) placed in its report."""
    if problem.file:
        return problem
    for table, written in report.config.tables_by_name().items():
        if f"'{written}'" in problem.message:
            return report.problem(report.config.source_key(table), problem.message)
    return Problem(problem.message, file=report.display)
