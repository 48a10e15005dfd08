"""The only orchestrator: validate all → plan → query → chart → render → write and swap.

Nothing is written to ``out`` until every selected report has been queried and
rendered; the new site is assembled beside the old one and swapped in with two
renames, so a failed build leaves the previous site untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite import caches
from reportsite.build import manifest, outfolder, printing, report_run, sealing, workfolder
from reportsite.build.entries import pages_to_check, report_entry
from reportsite.build.fingerprints import fingerprint_of, site_key, with_link_targets
from reportsite.build.manifest_model import Entry, Manifest
from reportsite.build.progress import QUIET, ProgressFactory, ReportProgress
from reportsite.config import delivery_rules
from reportsite.config.project import Project, Report, gather_project, report_files
from reportsite.errors import CheckError, ConfigError, Problem, ReportError, did_you_mean
from reportsite.pages import markdown_text, warm
from reportsite.pages.links import link_error
from reportsite.pages.page import ReportPage
from reportsite.private import access, withheld
from reportsite.query.sqlpolicy import refused_sql
from reportsite.render import assets, page_writers, templates
from reportsite.render.writing import write_family, write_page
from reportsite.sources import engines, s3tally
from reportsite.sources.kinds import resolve_sources
from reportsite.sources.s3plan import s3_columns_of_build
from reportsite.values.words import Words

Log = Callable[[str], None]


@dataclass
class BuildOptions:
    out: Path
    only: list[str] | None = None
    full: bool = False
    keep_going: bool = False
    strict: bool = False
    pdf: bool = False  # print each report page to PDF (the CLI's default; --no-pdf turns it off)


@dataclass
class ReportSummary:
    slug: str
    status: str  # built | unchanged | failed
    rows: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    private: bool = False  # its problems and warnings leave the log only as private.withheld shows them


@dataclass
class BuildResult:
    status: str  # ok | partial | unchanged
    out: Path
    reports: list[ReportSummary]
    seconds: dict[str, float]
    s3: dict[str, Any] = field(default_factory=dict)  # s3tally.snapshot(): bytes read from S3 and the cache


def build(root: Path, options: BuildOptions, log: Log = lambda _: None,
          now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
          progress: ProgressFactory = QUIET) -> BuildResult:
    """Build the site into ``options.out``. Raises ReportError (writing nothing) when a report fails.

    ``progress`` follows a report with many pages or choices (a terminal's live line; see ``progress``)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()

    s3tally.reset()
    project, config_errors = gather_project(root)
    if any(p.file and p.file.endswith("site.yaml") for e in config_errors for p in e.problems):
        raise ConfigError.gather(config_errors)  # every report depends on the site settings
    logo_problem = assets.logo_problem(root, project.site)
    if logo_problem:
        raise ConfigError([logo_problem, *[p for e in config_errors for p in e.problems]])
    _check_only(project, options.only)
    locks = _locks(project, config_errors)
    out = options.out if options.out.is_absolute() else root / options.out
    outfolder.check_out(project, out)
    workfolder.sweep(out, log)  # what builds of this folder that were killed half-way left beside it
    previous = manifest.read(out)
    previous_reports: dict[str, Entry] = previous.reports if previous is not None and _usable(previous) else {}
    changed = outfolder.changed_files(out, previous) if _usable(previous) else set()
    for relative in sorted(changed):
        log(f"note: {out.name}/{relative} differs from the previous build's manifest (changed since, or missing); "
            "it will be made again")
    previous_reports = {slug: entry for slug, entry in previous_reports.items()
                        if not changed.intersection(entry.files)}
    key = site_key(project)
    timings["config"] = time.perf_counter() - started

    mark = time.perf_counter()
    carried = _carried_reports(project, options.only, previous_reports, out)
    resolved: dict[str, list[Any]] = {}
    fingerprints: dict[str, str] = {}
    errors: list[ReportError] = list(config_errors)  # invalid files; the valid reports still run, to report all
    failed_pages: dict[str, list[str]] = {}
    for report in project.reports:
        if report.slug in carried:
            continue
        try:
            found = resolve_sources(report, project.data_root, now=now())
        except ReportError as exc:
            exc.problems = withheld.marked(exc.problems, bool(report.config.access))  # a loader's output, say
            errors.append(exc)
            failed_pages[report.slug] = [str(p) for p in exc.problems]
            continue
        resolved[report.slug] = found
        fingerprints[report.slug] = fingerprint_of(report, key, found, project.site, now(), locks.get(report.slug),
                                                   options.pdf)
    timings["sources"] = time.perf_counter() - mark

    with_link_targets(project, fingerprints, previous_reports)
    todo = [r for r in project.reports if r.slug in resolved and (
        options.full or r.slug not in previous_reports or previous_reports[r.slug].fingerprint != fingerprints[r.slug]
        or not (out / f"reports/{r.slug}.html").exists())]
    # Every query that will run is reviewed before any runs (an unchanged report was reviewed when it was built).
    refused = {r.slug: refused_sql(r) or link_error(project, r) for r in todo}
    errors.extend(error for error in refused.values() if error)
    todo = [r for r in todo if not refused[r.slug]]
    unchanged_site = (not todo and not errors and _usable(previous) and not changed
                      and set(previous_reports) == {r.slug for r in project.reports})
    if unchanged_site:
        timings["total"] = time.perf_counter() - started
        log(f"Site is up to date: {len(project.reports)} reports unchanged ({out})")
        return BuildResult("unchanged", out, [ReportSummary(r.slug, "unchanged",
                                                            warnings=previous_reports[r.slug].warnings,
                                                            private=bool(r.config.access))
                                              for r in project.reports], timings)

    many = [r for r in todo if r.config.filters or r.config.for_each]
    if many:  # their pages or choices are made in worker processes: the fork server gets ready meanwhile
        warm.start(any(r.config.charts for r in many), any(r.config.for_each for r in many))
    with outfolder.writing(out), workfolder.held(out) as staging:
        return _assemble(project, options, out, staging, previous_reports, todo, resolved, fingerprints, key,
                         errors, failed_pages, timings, started, log, now(), locks, progress)


def _locks(project: Project, config_errors: list[ConfigError]) -> dict[str, Any]:
    """Each private report's keys, from its audiences' passwords; every access mistake (with the files' other
    problems) is raised before any query runs."""
    try:
        return access.locks(project)
    except ConfigError as exc:
        raise ConfigError.gather([exc, *config_errors]) from None


def _check_only(project: Project, only: list[str] | None) -> None:
    """Every --only value is a report name (never an option, a path or shell syntax) of a file in reports/."""
    names = [s for s in only or [] if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", s)]
    problems = [Problem(f"--only: '{s}' is not a report name (report names are lowercase letters, digits, "
                        "'-' and '_')") for s in only or [] if s not in names]
    known = [p.stem for p in report_files(project.root)]
    problems += [Problem(f"no report named '{s}' in reports/{did_you_mean(s, known)}") for s in names if s not in known]
    if problems:
        raise ConfigError(problems)


def _carried_reports(project: Project, only: list[str] | None, previous: dict[str, Entry], out: Path) -> set[str]:
    """With --only, reports not selected keep their previous pages, when there are any to keep.

    A report with no usable previous page is built anyway, so a partial rebuild never publishes a site
    that lacks a report.
    """
    if not only:
        return set()
    return {r.slug for r in project.reports if r.slug not in only and r.slug in previous
            and all((out / f).exists() for f in previous[r.slug].files)}


def _usable(previous: Manifest | None) -> bool:
    return previous is not None and previous.status == "ok"


def _assemble(project: Project, options: BuildOptions, out: Path, staging: Path, previous: dict[str, Entry],
              todo: list[Report], resolved: dict[str, list[Any]], fingerprints: dict[str, str], key: str,
              errors: list[ReportError], failed_pages: dict[str, list[str]],
              timings: dict[str, float], started: float, log: Log, now: dt.datetime,
              locks: dict[str, Any] | None = None, progress: ProgressFactory = QUIET) -> BuildResult:
    locks = locks or {}
    tracked: dict[str, ReportProgress] = {}

    mark = time.perf_counter()
    s3_wanted = s3_columns_of_build([(r, resolved[r.slug]) for r in todo
                                     if engines.engine_of(r, project.site) == "duckdb"], caches.cache_dir(project.root))
    pages: dict[str, Any] = {}
    summaries: dict[str, ReportSummary] = {}
    warnings: list[tuple[str, bool]] = []  # (warning, whether its report is private)
    families = {slug: dict(entry.members or {}) for slug, entry in previous.items() if entry.has("members")}
    for report in sorted(todo, key=lambda r: r.config.for_each is None):  # pages per value first: links need them
        t = time.perf_counter()
        private = bool(report.config.access)
        tracked[report.slug] = follow = progress(report.slug)
        try:
            lock = locks.get(report.slug)
            page = report_run.run_report(report, project.site, resolved[report.slug], staging, now,
                                          caches.cache_dir(project.root), s3_wanted, families,
                                          page_files=lock.file_names if lock else None, progress=follow)
            if report.config.for_each is not None:
                families[report.slug] = {m.token: m.file for m in page.members}
        except ReportError as exc:
            follow.close()
            sealing.discard_written(staging, report.slug)  # what it wrote before failing: never published
            exc.problems = withheld.marked(exc.problems, private)  # a failed check's values stay in the log
            errors.append(exc)
            failed_pages[report.slug] = [str(p) for p in exc.problems]
            summaries[report.slug] = ReportSummary(report.slug, "failed", problems=failed_pages[report.slug],
                                                   private=private)
            continue
        pages[report.slug] = page
        warnings.extend((warning, private) for warning in page.warnings)
        summaries[report.slug] = ReportSummary(report.slug, "built", page.rows_returned,
                                               time.perf_counter() - t, warnings=page.warnings, private=private)
        follow.close()
        many = f", {follow.summary()}" if follow.summary() else ""
        athena = (f"; Athena: {page.athena['queries']} queries, {page.athena['bytes_scanned'] / 1e6:,.1f} MB "
                  "scanned" if page.athena is not None else "")
        log(f"built {report.slug}: {page.rows_returned} rows in {time.perf_counter() - t:.2f}s{many}{athena}")
        for warning in page.warnings:
            log(f"warning: {warning}")
        for note in page.notes:
            log(f"note: {note}")
    timings["queries"] = time.perf_counter() - mark

    for warning in delivery_rules.warnings(project):  # digests and alerts naming what does not exist
        warnings.append((warning, False))
        log(f"warning: {warning}")
    invalid_files = any(isinstance(e, ConfigError) for e in errors)  # no page can be made for those
    if errors and (invalid_files or not options.keep_going):
        raise ReportError.gather(errors)
    if warnings and options.strict:
        raise CheckError([Problem(f"{w} (warning; --strict treats warnings as errors)", private=private)
                          for w, private in warnings])

    mark = time.perf_counter()
    site_src = project.root / "site_src"
    notes: list[str] = []
    bundle = assets.all_assets(project.root, site_src, notes, project.site)
    if not locks:
        bundle.pop("private", None)  # a site without private reports ships no private.js
    for note in notes:
        log(f"note: {note}")
    for asset in bundle.values():
        target = staging / asset.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(asset.content)
    asset_paths = {name: asset.path for name, asset in bundle.items()}
    timings["assets"] = time.perf_counter() - mark

    mark = time.perf_counter()
    words = Words.of(project.site)
    source = page_writers.Templates(site_src / "templates", words, site_src / "static")
    env = source.environment()
    built_at = now.isoformat()
    common = {"site": project.site, "assets": asset_paths, "built_at": built_at,
              "html_lang": templates.html_lang(words, project.site.locale)}
    entries: dict[str, Entry] = {}
    print_jobs: list[Any] = []
    to_seal: list[tuple[str, Any, str, list[str], bool, Any]] = []
    (staging / "reports").mkdir(exist_ok=True)
    for report in project.reports:
        slug = report.slug
        shown: Any = pages.get(slug)
        if shown is None and slug in failed_pages:
            shown = _failed_page(report, failed_pages[slug])
        if shown is not None:
            _with_markdown(shown, report)
            lock = locks.get(slug)
            context = {**common, "sealing": True} if lock else common  # private: marks what to seal
            title = sealing.shown_title(report.config, shown.title, words)
            jobs = printing.plan(report, shown, options.pdf and slug not in failed_pages, words)
            if report.config.for_each is not None and slug not in failed_pages:
                follow = tracked.get(slug) or progress(slug)
                files = write_family(env, context, shown, slug, staging, follow, source)
                follow.close()
            else:
                files = write_page(env, context, shown, slug, staging)
            if slug not in failed_pages:
                files += [*(job.pdf for job in jobs), printing.write_delivery(staging, report, shown, jobs, words)]
            print_jobs += jobs
            entries[slug] = report_entry(report, shown, fingerprints.get(slug), slug in failed_pages, built_at, files,
                                         jobs[0].pdf if jobs else None)
            if lock:  # sealed once its PDFs are printed, below
                to_seal.append((slug, lock, title, files, slug in failed_pages, report.config))
        else:  # unchanged since the previous build: carry its files over
            entries[slug] = previous[slug]
            _carry(out, staging, previous[slug].files)
            summaries[slug] = ReportSummary(slug, "unchanged", previous[slug].rows,
                                            warnings=previous[slug].warnings,
                                            private=bool(report.config.access))
    timings["render"] = time.perf_counter() - mark
    timings["pdf"] = printing.print_pdfs(staging, print_jobs, printing.paper(project.site),
                                         printing.brand(project.site, words), log)
    mark = time.perf_counter()
    for slug, lock, title, files, failed, config in to_seal:
        entries[slug].files = sealing.seal_files(env, common, staging, files, lock, slug, title)
        sealing.check_sealed(staging, slug, entries[slug].files)
        entries[slug] = sealing.public_entry(entries[slug], config, failed, words)
    index_rows = [{**e.to_json(), "href": f"reports/{s}.html"} for s, e in sorted(entries.items(),
                                                                                 key=lambda kv: kv[1].title.lower())]
    html = templates.render(env, "index.html", {**common, "root": "", "page_title": project.site.title,
                                             "reports": index_rows})
    (staging / "index.html").write_text(html, encoding="utf-8")
    timings["render"] += time.perf_counter() - mark

    status = "partial" if failed_pages else "ok"
    timings["total"] = time.perf_counter() - started
    manifest.write(staging, Manifest(
        status=status,
        built_at=built_at,
        site_key=key,
        pages=["index.html", *[page for s in sorted(entries) for page in pages_to_check(s, entries[s])]],
        reports=entries,
        seconds={k: round(v, 4) for k, v in timings.items()},
    ))
    _swap(staging, out)
    ordered = [summaries.get(r.slug) or ReportSummary(r.slug, "failed", problems=failed_pages.get(r.slug, []),
                                                      private=bool(r.config.access))
               for r in project.reports]

    return BuildResult(status, out, ordered, timings, s3tally.snapshot())


def _failed_page(report: Report, problems: list[str]) -> Any:
    config = report.config
    return ReportPage(slug=report.slug, title=config.title, description=config.description,
                      update_frequency=config.update_frequency, text=[], problems=problems)


def _with_markdown(page: Any, report: Report) -> None:
    """The report's text and description as HTML, with $parameters filled (see markdown_text)."""
    config = report.config
    if page.text_html or page.description_html:
        return  # set when the report ran, per filter choice
    page.text_html = markdown_text.render(config.text, config.parameters, level=2)
    page.description_html = markdown_text.render(config.description, config.parameters, level=2)


def _carry(out: Path, staging: Path, files: list[str]) -> None:
    for relative in files:
        source, target = out / relative, staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def _swap(staging: Path, out: Path) -> None:
    """Replace ``out`` with ``staging`` using renames (the old site is removed only afterwards)."""
    old = workfolder.old_path(out, os.getpid())
    if out.exists():
        out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        if old.exists():
            old.rename(out)  # put the previous site back
        raise
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["BuildOptions", "BuildResult", "ReportSummary", "build"]
