"""Browser checks of a built or published site: every page, at desktop and phone width.

``reportsite smoke --url URL`` opens each page listed in the site's manifest (or,
without one, found by following links from ``index.html``) in headless Chromium
and fails on anything a visitor would notice: a page that does not load,
console errors, failed requests, requests to other hosts (blocked: the site
must be self-contained), charts that did not draw or drew at zero size, broken
internal links, report pages with nothing on them, pages wider than the screen,
and what ``smoke_checks`` finds on the drawn page (NaN and the like in chart
text and sampled tooltips, labels and legends cut off or overlapping, squashed
plot areas, text overflowing its card). ``screenshots`` saves a full-page PNG of
every page at every width, light and dark, for a person to look at.

``built`` names the folder a published site was deployed from, checked by smoke before it was deployed: a page
(and its PDF) published byte for byte as it is there is opened for what publishing can break (the page loads from
the host, its requests and links answer, its charts draw, private files stay sealed); what its bytes alone decide
(what a reader sees, accessibility, print) was checked on those bytes and is not checked again.
"""

from __future__ import annotations

import contextlib
import os
import time
import urllib.parse
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from reportsite.browser import launched
from reportsite.build.manifest_model import Manifest
from reportsite.errors import ReportError
from reportsite.smoke import private as smoke_private
from reportsite.smoke.crawl import NotASite, check_url, discover, fetch, inside, site_address
from reportsite.smoke.findings import SITE, VIEWPORTS, PageCheck, Problem, SmokeResult
from reportsite.smoke.page_check import (
    _CHARTS_SETTLED,
    CHART_TIMEOUT_MS,
    PAGE_TIMEOUT_MS,
    check_page,
    origin,
    screenshot,
)
from reportsite.smoke.pdfs import check_pdfs
from reportsite.values.words import ENGLISH, Words

BrowserFactory = Callable[[], AbstractContextManager[Any]]


def _dark_screenshots(browser: Any, base: str, pages: list[str], folder: Path,
                      passwords: dict[str, str] | None = None) -> list[Path]:
    """Every page at every width again, in the dark colour scheme, photographed once its charts drew."""
    saved = []
    for viewport, (width, height) in VIEWPORTS.items():
        context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="dark",
                                      is_mobile=viewport == "phone", has_touch=viewport == "phone")
        try:
            for page_path in pages:
                page = context.new_page()
                page.route("**/*", lambda route: route.continue_() if origin(route.request.url) in
                           (origin(base), None) else route.abort("blockedbyclient"))
                try:
                    page.goto(base + page_path, wait_until="load", timeout=PAGE_TIMEOUT_MS)
                    smoke_private.unlock(page, passwords or {})  # its problems were reported by the checks
                    with contextlib.suppress(Exception):  # undrawn charts were reported by the checks
                        page.wait_for_function(_CHARTS_SETTLED, timeout=CHART_TIMEOUT_MS)
                    saved.append(screenshot(page, folder, page_path, viewport, "dark"))
                except Exception:  # a page that does not load was reported by the checks
                    pass
                finally:
                    page.close()
        finally:
            context.close()
    return saved


# ---------------------------------------------------------------- the whole site


def _is_report(page_path: str, manifest: Manifest | None) -> bool:
    if manifest is not None and manifest.has("reports"):
        return any(page_path in (entry.files or [f"reports/{slug}.html"]) for slug, entry in manifest.reports.items())
    return page_path.startswith("reports/")


def _link_problems(base: str, referenced: dict[str, list[str]], words: Words = ENGLISH) -> list[Problem]:
    """Request every internal link and asset once; name each page that points at a broken one."""
    problems = []
    for url, pages in referenced.items():
        why = check_url(url)
        if why:
            problems += [Problem(page, words.gettext("broken link %(link)s (%(why)s)", link=inside(url, base) or url,
                                                     why=why), (), words) for page in pages]
    return problems


def _merge(checks: list[PageCheck], pages: list[str], words: Words = ENGLISH) -> list[Problem]:
    """One Problem per page and message, naming the screen widths (and the dark theme) it appeared at, unless it
    appeared at every width (in the light theme, and in the dark one when it appeared there at all)."""
    found: dict[tuple[str, str], list[str]] = {}
    for check in checks:
        for message in check.problems:
            found.setdefault((check.page, message), []).append(check.viewport)
        for message in check.dark_problems:
            found.setdefault((check.page, message), []).append(f"{check.viewport}.dark")
    light, dark = set(VIEWPORTS), {f"{v}.dark" for v in VIEWPORTS}

    def everywhere(where: set[str]) -> bool:
        return light <= where and (not where & dark or dark <= where)

    order = {page: i for i, page in enumerate(pages)}
    merged = [Problem(page, message, () if everywhere(set(v)) else tuple(v), words)
              for (page, message), v in found.items()]
    return sorted(merged, key=lambda p: order.get(p.page, len(order)))


