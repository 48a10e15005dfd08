"""Write a filtered page's slices: one small JSON file per combination of filter choices, beside the page.

Each file holds the HTML of every block that follows a filter, rendered by the same components as the
page itself, so a swapped block looks exactly like one the page was built with. The page carries the
map from choices to files (``#report-filters``) and shows the default combination inline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportsite.pages.page import ReportPage
from reportsite.render.templates import render


def slice_path(page_path: str, key: str) -> str:
    """Where one combination's file goes, relative to the site: data/<page>/slices/<key>.json."""
    return f"data/{page_path}/slices/{key}.json"


def config(page: ReportPage, page_path: str, root: str) -> dict[str, Any]:
    """What filters.js needs: each filter's choices (URL token, label, date hint), the default, and the files."""
    filters = [{"name": f.name, "default": f.default,
                "choices": [{"token": c.token, "label": c.label, "hint": c.hint} for c in f.choices]}
               for f in page.filters]
    return {"filters": filters, "blocks": page.following,
            "default": ".".join(str(f.default) for f in page.filters),
            "slices": {s.key: root + slice_path(page_path, s.key) for s in page.slices}}


def write(env: Any, context: dict[str, Any], page: ReportPage, page_path: str, staging: Path) -> list[str]:
    """Render and write every slice of ``page``; returns the files written, relative to the site."""
    text_only = not (page.metrics or page.charts or page.tables)
    written = []
    rendered: dict[tuple[str, int], str] = {}  # a block that follows some of the filters is in many slices
    for piece in page.slices:
        blocks = {}
        for block_id, block in piece.blocks.items():
            if block is None:
                continue
            if (block_id, id(block)) not in rendered:
                rendered[block_id, id(block)] = render(env, "components/block.html", {
                    **context, "kind": block_id.split("-")[0], "block": block, "text_only": text_only}).strip()
            blocks[block_id] = rendered[block_id, id(block)]
        body: dict[str, Any] = {"blocks": blocks}
        if "title" in piece.blocks:
            body["title"] = piece.blocks["title"]
        relative = slice_path(page_path, piece.key)
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        written.append(relative)
    return written
