"""Run a page's items once per combination of the filter choices they follow.

An item (a metric, chart, table, or the title, description and text) that mentions no filter runs once.
One that follows some filters runs once per combination of *their* choices, never of the others'. The
page shows the default combination; every full combination is a ``Slice`` naming the block each
following item shows, which the build writes as a small JSON file beside the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.errors import Problem
from reportsite.pages import filters as page_filters
from reportsite.pages import markdown_text
from reportsite.pages.filters import PageFilter
from reportsite.pages.items import ItemRunner
from reportsite.pages.page import ReportPage, with_parameters
from reportsite.query.located import QueryRef
from reportsite.values.formats import Formats

TEXT_BLOCKS = ("title", "description", "text")


@dataclass
class Slice:
    picks: tuple[int, ...]  # one choice index per filter
    blocks: dict[str, Any] = field(default_factory=dict)  # block id → MetricCard, ChartBlock, TableBlock or text

    @property
    def key(self) -> str:
        return ".".join(str(p) for p in self.picks)


def folder_for(filters: list[PageFilter], which: tuple[int, ...], picked: tuple[int, ...]) -> str:
    """The downloads' sub-folder of one combination: stable while the choices' tokens are."""
    if not which:
        return ""
    tokens = [[filters[i].name, filters[i].choices[c].token] for i, c in zip(which, picked, strict=True)]
    return "s-" + hashlib.sha256(json.dumps(tokens, ensure_ascii=False).encode()).hexdigest()[:10]


def _item_names(report: Any) -> dict[str, set[str]]:
    """The $names each block mentions, in its SQL and its words."""
    config = report.config

    def sql(path: tuple[str | int, ...]) -> str:
        try:
            return QueryRef(report, path, "").sql
        except OSError:
            return ""

    names: dict[str, set[str]] = {}
    for i, m in enumerate(config.metrics):
        names[f"metric-{i + 1}"] = page_filters.used_names(sql(("metrics", i, "query")), m.name, m.description)
    for i, c in enumerate(config.charts):
        names[f"chart-{i + 1}"] = page_filters.used_names(sql(("charts", i, "query")), c.name, c.params.title,
                                                          c.description)
    for i, t in enumerate(config.tables):
        names[f"table-{i + 1}"] = page_filters.used_names(sql(("tables", i, "query")), t.name, t.description)
    title = config.for_each.title if config.for_each and config.for_each.title else config.title
    names["title"] = page_filters.used_names(title)
    names["description"] = page_filters.used_names(config.description)
    names["text"] = page_filters.used_names(config.text)
    return names


def run_items(session: Any, report: Any, site: Any, downloads: Path | None, problems: list[Problem],
              page: ReportPage, today: dt.date, parameters: Mapping[str, Any], title: str,
              slug: str | None = None, families: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Fill ``page`` (the default choices) and ``page.slices`` (every combination) from the report's items."""
    formats = Formats.of(site)
    config = report.config
    filters = page_filters.resolve(session, report, formats, today, problems) if config.filters else []
    if len(filters) != len(config.filters):
        return  # a filter's options failed: its problem is reported
    total = page_filters.count(filters)
    if total > site.max_slices:
        sizes = " × ".join(f"{len(f.choices)} ({f.name})" for f in filters)
        problems.append(report.problem(("filters",), f"the filters make {total} combinations ({sizes}), more than "
                                                     f"max_slices ({site.max_slices}) in site_src/site.yaml; "
                                                     "offer fewer choices or raise max_slices"))
        return
    depends = {block: page_filters.depends_on(filters, names) for block, names in _item_names(report).items()}
    runners: dict[tuple[tuple[int, ...], tuple[int, ...]], Any] = {}

    def runner(which: tuple[int, ...], picked: tuple[int, ...]) -> Any:
        if (which, picked) not in runners:
            sql, shown = page_filters.bindings(filters, which, picked, parameters)
            runners[which, picked] = ItemRunner(session, report, site, downloads, problems, sql, shown, slug,
                                                folder_for(filters, which, picked), families)
        return runners[which, picked]

    def each(block: str) -> list[tuple[tuple[int, ...], Any]]:
        which = depends[block]
        return [(picked, runner(which, picked)) for picked in page_filters.combinations(filters, which)]

    results: dict[str, dict[tuple[int, ...], Any]] = {}
    for index in range(len(config.metrics)):
        block = f"metric-{index + 1}"
        results[block] = {picked: card for picked, run in each(block) if (card := run.metric(index))}
    fetched: dict[str, dict[tuple[int, ...], Any]] = {}
    for index in range(len(config.charts)):
        block = f"chart-{index + 1}"
        fetched[block] = {picked: (run, found) for picked, run in each(block) if (found := run.chart_data(index))}
    colors = _page_colors(filters, depends, fetched, runner(tuple(range(len(filters))),
                                                            tuple(f.default for f in filters)))
    for block, found in fetched.items():
        results[block] = {picked: run.chart(index, table, colors) for picked, (run, (index, table)) in found.items()}
    for index in range(len(config.tables)):
        block = f"table-{index + 1}"
        results[block] = {picked: table for picked, run in each(block) if (table := run.table(index))}
    for block, text in (("title", title), ("description", config.description), ("text", config.text)):
        results[block] = {picked: _words(block, text, run, formats) for picked, run in each(block)}

    default = tuple(f.default for f in filters)

    def shown(block: str, picks: tuple[int, ...]) -> Any:
        return results[block].get(tuple(picks[i] for i in depends[block]))

    page.title = shown("title", default) or title
    page.description_html = shown("description", default)
    page.text_html = shown("text", default)
    order = [f"metric-{i + 1}" for i in range(len(config.metrics))]
    page.metrics = [card for block in order if (card := shown(block, default))]
    page.charts = [c for i in range(len(config.charts)) if (c := shown(f"chart-{i + 1}", default))]
    page.tables = [t for i in range(len(config.tables)) if (t := shown(f"table-{i + 1}", default))]
    page.filters = filters
    following = [block for block, which in depends.items() if which]
    page.following = following
    if following:
        page.slices = [Slice(picks, {block: shown(block, picks) for block in following})
                       for picks in page_filters.combinations(filters, tuple(range(len(filters))))]
    if any(chart.spec for s in [None, *page.slices] for chart in _charts(page, s)):
        page.vega_locale = runner((), ()).vega_locale()
    for run in runners.values():
        page.rows_returned += run.rows
        page.files.extend(f for f in run.files if f not in page.files)


def _charts(page: ReportPage, piece: Slice | None) -> list[Any]:
    if piece is None:
        return page.charts
    return [b for k, b in piece.blocks.items() if k.startswith("chart-") and b is not None]


def _page_colors(filters: list[PageFilter], depends: dict[str, tuple[int, ...]],
                 fetched: dict[str, dict[tuple[int, ...], Any]], run: Any) -> dict[str, str]:
    """One colour per category across every chart and every choice (the default choices' categories first),
    so North stays the same blue whatever the reader picks."""
    default = tuple(f.default for f in filters)
    ordered: list[tuple[int, Any]] = []
    for block, found in fetched.items():
        mine = tuple(default[i] for i in depends[block])
        if mine in found:
            ordered.append(found[mine][1])
    for found in fetched.values():
        ordered.extend(value[1] for _, value in sorted(found.items(), key=lambda kv: kv[0]))
    return run.page_colors(ordered)  # type: ignore[no-any-return]


def _words(block: str, text: str | None, run: Any, formats: Any) -> Any:
    """The title as text; the description and the text as HTML from their Markdown."""
    if block == "title":
        return with_parameters(text, run.shown, formats) or text or ""
    return markdown_text.render(text, run.shown, level=2)
