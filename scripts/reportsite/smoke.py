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
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from . import smoke_checks, smoke_private
from .browser import launched
from .localhttp import serve_folder

VIEWPORTS: dict[str, tuple[int, int]] = {"desktop": (1280, 800), "phone": (390, 844)}
CHART_TIMEOUT_MS = 15_000
PAGE_TIMEOUT_MS = 30_000
FETCH_TIMEOUT_S = 15.0
MAX_CRAWL = 500
SITE = "site"  # the pseudo-page that site-wide problems are reported against

BrowserFactory = Callable[[], AbstractContextManager[Any]]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one page, at one or both screen widths."""

    page: str
    message: str
    viewports: tuple[str, ...] = ()

    def __str__(self) -> str:
        """``page: message``, then the screen widths when the problem shows at only some of them."""
        widths = ", ".join(f"{v} {VIEWPORTS[v][0]} px" if v in VIEWPORTS else v for v in self.viewports)
        return f"{self.page}: {self.message}" + (f" ({widths})" if widths else "")


@dataclass
class PageCheck:
    """What one page showed at one screen width."""

    page: str
    viewport: str
    status: int | None = None
    charts: int = 0
    charts_drawn: int = 0
    metrics: int = 0
    tables: int = 0
    hovered: int = 0  # chart marks hovered by the reader checks
    tooltips: int = 0  # tooltips those hovers showed
    screenshot: Path | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class SmokeResult:
    """Every page checked and every problem found, in page order."""

    base: str
    pages: list[str]
    checks: list[PageCheck]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- the site's address


def base_url(url: str) -> str:
    """The site's folder URL, ending in '/': ``http://h/p`` and ``http://h/p/index.html`` → ``http://h/p/``."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        path = path[: len(path) - len(last)] if "." in last else path + "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def local_folder(url: str) -> Path | None:
    """The folder a file path or file:// URL names, or None for an http(s) URL."""
    if re.match(r"^https?://", url, re.IGNORECASE):
        return None
    if url.lower().startswith("file:"):
        url = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
    path = Path(url).expanduser()
    return path.parent if path.suffix == ".html" else path


class NotASite(Exception):
    """A local path that holds no built site."""


@contextlib.contextmanager
def site_address(url: str) -> Iterator[str]:
    """Yield the http(s) base URL of the site: the URL itself, or a loopback server for a folder."""
    folder = local_folder(url)
    if folder is None:
        yield base_url(url)
        return
    if not (folder / "index.html").is_file():
        raise NotASite(f"{folder} is not a built site (no index.html); run `reportsite build` first")
    with serve_folder(folder.resolve()) as served:
        yield served


# ---------------------------------------------------------------- fetching and discovery


