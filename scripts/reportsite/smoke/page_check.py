"""One page in Chromium at one width: what loaded, what failed, what drew, and what a reader would notice."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from reportsite.smoke import checks as smoke_checks
from reportsite.smoke import private as smoke_private
from reportsite.smoke.crawl import inside
from reportsite.smoke.findings import PageCheck

CHART_TIMEOUT_MS = 15_000
PAGE_TIMEOUT_MS = 30_000


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
        return inside(url, self.base) or url

    def route(self, route: Any) -> None:
        url = route.request.url
        if origin(url) in (self.origin, None):
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


def origin(url: str) -> str | None:
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
    recorder = _Recorder(origin(base) or "", base)
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


__all__ = ["CHART_TIMEOUT_MS", "PAGE_TIMEOUT_MS", "check_page", "origin", "screenshot"]