def changed_pages(pages: list[str], manifest: Manifest | None) -> list[str]:
    """The index and the pages of the reports the site's last build made (their entry's ``built_at`` is the
    build's); every other page is the one a previous build made, checked when it was published."""
    if manifest is None or not manifest.built_at:
        return pages
    made = {slug for slug, entry in manifest.reports.items() if entry.built_at == manifest.built_at}
    return [p for p in pages if p == "index.html" or p.removeprefix("reports/").split("/")[0].removesuffix(".html")
            in made]


def as_built(base: str, pages: list[str], built: Path | None) -> set[str]:
    """The pages (and PDFs) at ``base`` whose bytes are those of the same file in the checked folder ``built``."""
    if built is None:
        return set()
    same = set()
    for path in pages:
        local = (built / path).resolve()
        if not local.is_relative_to(built.resolve()):
            continue  # a path the published manifest names outside the folder is never one of its files
        try:
            status, body = fetch(base + path)
        except ConnectionError:
            continue  # a page that cannot be fetched is reported when it is opened
        if status < 400 and local.is_file() and local.read_bytes() == body:
            same.add(path)
    return same


def run_smoke(url: str, browser_factory: BrowserFactory | None = None, screenshots: Path | None = None,
              reader: bool = True, passwords: dict[str, str] | None = None, changed: bool = False,
              words: Words = ENGLISH, accessibility: bool | None = None, built: Path | None = None) -> SmokeResult:
    """Check every page of the site at ``url`` in Chromium; see the module docstring for what fails.

    With ``screenshots``, a full-page PNG of every page at every width, light and dark, is saved there.
    ``reader=False`` leaves out the checks of what a reader sees (tests of the other checks use it), and the
    accessibility checks unless ``accessibility`` says otherwise. ``passwords`` (audience → password) open
    private pages; their files must be sealed all the same. ``changed`` opens only the index and the pages of
    the reports the last build made (``changed_pages``). Pages published as they are in ``built`` are checked only
    for what publishing can break (see the module docstring). Messages are in ``words`` (the site's language)."""
    accessible = reader if accessibility is None else accessibility
    try:
        with site_address(url, words) as base:
            pages, manifest, problems = discover(base, words)
            if changed:
                pages = changed_pages(pages, manifest)
            if not pages and not problems:
                problems.append(Problem(SITE, words.gettext("found no pages at %(base)s", base=base), (), words))
            problems += [Problem(f, m, (), words)
                         for f, m in smoke_private.sealed_problems(base, manifest, fetch, words)]
            pdf_problems: list[Problem] = []
            pdfs = [entry.pdf for entry in manifest.reports.values() if entry.pdf] if manifest is not None else []
            same = as_built(base, pages + pdfs, built)
            checks, referenced = _open_pages(base, pages, manifest, browser_factory or launched, screenshots,
                                             reader, passwords, words, accessible, pdf_problems,
                                             same) if pages else ([], {})
            problems += _merge(checks, pages, words) + pdf_problems
            problems += _link_problems(base, referenced, words)
    except NotASite as exc:
        return SmokeResult(url, [], [], [Problem(SITE, str(exc), (), words)])
    order = {page: i for i, page in enumerate([SITE, "manifest.json", *pages])}
    problems.sort(key=lambda p: order.get(p.page, len(order)))
    return SmokeResult(base, pages, checks, problems)


def _open_pages(base: str, pages: list[str], manifest: Manifest | None, browser_factory: BrowserFactory,
                screenshots: Path | None = None, reader: bool = True, passwords: dict[str, str] | None = None,
                words: Words = ENGLISH, accessibility: bool = True, pdf_problems: list[Problem] | None = None,
                checked: set[str] | None = None) -> tuple[list[PageCheck], dict[str, list[str]]]:
    """Open every page at every width; gather the internal URLs each page references; check the PDFs as paper
    (into ``pdf_problems``). Pages in ``checked`` (published as they were checked) get neither the reader nor the
    accessibility checks."""
    checked = checked or set()
    pdf_problems = [] if pdf_problems is None else pdf_problems
    checks: list[PageCheck] = []
    referenced: dict[str, list[str]] = {}
    with browser_factory() as browser:
        for viewport, (width, height) in VIEWPORTS.items():
            context = browser.new_context(viewport={"width": width, "height": height},
                                          is_mobile=viewport == "phone", has_touch=viewport == "phone")
            try:
                for page_path in pages:
                    again = page_path not in checked
                    check, links = check_page(context, base, page_path, viewport, _is_report(page_path, manifest),
                                              screenshots, reader and again, passwords, words, accessibility and again)
                    checks.append(check)
                    for link in links:
                        target = urllib.parse.urldefrag(link)[0]
                        if origin(target) == origin(base) and page_path not in referenced.get(target, []):
                            referenced.setdefault(target, []).append(page_path)
            finally:
                context.close()
        if screenshots is not None:
            _dark_screenshots(browser, base, pages, screenshots, passwords)
        pdf_problems.extend(check_pdfs(base, manifest, browser, fetch, checked))
    return checks, referenced


