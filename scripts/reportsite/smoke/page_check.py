"""One page in Chromium at one width: what loaded, what failed, what drew, and what a reader would notice."""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from pathlib import Path
from typing import Any

from reportsite.smoke import axe
from reportsite.smoke import checks as smoke_checks
from reportsite.smoke import private as smoke_private
from reportsite.smoke.crawl import inside
from reportsite.smoke.findings import VIEWPORT_NAMES, PageCheck
from reportsite.values.words import ENGLISH, Words

CHART_TIMEOUT_MS = 15_000
THEME_SETTLES_MS = 2_000  # the longest wait for the colour transitions a scheme change starts (Tailwind's: 150 ms)
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


# Chromium's console error when the page's Content-Security-Policy stops a load before any request is made
_CSP_BLOCKED = re.compile(r"^(?:Loading|Connecting to) (?:the \w+ )?'([^']+)' violates the following "
                          r"Content Security Policy")
_CHARTS_SETTLED = "() => [...document.querySelectorAll('[data-spec]')].every(el => el.dataset.rendered)"


class _Recorder:
    """Collects a page's console errors, failed and external requests while it loads."""

    def __init__(self, origin: str, base: str, words: Words = ENGLISH) -> None:
        self.origin, self.base, self.words = origin, base, words
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
        self._blocked(url)
        route.abort("blockedbyclient")

    def _blocked(self, url: str) -> None:
        if url not in self.blocked:
            self.blocked.add(url)
            self.problems.append(self.words.gettext("blocked a request to another host: %(url)s", url=url))

    def console(self, message: Any) -> None:
        if message.type != "error" or message.text.startswith(_COVERED_CONSOLE):
            return
        stopped = _CSP_BLOCKED.match(message.text)
        if stopped and origin(stopped.group(1)) not in (self.origin, None):
            self._blocked(stopped.group(1))  # the page's policy stopped it before the browser asked
            return
        self.problems.append(self.words.gettext("console error: %(text)s", text=message.text))

    def dialog(self, dialog: Any) -> None:
        self.problems.append(self.words.gettext("the page opened a %(kind)s dialog: %(text)s", kind=dialog.type,
                                                text=dialog.message))
        dialog.dismiss()

    def page_error(self, error: Any) -> None:
        self.problems.append(self.words.gettext("uncaught JavaScript error: %(error)s", error=error))

    def request(self, request: Any) -> None:
        self.requested.add(urllib.parse.urldefrag(request.url)[0])

    def request_failed(self, request: Any) -> None:
        if request.url not in self.blocked and request.url not in self.failed:
            self.failed.add(request.url)
            self.problems.append(self.words.gettext("request failed: %(url)s (%(why)s)", url=self.short(request.url),
                                                    why=request.failure))

    def response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.add(response.url)
            if response.request.is_navigation_request():
                self.problems.append(self.words.gettext("the page returned HTTP %(status)s", status=response.status))
            else:
                status = f"HTTP {response.status}"
                self.problems.append(self.words.gettext("request failed: %(url)s (%(why)s)",
                                                        url=self.short(response.url), why=status))


# Console errors that another check reports with more detail: failed loads (with their URL, by the
# request checks) and site.js's own chart failures (by the chart check).
_COVERED_CONSOLE = ("Failed to load resource", "reportsite: chart ")


