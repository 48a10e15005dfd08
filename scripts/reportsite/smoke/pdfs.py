"""The PDFs of a site, checked as paper: each public report's PDF read back and its pages drawn, and each page
laid out for print at A4 and at Letter width.

- the file is a PDF whose every sheet is A4 or Letter and carries text;
- drawn (PDFium, 50 dpi), no ink lies in a sheet's side margins: anything there ran past the printable width,
  and whatever runs on past the paper's edge is cut off (a chart, a table, a line of text);
- laid out for print at each paper's width (print styles, charts redrawn at that width), nothing on the page
  sticks out past the paper's printable width.

Private reports' PDFs are sealed like the rest of their files (``private`` checks that no one can read them).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from reportsite.pdf.paper import A4, LETTER, MARGIN_SIDE_MM, MARGIN_TOP_MM, MM_PER_INCH, PAPERS
from reportsite.pdf.printer import prepare
from reportsite.smoke.findings import Problem

DPI = 50
INK = 200  # a channel darker than this is ink (paper is 255; anti-aliased edges of ink go lower)
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
    """What is wrong with a PDF as paper: its sheets' sizes, text, and ink in the side margins."""

    import pypdfium2
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
    document = pypdfium2.PdfDocument(data)
    try:
        for number, page in enumerate(pages, start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            if not any(abs(width - w) < 2 and abs(height - h) < 2 for w, h in sizes):
                found.append(f"sheet {number} is {width:.0f} × {height:.0f} pt, neither A4 nor Letter")
            if not page.extract_text().strip():
                found.append(f"sheet {number} has no text")
            side = _ink_in_margins(document[number - 1])
            if side:
                found.append(f"sheet {number}: something runs into the {side} margin (cut off at the paper's edge)")
    finally:
        document.close()
    return found


def _ink_in_margins(page: Any) -> str | None:
    bitmap = page.render(scale=DPI / 72)
    width, height, stride, channels = bitmap.width, bitmap.height, bitmap.stride, bitmap.n_channels
    buffer = bytes(bitmap.buffer)
    margin = int(MARGIN_SIDE_MM / MM_PER_INCH * DPI)
    top = int(MARGIN_TOP_MM / MM_PER_INCH * DPI) + 2
    for side, columns in (("left", range(1, margin - 2)), ("right", range(width - margin + 2, width - 1))):
        for y in range(top, height - top):
            row = y * stride
            for x in columns:
                pixel = buffer[row + x * channels: row + x * channels + 3]
                if min(pixel) < INK:
                    return side
    return None


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


def check_pdfs(base: str, manifest: dict[str, Any] | None, browser: Any,
               fetch: Callable[[str], tuple[int, bytes]]) -> list[Problem]:
    problems: list[Problem] = []
    for slug, entry in sorted(((manifest or {}).get("reports") or {}).items()):
        pdf = entry.get("pdf")
        if not pdf or entry.get("private"):
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
