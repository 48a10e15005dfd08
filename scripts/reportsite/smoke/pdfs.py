"""The PDFs of a site, checked as paper: each public report's PDF read back and its pages drawn, and each page
laid out for print at A4 and at Letter width.

- the file is a PDF whose every sheet is A4 or Letter and carries text;
- Chromium did not shrink a sheet to fit it: a page with anything wider than the paper (even one element
  placed past its edge) is printed smaller, its CSS pixel then less than 0.75 pt (the scale of the sheet's
  content, in its first two ``cm`` operators);
- laid out for print at each paper's width (print styles, charts redrawn at that width), nothing on the page
  sticks out past the paper's printable width.

Private reports' PDFs are sealed like the rest of their files (``private`` checks that no one can read them).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from typing import Any

from reportsite.build.manifest_model import Manifest
from reportsite.pdf.paper import A4, LETTER, PAPERS
from reportsite.pdf.printer import prepare
from reportsite.smoke.findings import Problem

PT_PER_PX = 0.75  # 72 points to 96 CSS pixels
_STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (box.right > width + 1 && !el.closest('[data-print="hide"]')) {
      const parentOut = el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1;
      if (!parentOut) out.push((el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 60)
                               + ' (' + Math.round(box.right - width) + ' px)');
    }
  }
  return out.slice(0, 3);
}"""


def sheet_problems(data: bytes) -> list[str]:
    """What is wrong with a PDF as paper: its sheets' sizes, their text, and whether any was shrunk to fit."""

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = list(reader.pages)
    except (PdfReadError, ValueError) as exc:
        return [f"is not a readable PDF ({exc})"]
    if not pages:
        return ["has no pages"]
    found = []
    sizes = [paper.points for paper in PAPERS.values()]
    for number, page in enumerate(pages, start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            if not any(abs(width - w) < 2 and abs(height - h) < 2 for w, h in sizes):
                found.append(f"sheet {number} is {width:.0f} × {height:.0f} pt, neither A4 nor Letter")
            if not page.extract_text().strip():
                found.append(f"sheet {number} has no text")
            scale = _content_scale(page)
            if scale is not None and scale < PT_PER_PX * 0.98:
                found.append(f"sheet {number} is printed at {scale / PT_PER_PX:.0%}: something on the page is wider "
                             "than the paper, and Chromium shrank the page to fit it")
    return found


_NUMBER = rb"[+-]?(?:\d+\.?\d*|\.\d+)"
# A `cm` operator and its six operands; the first of them is the horizontal scale.
_CM = re.compile(rb"(?<![\w.])(" + _NUMBER + rb")" + rb"(?:\s+" + _NUMBER + rb"){5}\s+cm(?![\w])")


def _content_scale(page: Any) -> float | None:
    """Points per CSS pixel of a Chromium sheet: the product of its first two ``cm`` scales (the device's, then
    the page's); 0.75 unless the page was shrunk to fit. Both come before anything is drawn, so the stream is
    read only that far (parsing every operator of a long page took most of the check's time)."""
    contents = page.get_contents()
    if contents is None:
        return None
    scales = [abs(float(match[1])) for match in itertools.islice(_CM.finditer(contents.get_data()), 2)]
    return scales[0] * scales[1] if len(scales) == 2 else None


def layout_problems(context_for: Callable[[Any], Any], url: str) -> list[str]:
    """The page laid out for A4 and Letter: what sticks out past the printable width, per paper."""
    found = []
    for paper in (A4, LETTER):
        context = context_for(paper)
        page = context.new_page()
        try:
            prepare(page, url)
            out = page.evaluate(_STICKING_OUT)
            if out:
                found.append(f"printed on {paper.name}, wider than the paper: " + "; ".join(out))
        finally:
            page.close()
            context.close()
    return found


def check_pdfs(base: str, manifest: Manifest | None, browser: Any,
               fetch: Callable[[str], tuple[int, bytes]], checked: set[str] | None = None) -> list[Problem]:
    """Each public report's PDF as paper, and its page laid out for print; a PDF and page both in ``checked``
    (published as they were checked before) are left out."""
    problems: list[Problem] = []
    for slug, entry in sorted(manifest.reports.items() if manifest is not None else []):
        pdf = entry.pdf
        if not pdf or entry.private or {pdf, f"reports/{slug}.html"} <= (checked or set()):
            continue
        status, body = fetch(base + pdf)
        if status >= 400 or not body.startswith(b"%PDF"):
            problems.append(Problem(pdf, f"the report's PDF did not load (HTTP {status})"))
            continue
        problems += [Problem(pdf, message) for message in sheet_problems(body)]

        def context_for(paper: Any) -> Any:
            return browser.new_context(viewport={"width": paper.content_width_px, "height": paper.content_height_px})

        problems += [Problem(f"reports/{slug}.html", message)
                     for message in layout_problems(context_for, f"{base}reports/{slug}.html")]
    return problems


__all__ = ["check_pdfs", "layout_problems", "sheet_problems"]