def origin(url: str) -> str | None:
    """scheme://host:port of a network URL; None for data:, blob:, about: and the like."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _chart_problems(charts: list[dict[str, Any]], waited: bool, words: Words = ENGLISH,
                    prefix: str = "") -> list[str]:
    """Charts that did not draw (grouped by reason) or drew at zero size."""
    failed: dict[str, list[str]] = {}
    problems = []
    for chart in charts:
        if chart["rendered"] != "true":
            why = (chart["error"] or "").removeprefix(prefix or _CHART_ERROR_PREFIX).strip() or (
                words.gettext("no result") if waited else
                words.gettext("still not drawn after %(seconds)ss", seconds=CHART_TIMEOUT_MS // 1000))
            failed.setdefault(why, []).append(chart["id"])
        elif chart["width"] <= 0 or chart["height"] <= 0:
            problems.append(words.gettext("chart %(id)s drew at zero size (%(width)s×%(height)s px)", id=chart["id"],
                                          width=chart["width"], height=chart["height"]))
    for why, ids in failed.items():
        problems.insert(0, words.ngettext("chart %(ids)s did not draw: %(why)s",
                                          "%(count)s charts (%(ids)s) did not draw: %(why)s", len(ids),
                                          ids=", ".join(ids), why=why))
    return problems


_CHART_ERROR_PREFIX = "This chart could not be drawn:"


def chart_error_prefix(words: Words) -> str:
    """What site.js writes before a chart's error, in the site's words."""
    return words.gettext("This chart could not be drawn: %(reason)s").split("%(reason)s")[0].strip()


def _content_problems(state: dict[str, Any], is_report: bool, viewport: str, words: Words = ENGLISH) -> list[str]:
    problems = []
    if state["error"]:
        problems.append(words.gettext("the page shows a build error: %(error)s", error=state["error"]))
    if is_report and not (len(state["charts"]) or state["metrics"] or state["tables"] or state["text"]):
        problems.append(words.gettext("the report page has no content (no metric, chart, table or text)"))
    if state["scrollWidth"] > state["screenWidth"] + 1:
        culprit = words.gettext("; %(what)s sticks out", what=state["culprit"]) if state.get("culprit") else ""
        problems.append(words.gettext("the page is wider than the %(viewport)s screen (%(wide)s px > %(screen)s "
                                      "px%(culprit)s)", viewport=words.gettext(VIEWPORT_NAMES.get(viewport, viewport)),
                                      wide=state["scrollWidth"], screen=state["screenWidth"], culprit=culprit))
    return problems


def check_page(context: Any, base: str, page_path: str, viewport: str, is_report: bool,
               screenshots: Path | None = None, reader: bool = True,
               passwords: dict[str, str] | None = None, words: Words = ENGLISH,
               accessibility: bool = True) -> tuple[PageCheck, list[str]]:
    """Open one page; return what it showed and the links it references but did not itself load.

    ``reader`` runs the checks of what a reader sees (``smoke_checks``); with ``screenshots``, a
    full-page PNG of the page is saved there (before any mark is hovered)."""
    check = PageCheck(page_path, viewport)
    recorder = _Recorder(origin(base) or "", base, words)
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
                recorder.problems.append(words.gettext("the page did not load (no response)"))
            return check, links
        recorder.problems += smoke_private.unlock(page, passwords or {}, words)  # a private page: opened first
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
        recorder.problems += _chart_problems(state["charts"], waited, words, chart_error_prefix(words))
        recorder.problems += _content_problems(state, is_report, viewport, words)
        links = [link for link in state["links"] if urllib.parse.urldefrag(link)[0] not in recorder.requested]
        if screenshots is not None:
            check.screenshot = screenshot(page, screenshots, page_path, viewport)
        if reader:
            seen = smoke_checks.check_reader(page, words)
            check.hovered, check.tooltips = seen.hovered, seen.tooltips
            recorder.problems += seen.problems
        if accessibility:
            recorder.problems += axe.check(page, words)
            check.dark_problems = dark_accessibility(page, words)
    except Exception as exc:  # navigation errors and timeouts are a finding, not a crash
        recorder.problems.append(words.gettext("the page did not load: %(error)s", error=str(exc).splitlines()[0]))
    finally:
        check.problems = list(dict.fromkeys(recorder.problems))
        page.close()
    return check, links


_DARK_DRAWN = ("() => document.documentElement.dataset.theme === 'dark' && "
               "[...document.querySelectorAll('[data-spec]')].every(el => el.dataset.rendered === 'error' || "
               "(el.dataset.rendered && el.dataset.drawnTheme === 'dark'))")


# Every colour transition has finished (cards fade their backgrounds): getAnimations() applies the pending style
# change first, so a transition the new scheme is about to start is counted; endless animations are not waited for.
_TRANSITIONS_DONE = ("() => document.getAnimations().every(a => a.playState !== 'running' || "
                     "a.effect === null || a.effect.getComputedTiming().endTime === Infinity)")


def dark_accessibility(page: Any, words: Words = ENGLISH) -> list[str]:
    """The page switched to the dark colour scheme (as a reader's system would switch it), its charts redrawn,
    then checked by axe again."""
    page.emulate_media(color_scheme="dark")
    with contextlib.suppress(Exception):  # charts that did not redraw are checked as they are
        page.wait_for_function(_DARK_DRAWN, timeout=CHART_TIMEOUT_MS)
    with contextlib.suppress(Exception):  # a transition still running then is checked as it is drawn
        page.wait_for_function(_TRANSITIONS_DONE, polling="raf", timeout=THEME_SETTLES_MS)
    return axe.check(page, words)


def screenshot(page: Any, folder: Path, page_path: str, viewport: str, scheme: str = "light") -> Path:
    """Save a full-page PNG of ``page``: ``reports/sales.html`` at phone width → ``reports_sales.phone.png``
    (``reports_sales.phone.dark.png`` in the dark colour scheme)."""
    stem = page_path.removesuffix(".html").replace("/", "_") or "index"
    path = folder / f"{stem}.{viewport}{'' if scheme == 'light' else '.' + scheme}.png"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


__all__ = ["CHART_TIMEOUT_MS", "PAGE_TIMEOUT_MS", "check_page", "origin", "screenshot"]