def smoke_site(url: str, browser_factory: BrowserFactory | None = None, screenshots: Path | None = None,
               reader: bool = True, passwords: dict[str, str] | None = None, words: Words = ENGLISH,
               accessibility: bool | None = None) -> list[Problem]:
    """Every problem found on the site at ``url`` (empty when it is clean)."""
    return run_smoke(url, browser_factory, screenshots, reader, passwords, words=words,
                     accessibility=accessibility).problems


# ---------------------------------------------------------------- the command


def _summary_rows(result: SmokeResult) -> list[tuple[str, str, str, str, str, str]]:
    """Per page: status at each width, charts drawn, metrics, tables and problem count."""
    rows = []
    problems_by_page: dict[str, int] = {}
    for problem in result.problems:
        problems_by_page[problem.page] = problems_by_page.get(problem.page, 0) + 1
    for page in result.pages:
        checks = {c.viewport: c for c in result.checks if c.page == page}
        status = " / ".join(str(checks[v].status or "-") if v in checks else "-" for v in VIEWPORTS)
        first = next(iter(checks.values()), PageCheck(page, ""))
        rows.append((page, status, f"{first.charts_drawn}/{first.charts}", str(first.metrics),
                     str(first.tables), str(problems_by_page.get(page, 0))))
    return rows


def _print_summary(result: SmokeResult, console: Any, words: Words = ENGLISH) -> None:
    from rich.table import Table

    table = Table(title=words.gettext("Smoke check of %(base)s (HTTP status at desktop / phone width)",
                                      base=result.base), title_justify="left")
    table.add_column(words.gettext("page"), no_wrap=True)
    for column in ("HTTP", words.gettext("charts"), words.gettext("metrics"), words.gettext("tables"),
                   words.gettext("problems")):
        table.add_column(column, justify="right", no_wrap=True)
    for row in _summary_rows(result):
        table.add_row(*row, style="red" if row[-1] != "0" else None)
    console.print(table)


def _write_step_summary(path: str, result: SmokeResult, words: Words = ENGLISH) -> None:
    """Markdown for $GITHUB_STEP_SUMMARY: the per-page table and every problem."""
    head = [words.gettext("page"), words.gettext("HTTP (desktop / phone)"), words.gettext("charts drawn"),
            words.gettext("metrics"), words.gettext("tables"), words.gettext("problems")]
    lines = ["### " + words.gettext("Smoke check of %(base)s", base=result.base), "",
             "| " + " | ".join(head) + " |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    lines += ["| " + " | ".join(row) + " |" for row in _summary_rows(result)]
    if result.problems:
        lines += ["", "**" + words.ngettext("%(count)s problem:", "%(count)s problems:", len(result.problems)) + "**",
                  ""]
        lines += [f"- {str(problem).replace('|', '&#124;')}" for problem in result.problems]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n\n")


def smoke_command(args: Any, console: Any) -> int:
    """``reportsite smoke --url URL``: print a per-page summary and every problem; 1 when any. Messages are in the
    language of the project's site.yaml."""
    started = time.perf_counter()
    project = Path(getattr(args, "project", "."))
    words = smoke_private.site_words(project)
    screenshots = Path(args.screenshots).resolve() if getattr(args, "screenshots", None) else None
    passwords = smoke_private.passwords(project)  # site.yaml's audiences
    built = Path(args.built).resolve() if getattr(args, "built", None) else None
    if built is not None and not (built / "index.html").is_file():
        raise ReportError(f"--built {args.built}: not a built site (no index.html in {built})")
    result = run_smoke(args.url, screenshots=screenshots, passwords=passwords, changed=getattr(args, "changed", False),
                       words=words, built=built)
    if result.pages:
        _print_summary(result, console, words)
    summary = getattr(args, "summary", None) or os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        _write_step_summary(summary, result, words)
    elapsed = time.perf_counter() - started
    if screenshots is not None:
        console.print(words.ngettext("screenshots: %(count)s PNG in %(folder)s", "screenshots: %(count)s PNGs in "
                                     "%(folder)s", len(list(screenshots.glob("*.png"))), folder=screenshots),
                      markup=False)
    if result.ok:
        seconds = f"{elapsed:.1f}"
        console.print("[green]✓[/] " + words.ngettext(
            "%(count)s page clean at %(widths)s screen widths, light and dark (%(seconds)ss)",
            "%(count)s pages clean at %(widths)s screen widths, light and dark (%(seconds)ss)", len(result.pages),
            widths=len(VIEWPORTS), seconds=seconds))
        return 0
    for problem in result.problems:
        console.print(f"✗ {problem}", markup=False, style="red")
    console.print(words.ngettext("%(count)s problem on %(base)s", "%(count)s problems on %(base)s",
                                 len(result.problems), base=result.base), style="red", markup=False)
    return 1


__all__ = ["changed_pages", "run_smoke", "smoke_command", "smoke_site"]
