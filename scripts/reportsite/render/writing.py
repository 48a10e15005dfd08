"""Write a report's pages into the staging folder: the page and its filter slices, or every page of a
for_each report and the page listing them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportsite.render import slice_files, templates


def write_page(env: Any, common: dict[str, Any], page: Any, page_path: str, staging: Path) -> list[str]:
    """Write reports/<page_path>.html and its filter slices; returns every file of the page (downloads too)."""
    root = "../" * (page_path.count("/") + 1)
    context = {**common, "root": root, "page_title": page.title, "report": page}
    if page.filters:
        context["filters_config"] = slice_files.config(page, page_path, root)
    html = templates.render(env, "report.html", context)
    target = staging / f"reports/{page_path}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return [f"reports/{page_path}.html", *page.files, *slice_files.write(env, context, page, page_path, staging)]


def write_family(env: Any, common: dict[str, Any], page: Any, slug: str, staging: Path,
                 progress: Callable[[str, int, int], None] = lambda what, done, total: None) -> list[str]:
    """Write every page of a for_each report and reports/<slug>.html listing them."""
    files = []
    for number, member in enumerate(page.members, start=1):
        files += write_page(env, common, member.page, f"{slug}/{member.file}", staging)
        member.page = None  # written: its blocks are no longer needed
        progress("pages written", number, len(page.members))
    html = templates.render(env, "family.html", {**common, "root": "../", "page_title": page.title, "report": page})
    (staging / f"reports/{slug}.html").write_text(html, encoding="utf-8")
    return [f"reports/{slug}.html", *files]


__all__ = ["write_family", "write_page"]
