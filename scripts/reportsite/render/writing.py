"""Write a report's pages into the staging folder: the page and its filter slices, or every page of a
for_each report and the page listing them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from reportsite.render import page_writers, slice_files, templates


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
                 progress: Callable[[str, int, int], None] = lambda what, done, total: None,
                 source: page_writers.Templates | None = None) -> list[str]:
    """Write every page of a for_each report and reports/<slug>.html listing them. With ``source`` (what
    ``env`` was made from), a large family's pages are written by worker processes (``page_writers``)."""
    members, files = page.members, list[str]()
    written = 0

    def done(chunk_files: list[list[str]]) -> None:
        nonlocal files, written
        for page_files in chunk_files:
            files += page_files
            written += 1
            progress("pages written", written, len(members))

    with page_writers.page_writers(source, common, staging, len(members), write_page) if source else \
            contextlib.nullcontext() as write_chunk:
        pending: list[Future[list[list[str]]]] = []
        for start in range(0, len(members), page_writers.CHUNK_PAGES):
            chunk = members[start:start + page_writers.CHUNK_PAGES]
            work = [(f"{slug}/{member.file}", member.page) for member in chunk]
            for member in chunk:
                member.page = None  # handed over: its blocks are no longer needed here
            if write_chunk is None:
                done([write_page(env, common, shown, path, staging) for path, shown in work])
                continue
            pending.append(write_chunk(work))
            while pending and (pending[0].done() or len(pending) > 4):
                done(pending.pop(0).result())
        for future in pending:
            done(future.result())
    html = templates.render(env, "family.html", {**common, "root": "../", "page_title": page.title, "report": page})
    (staging / f"reports/{slug}.html").write_text(html, encoding="utf-8")
    return [f"reports/{slug}.html", *files]


__all__ = ["write_family", "write_page"]
