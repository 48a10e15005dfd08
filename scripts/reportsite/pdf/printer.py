"""Print built report pages to PDF with headless Chromium.

Each page is opened from the staged site (``file://``) with print styles applied and the window as wide as
the paper between its margins, so Vega redraws every chart at that width before anything is printed (a chart
is redrawn, never a screen-sized picture scaled down). Tables print the rows the page holds, their header
repeated on every sheet (site.css); a table with more columns than fit the paper is scaled down to fit (to
half its size at most) rather than cut off at the card's edge. Chromium writes the site's name in its brand
colour and the report's title at the top of every sheet, and the "data as of" line and "Page n of N" at the
bottom.

One browser serves the whole build; it runs in a thread of its own, so a caller that already drives
Playwright in its own thread (a test, ``serve``) is not disturbed.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsite import browser
from reportsite.errors import Problem, ReportError
from reportsite.pdf.paper import Paper

PAGE_TIMEOUT_MS = 60_000
CHARTS_DRAWN = "() => [...document.querySelectorAll('[data-spec]')].every(el => el.dataset.rendered)"
MIN_TABLE_ZOOM = 0.5  # a table wider than the paper is scaled down to fit, to half its size at most
# A table with more columns than the paper is wide would be cut at the card's edge: scale it to fit instead.
FIT_TABLES = f"""() => {{
  for (const table of document.querySelectorAll('main table')) {{
    const room = table.parentElement.clientWidth, need = table.scrollWidth;
    if (need > room + 1) table.style.zoom = String(Math.max({MIN_TABLE_ZOOM}, Math.floor(room / need * 100) / 100));
  }}
}}"""
Log = Callable[[str], None]


@dataclass
class PrintJob:
    """One page to print: both paths relative to the site folder."""

    page: str  # reports/sales.html
    pdf: str  # data/sales/sales.pdf
    title: str  # the report's title, at the top of every sheet
    as_of: str  # "Data as of Jan 5, 2026", at the bottom of every sheet


@dataclass(frozen=True)
class Brand:
    site_title: str
    color: str  # #rrggbb
    page_of: str = "Page %(page)s of %(total)s"  # the footer's page number, in the site's words


def header_template(job: PrintJob, brand: Brand) -> str:
    """What Chromium draws in the top margin of every sheet (it knows no page CSS: everything inline)."""
    return (
        '<div style="width:100%;margin:0 12mm;display:flex;justify-content:space-between;gap:8mm;'
        'font-family:system-ui,sans-serif;font-size:8px;color:#475569;">'
        f'<span style="font-weight:600;color:{html.escape(brand.color)};white-space:nowrap;">'
        f'&#9632; {html.escape(brand.site_title)}</span>'
        f'<span style="overflow:hidden;text-overflow:ellipsis;white-space:nowrap;">{html.escape(job.title)}</span>'
        "</div>"
    )


def footer_template(job: PrintJob, brand: Brand) -> str:
    numbers = html.escape(brand.page_of).replace("%(page)s", '<span class="pageNumber"></span>').replace(
        "%(total)s", '<span class="totalPages"></span>')
    return (
        '<div style="width:100%;margin:0 12mm;display:flex;justify-content:space-between;gap:8mm;'
        'font-family:system-ui,sans-serif;font-size:8px;color:#475569;">'
        f'<span style="white-space:nowrap;">{html.escape(job.as_of)}</span>'
        f'<span style="white-space:nowrap;">{numbers}</span></div>'
    )


def prepare(page: Any, url: str) -> None:
    """Open ``url`` laid out for paper: print styles, charts drawn at the window's (the paper's) width, tables
    showing the rows they print."""
    page.emulate_media(media="print", color_scheme="light")
    page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(CHARTS_DRAWN, timeout=PAGE_TIMEOUT_MS)
    page.evaluate("() => { window.dispatchEvent(new Event('beforeprint')); return document.fonts.ready; }")
    page.evaluate(FIT_TABLES)


def print_one(context: Any, folder: Path, job: PrintJob, paper: Paper, brand: Brand) -> None:
    page = context.new_page()
    try:
        prepare(page, (folder / job.page).resolve().as_uri())
        target = folder / job.pdf
        target.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(target), format=paper.name, margin=paper.margins, print_background=True,
                 display_header_footer=True, header_template=header_template(job, brand),
                 footer_template=footer_template(job, brand), outline=False, tagged=True)
    finally:
        page.close()


def print_pdfs(folder: Path, jobs: list[PrintJob], paper: Paper, brand: Brand, log: Log = lambda _: None) -> float:
    """Print every job into ``folder``; returns the seconds it took. Raises ReportError naming the page that
    could not be printed (or that no browser could be started)."""
    if not jobs:
        return 0.0
    failure: list[Problem] = []
    started = time.perf_counter()

    def work() -> None:
        try:
            with browser.launched() as chromium:
                context = chromium.new_context(viewport={"width": paper.content_width_px,
                                                         "height": paper.content_height_px})
                try:
                    for job in jobs:
                        try:
                            print_one(context, folder, job, paper, brand)
                        except Exception as exc:  # Playwright's errors: a page that would not load or draw
                            failure.append(Problem(f"PDF of {job.page}: could not be printed: {_first_line(exc)}"))
                            return
                finally:
                    context.close()
        except Exception as exc:  # no browser: the build cannot make the PDFs its pages link to
            failure.append(Problem(f"PDFs: Chromium could not be started ({_first_line(exc)}); run `make browser` "
                                   "(or build with --no-pdf)"))

    thread = threading.Thread(target=work, name="reportsite-pdf", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise ReportError(failure)
    seconds = time.perf_counter() - started
    log(f"printed {len(jobs)} PDF page(s) in {seconds:.2f}s ({paper.name})")
    return seconds


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


__all__ = ["Brand", "PrintJob", "footer_template", "header_template", "prepare", "print_pdfs"]