def fetch(url: str, method: str = "GET") -> tuple[int, bytes]:
    """HTTP status and body of ``url`` (status 0 when the server cannot be reached)."""
    request = urllib.request.Request(url, method=method, headers={"User-Agent": "reportsite-smoke"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
            return response.status, response.read() if method == "GET" else b""
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except (urllib.error.URLError, OSError) as exc:
        raise ConnectionError(str(getattr(exc, "reason", exc))) from exc


def check_url(url: str) -> str | None:
    """None when ``url`` answers below 400; otherwise why not (HEAD first, GET where HEAD is refused)."""
    try:
        status, _ = fetch(url, "HEAD")
        if status in (405, 501):
            status, _ = fetch(url)
    except ConnectionError as exc:
        return f"unreachable ({exc})"
    return None if status < 400 else f"HTTP {status}"


class _Links(HTMLParser):
    """Every href/src in an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("href", "src") and v]


def _inside(url: str, base: str) -> str | None:
    """The site-relative path of ``url`` when it lies under ``base``, else None."""
    clean = urllib.parse.urldefrag(url)[0].split("?", 1)[0]
    return clean[len(base):] if clean.startswith(base) else None


def _crawl(base: str) -> list[str]:
    """Pages reachable from index.html by links, for sites without a manifest or sitemap."""
    seen, queue = ["index.html"], ["index.html"]
    while queue and len(seen) < MAX_CRAWL:
        page = queue.pop(0)
        try:
            status, body = fetch(base + page)
        except ConnectionError:
            continue
        if status >= 400:
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        for link in parser.found:
            relative = _inside(urllib.parse.urljoin(base + page, link), base)
            if relative and relative.endswith(".html") and relative not in seen:
                seen.append(relative)
                queue.append(relative)
    return seen


def discover(base: str) -> tuple[list[str], dict[str, Any] | None, list[Problem]]:
    """The site's pages (from its manifest, else by links), its manifest and any problem finding them."""
    try:
        status, body = fetch(base + "manifest.json")
    except ConnectionError as exc:
        return [], None, [Problem(SITE, f"cannot reach {base}: {exc}")]
    manifest = None
    if status < 400:
        with contextlib.suppress(ValueError):
            manifest = json.loads(body)
    problems: list[Problem] = []
    if isinstance(manifest, dict) and isinstance(manifest.get("pages"), list):
        if manifest.get("status") not in (None, "ok"):
            problems.append(Problem("manifest.json", f"the build status is '{manifest.get('status')}', not 'ok'"))
        return [str(p) for p in manifest["pages"]], manifest, problems
    return _crawl(base), None, problems


# ---------------------------------------------------------------- one page in the browser

_PAGE_STATE = """() => {
  const charts = [...document.querySelectorAll('[data-spec]')].map(el => {
    const svg = el.querySelector('svg, canvas');
    const box = svg ? svg.getBoundingClientRect() : null;
    return {id: el.id || el.dataset.spec, rendered: el.dataset.rendered || null,
            error: el.dataset.rendered === 'error' ? el.textContent.trim().slice(0, 200) : null,
            width: box ? Math.round(box.width) : 0, height: box ? Math.round(box.height) : 0};
  });
  const main = document.querySelector('main') || document.body;
  const text = [...main.querySelectorAll(':scope > p, [data-testid="report-text"], [data-testid="family-list"]')]
    .map(p => p.textContent.trim()).join(' ');
  const error = document.querySelector('[data-testid="report-error"]');
  const links = [...document.querySelectorAll('a[href], link[href], script[src], img[src], source[src]')]
    .map(el => el.href || el.src);
  // Files a reader's choice loads later: every filter combination, every table's rows beyond the inline ones.
  const filters = document.getElementById('report-filters');
  if (filters) {
    try {
      Object.values(JSON.parse(filters.textContent).slices || {})
        .forEach(u => links.push(new URL(u, location.href).href));
    } catch (err) { links.push(location.href + '#report-filters-unreadable'); }
  }
  document.querySelectorAll('table[data-rows]').forEach(t => links.push(new URL(t.dataset.rows, location.href).href));
  return {charts, text: text.length,
          metrics: document.querySelectorAll('[data-testid="metric"]').length,
          tables: document.querySelectorAll('[data-testid="table-card"]').length,
          error: error ? error.textContent.replace(/\\s+/g, ' ').trim().slice(0, 300) : null,
          links, scrollWidth: document.documentElement.scrollWidth,
          // Under phone emulation the layout viewport grows to fit content wider than the screen:
          // the screen is the smaller of innerWidth and the root's clientWidth.
          screenWidth: Math.min(window.innerWidth, document.documentElement.clientWidth)};
}"""

_CHARTS_SETTLED = "() => [...document.querySelectorAll('[data-spec]')].every(el => el.dataset.rendered)"


class _Recorder:
    """Collects a page's console errors, failed and external requests while it loads."""

    def __init__(self, origin: str, base: str) -> None:
        self.origin, self.base = origin, base
        self.problems: list[str] = []
        self.blocked: set[str] = set()
        self.failed: set[str] = set()
        self.requested: set[str] = set()

    def short(self, url: str) -> str:
        return _inside(url, self.base) or url

    def route(self, route: Any) -> None:
        url = route.request.url
        if _origin(url) in (self.origin, None):
            route.continue_()
            return
        self.blocked.add(url)
        self.problems.append(f"blocked a request to another host: {url}")
        route.abort("blockedbyclient")

    def console(self, message: Any) -> None:
        if message.type != "error" or message.text.startswith(_COVERED_CONSOLE):
            return
        self.problems.append(f"console error: {message.text}")

    def dialog(self, dialog: Any) -> None:
        self.problems.append(f"the page opened a {dialog.type} dialog: {dialog.message}")
        dialog.dismiss()

    def page_error(self, error: Any) -> None:
        self.problems.append(f"uncaught JavaScript error: {error}")

    def request(self, request: Any) -> None:
        self.requested.add(urllib.parse.urldefrag(request.url)[0])

    def request_failed(self, request: Any) -> None:
        if request.url not in self.blocked and request.url not in self.failed:
            self.failed.add(request.url)
            self.problems.append(f"request failed: {self.short(request.url)} ({request.failure})")

    def response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.add(response.url)
            if response.request.is_navigation_request():
                self.problems.append(f"the page returned HTTP {response.status}")
            else:
                self.problems.append(f"request failed: {self.short(response.url)} (HTTP {response.status})")


# Console errors that another check reports with more detail: failed loads (with their URL, by the
# request checks) and site.js's own chart failures (by the chart check).
_COVERED_CONSOLE = ("Failed to load resource", "reportsite: chart ")


def _origin(url: str) -> str | None:
    """scheme://host:port of a network URL; None for data:, blob:, about: and the like."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _chart_problems(charts: list[dict[str, Any]], waited: bool) -> list[str]:
    """Charts that did not draw (grouped by reason) or drew at zero size."""
    failed: dict[str, list[str]] = {}
    problems = []
    for chart in charts:
        if chart["rendered"] != "true":
            why = (chart["error"] or "").removeprefix(_CHART_ERROR_PREFIX).strip() or (
                "no result" if waited else f"still not drawn after {CHART_TIMEOUT_MS // 1000}s")
            failed.setdefault(why, []).append(chart["id"])
        elif chart["width"] <= 0 or chart["height"] <= 0:
            problems.append(f"chart {chart['id']} drew at zero size ({chart['width']}×{chart['height']} px)")
    for why, ids in failed.items():
        named = f"chart {ids[0]}" if len(ids) == 1 else f"{len(ids)} charts ({', '.join(ids)})"
        problems.insert(0, f"{named} did not draw: {why}")
    return problems


_CHART_ERROR_PREFIX = "This chart could not be drawn:"


def _content_problems(state: dict[str, Any], is_report: bool, viewport: str) -> list[str]:
    problems = []
    if state["error"]:
        problems.append(f"the page shows a build error: {state['error']}")
    if is_report and not (len(state["charts"]) or state["metrics"] or state["tables"] or state["text"]):
        problems.append("the report page has no content (no metric, chart, table or text)")
    if state["scrollWidth"] > state["screenWidth"] + 1:
        culprit = f'; {state["culprit"]} sticks out' if state.get("culprit") else ""
        problems.append(f"the page is wider than the {viewport} screen "
                        f"({state['scrollWidth']} px > {state['screenWidth']} px{culprit})")
    return problems


def check_page(context: Any, base: str, page_path: str, viewport: str, is_report: bool,
               screenshots: Path | None = None, reader: bool = True,
               passwords: dict[str, str] | None = None) -> tuple[PageCheck, list[str]]:
    """Open one page; return what it showed and the links it references but did not itself load.

    ``reader`` runs the checks of what a reader sees (``smoke_checks``); with ``screenshots``, a
    full-page PNG of the page is saved there (before any mark is hovered)."""
    check = PageCheck(page_path, viewport)
    recorder = _Recorder(_origin(base) or "", base)
    page = context.new_page()
    for event, handler in (("console", recorder.console), ("pageerror", recorder.page_error),
                           ("dialog", recorder.dialog), ("request", recorder.request),
                           ("requestfailed", recorder.request_failed), ("response", recorder.response)):
        page.on(event, handler)
    page.route("**/*", recorder.route)
    links: list[str] = []
    try:
        response = page.goto(base + page_path, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        check.status = response.status if response else None
        if response is None or response.status >= 400:
            if response is None:
                recorder.problems.append("the page did not load (no response)")
            return check, links
        recorder.problems += smoke_private.unlock(page, passwords or {})  # a private page: opened first
        waited = True
        try:
            page.wait_for_function(_CHARTS_SETTLED, timeout=CHART_TIMEOUT_MS)
        except Exception:  # a Playwright timeout: the charts are reported below
            waited = False
        state = page.evaluate(_PAGE_STATE)
        if state["scrollWidth"] > state["screenWidth"] + 1:
            state["culprit"] = smoke_checks.call(page, "sideways", state["screenWidth"])
        check.charts = len(state["charts"])
        check.charts_drawn = sum(1 for c in state["charts"] if c["rendered"] == "true")
        check.metrics, check.tables = state["metrics"], state["tables"]
        recorder.problems += _chart_problems(state["charts"], waited)
        recorder.problems += _content_problems(state, is_report, viewport)
        links = [link for link in state["links"] if urllib.parse.urldefrag(link)[0] not in recorder.requested]
        if screenshots is not None:
            check.screenshot = screenshot(page, screenshots, page_path, viewport)
        if reader:
            seen = smoke_checks.check_reader(page)
            check.hovered, check.tooltips = seen.hovered, seen.tooltips
            recorder.problems += seen.problems
    except Exception as exc:  # navigation errors and timeouts are a finding, not a crash
        recorder.problems.append(f"the page did not load: {str(exc).splitlines()[0]}")
    finally:
        check.problems = list(dict.fromkeys(recorder.problems))
        page.close()
    return check, links


def screenshot(page: Any, folder: Path, page_path: str, viewport: str, scheme: str = "light") -> Path:
    """Save a full-page PNG of ``page``: ``reports/sales.html`` at phone width → ``reports_sales.phone.png``
    (``reports_sales.phone.dark.png`` in the dark colour scheme)."""
    stem = page_path.removesuffix(".html").replace("/", "_") or "index"
    path = folder / f"{stem}.{viewport}{'' if scheme == 'light' else '.' + scheme}.png"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


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
                page.route("**/*", lambda route: route.continue_() if _origin(route.request.url) in
                           (_origin(base), None) else route.abort("blockedbyclient"))
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


def _is_report(page_path: str, manifest: dict[str, Any] | None) -> bool:
    if manifest and isinstance(manifest.get("reports"), dict):
        return any(page_path in (entry.get("files") or [f"reports/{slug}.html"])
                   for slug, entry in manifest["reports"].items())
    return page_path.startswith("reports/")


def _link_problems(base: str, referenced: dict[str, list[str]]) -> list[Problem]:
    """Request every internal link and asset once; name each page that points at a broken one."""
    problems = []
    for url, pages in referenced.items():
        why = check_url(url)
        if why:
            problems += [Problem(page, f"broken link {_inside(url, base) or url} ({why})") for page in pages]
    return problems


def _merge(checks: list[PageCheck], pages: list[str]) -> list[Problem]:
    """One Problem per page and message, naming the screen widths it appeared at."""
    found: dict[tuple[str, str], list[str]] = {}
    for check in checks:
        for message in check.problems:
            found.setdefault((check.page, message), []).append(check.viewport)
    order = {page: i for i, page in enumerate(pages)}
    merged = [Problem(page, message, tuple(v) if len(v) < len(VIEWPORTS) else ())
              for (page, message), v in found.items()]
    return sorted(merged, key=lambda p: order.get(p.page, len(order)))


def run_smoke(url: str, browser_factory: BrowserFactory | None = None, screenshots: Path | None = None,
              reader: bool = True, passwords: dict[str, str] | None = None) -> SmokeResult:
    """Check every page of the site at ``url`` in Chromium; see the module docstring for what fails.

    With ``screenshots``, a full-page PNG of every page at every width, light and dark, is saved there.
    ``reader=False`` leaves out the checks of what a reader sees (tests of the other checks use it).
    ``passwords`` (audience → password) open private pages; their files must be sealed all the same."""
    try:
        with site_address(url) as base:
            pages, manifest, problems = discover(base)
            if not pages and not problems:
                problems.append(Problem(SITE, f"found no pages at {base}"))
            problems += [Problem(f, m) for f, m in smoke_private.sealed_problems(base, manifest, fetch)]
            checks, referenced = _open_pages(base, pages, manifest, browser_factory or launched, screenshots,
                                             reader, passwords) if pages else ([], {})
            problems += _merge(checks, pages)
            problems += _link_problems(base, referenced)
    except NotASite as exc:
        return SmokeResult(url, [], [], [Problem(SITE, str(exc))])
    order = {page: i for i, page in enumerate([SITE, "manifest.json", *pages])}
    problems.sort(key=lambda p: order.get(p.page, len(order)))
    return SmokeResult(base, pages, checks, problems)


def _open_pages(base: str, pages: list[str], manifest: dict[str, Any] | None, browser_factory: BrowserFactory,
                screenshots: Path | None = None, reader: bool = True,
                passwords: dict[str, str] | None = None) -> tuple[list[PageCheck], dict[str, list[str]]]:
    """Open every page at every width; gather the internal URLs each page references."""
    checks: list[PageCheck] = []
    referenced: dict[str, list[str]] = {}
    with browser_factory() as browser:
        for viewport, (width, height) in VIEWPORTS.items():
            context = browser.new_context(viewport={"width": width, "height": height},
                                          is_mobile=viewport == "phone", has_touch=viewport == "phone")
            try:
                for page_path in pages:
                    check, links = check_page(context, base, page_path, viewport, _is_report(page_path, manifest),
                                              screenshots, reader, passwords)
                    checks.append(check)
                    for link in links:
                        target = urllib.parse.urldefrag(link)[0]
                        if _origin(target) == _origin(base) and page_path not in referenced.get(target, []):
                            referenced.setdefault(target, []).append(page_path)
            finally:
                context.close()
        if screenshots is not None:
            _dark_screenshots(browser, base, pages, screenshots, passwords)
    return checks, referenced


def smoke_site(url: str, browser_factory: BrowserFactory | None = None, screenshots: Path | None = None,
               reader: bool = True, passwords: dict[str, str] | None = None) -> list[Problem]:
    """Every problem found on the site at ``url`` (empty when it is clean)."""
    return run_smoke(url, browser_factory, screenshots, reader, passwords).problems


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


def _print_summary(result: SmokeResult, console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"Smoke check of {result.base} (HTTP status at desktop / phone width)",
                  title_justify="left")
    table.add_column("page", no_wrap=True)
    for column in ("HTTP", "charts", "metrics", "tables", "problems"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in _summary_rows(result):
        table.add_row(*row, style="red" if row[-1] != "0" else None)
    console.print(table)


def _write_step_summary(path: str, result: SmokeResult) -> None:
    """Markdown for $GITHUB_STEP_SUMMARY: the per-page table and every problem."""
    lines = [f"### Smoke check of {result.base}", "",
             "| page | HTTP (desktop / phone) | charts drawn | metrics | tables | problems |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    lines += ["| " + " | ".join(row) + " |" for row in _summary_rows(result)]
    if result.problems:
        lines += ["", f"**{len(result.problems)} problem(s):**", ""]
        lines += [f"- {str(problem).replace('|', '&#124;')}" for problem in result.problems]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n\n")


def smoke_command(args: Any, console: Any) -> int:
    """``reportsite smoke --url URL``: print a per-page summary and every problem; 1 when any."""
    started = time.perf_counter()
    screenshots = Path(args.screenshots).resolve() if getattr(args, "screenshots", None) else None
    passwords = smoke_private.passwords(Path(getattr(args, "project", ".")))  # site.yaml's audiences
    result = run_smoke(args.url, screenshots=screenshots, passwords=passwords)
    if result.pages:
        _print_summary(result, console)
    summary = getattr(args, "summary", None) or os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        _write_step_summary(summary, result)
    elapsed = time.perf_counter() - started
    if screenshots is not None:
        console.print(f"screenshots: {len(list(screenshots.glob('*.png')))} PNG(s) in {screenshots}", markup=False)
    if result.ok:
        console.print(f"[green]✓[/] {len(result.pages)} page(s) clean at {len(VIEWPORTS)} screen widths "
                      f"({elapsed:.1f}s)")
        return 0
    for problem in result.problems:
        console.print(f"✗ {problem}", markup=False, style="red")
    console.print(f"{len(result.problems)} problem(s) on {result.base}", style="red", markup=False)
    return 1


__all__ = ["PageCheck", "Problem", "SmokeResult", "base_url", "run_smoke", "smoke_command", "smoke_site"]
