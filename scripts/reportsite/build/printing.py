"""A report's PDFs and its delivery record, planned and written by the build.

``plan`` names the PDF of each page the report prints (its page as it opens; a for_each report's pages too
with ``pdf: every_page``) and links each page to it, before the pages are rendered; the build prints them
all with one browser (``pdf.printer``) before private reports are sealed, so a private report's PDF is
sealed like its other files. ``write_delivery`` keeps what digests and alerts need in one small file beside
the downloads, ``data/<slug>/delivery.json``: the headline metrics, what each alert saw, the PDF. It is a
file of the report, so a private report's is sealed too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportsite.config.project import Report
from reportsite.config.site_models import SiteConfig
from reportsite.pdf.paper import Paper, paper_for
from reportsite.pdf.printer import Brand, PrintJob, print_pdfs
from reportsite.values.words import ENGLISH, N_, Words

AS_OF_LABELS = (N_("Data as of"), N_("Files updated"))

DELIVERY = "delivery.json"


def paper(site: SiteConfig) -> Paper:
    return paper_for(site.pdf.paper, site.locale)


def brand(site: SiteConfig, words: Words = ENGLISH) -> Brand:
    return Brand(site.title, site.primary_color, words.gettext("Page %(page)s of %(total)s", page="%(page)s",
                                                               total="%(total)s"))


def fingerprint(report: Report, site: SiteConfig, enabled: bool) -> list[str]:
    """What the report's PDFs depend on besides its page: printing on or off, the mode and the paper."""
    mode = report.config.pdf if enabled else False
    return [f"pdf:{mode}:{paper(site).name if mode else ''}"]


def _as_of(page: Any, words: Words) -> str:
    """"Data as of Jan 5, 2026" in the site's words."""
    if not page.data_as_of:
        return ""
    label = page.data_as_of_label
    return f"{words.gettext(label) if label in AS_OF_LABELS else label} {page.data_as_of}"


def plan(report: Report, page: Any, enabled: bool, words: Words = ENGLISH) -> list[PrintJob]:
    """The pages of ``report`` to print, each page linked to its PDF (``page.pdf``)."""
    mode = report.config.pdf if enabled else False
    if not mode or page.failed:
        return []
    slug = report.slug
    page.pdf = f"data/{slug}/{slug}.pdf"
    jobs = [PrintJob(f"reports/{slug}.html", page.pdf, page.title, _as_of(page, words))]
    if mode == "every_page":
        for member in page.members:
            if member.page is None:
                continue
            member.page.pdf = f"data/{slug}/pages/{member.file}.pdf"
            jobs.append(PrintJob(f"reports/{slug}/{member.file}.html", member.page.pdf, member.page.title,
                                 _as_of(member.page, words)))
    return jobs


def write_delivery(staging: Path, report: Report, page: Any, jobs: list[PrintJob], words: Words = ENGLISH) -> str:
    """Write data/<slug>/delivery.json; returns its path relative to the site."""
    relative = f"data/{report.slug}/{DELIVERY}"
    body = {
        "slug": report.slug,
        "title": page.title,
        "page": f"reports/{report.slug}.html",
        "pdf": jobs[0].pdf if jobs else None,
        "pdf_pages": [job.pdf for job in jobs],
        "data_as_of": _as_of(page, words),
        "headlines": [{"name": m.name, "value": m.exact, "change": m.change.text if m.change else None}
                      for m in page.metrics],
        "alerts": page.alerts,
    }
    target = staging / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return relative


__all__ = ["DELIVERY", "brand", "fingerprint", "paper", "plan", "print_pdfs", "write_delivery"]
