"""Run a page's items once per combination of the filter choices they follow.

An item (a metric, chart, table, or the title, description and text) that mentions no filter runs once.
One that follows some filters runs once per combination of *their* choices, never of the others'. The
page shows the default combination; every full combination is a ``Slice`` naming the block each
following item shows, which the build writes as a small JSON file beside the page.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportsite.pages import filters as page_filters
from reportsite.pages import markdown_text
from reportsite.pages.context import RunContext
from reportsite.pages.filters import PageFilter
from reportsite.pages.items import ItemRunner
from reportsite.pages.page import ReportPage, with_parameters
from reportsite.query.located import QueryRef

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


@dataclass
class PageRun:
    """One page to fill: the report's own, or one of a for_each report's pages."""

    page: ReportPage
    parameters: Mapping[str, Any]  # the SQL's bound values: the report's parameters, and the page's value
    title: str  # the title as written, with its $names
    path: str | None = None  # the page's path under reports/ when it is not the report's own (``slug/file``)


def run_items(ctx: RunContext, page: ReportPage, parameters: Mapping[str, Any], title: str,
              path: str | None = None) -> None:
    """Fill ``page`` (the default choices) and ``page.slices`` (every combination) from the report's items."""
    run_pages(ctx, [PageRun(page, parameters, title, path)])


def run_pages(ctx: RunContext, pages: list[PageRun]) -> None:
    """Fill every page (its default choices and ``slices``, every combination) from the report's items.

    Each item runs item by item for all pages at once: its query is handed every binding the pages and choices
    will use (``Session.prefetch``: one pass over the data where that is proven the same), then each page's
    block is made from its share. Problems go to ``ctx.problems``.
    """
    report, site, config = ctx.report, ctx.site, ctx.report.config
    filters = page_filters.resolve(ctx.session, report, ctx.formats, ctx.today, ctx.problems) if config.filters else []
    if len(filters) != len(config.filters):
        return  # a filter's options failed: its problem is reported
    total = page_filters.count(filters)
    if total > site.max_slices:
        sizes = " × ".join(f"{len(f.choices)} ({f.name})" for f in filters)
        ctx.problems.add(report.problem(("filters",), f"the filters make {total} combinations ({sizes}), more than "
                                                      f"max_slices ({site.max_slices}) in site_src/site.yaml; "
                                                      "offer fewer choices or raise max_slices"))
        return
    depends = {block: page_filters.depends_on(filters, names) for block, names in _item_names(report).items()}
    runners: list[dict[tuple[tuple[int, ...], tuple[int, ...]], ItemRunner]] = [{} for _ in pages]

    def runner(number: int, which: tuple[int, ...], picked: tuple[int, ...]) -> ItemRunner:
        mine = runners[number]
        if (which, picked) not in mine:
            run = pages[number]
            sql, shown = page_filters.bindings(filters, which, picked, run.parameters)
            mine[which, picked] = ItemRunner(ctx, sql, shown, run.path, folder_for(filters, which, picked))
        return mine[which, picked]

    def each(block: str) -> list[tuple[int, tuple[int, ...], ItemRunner]]:
        which = depends[block]
        return [(number, picked, runner(number, which, picked)) for number in range(len(pages))
                for picked in page_filters.combinations(filters, which)]

    def ahead(block: str, path: tuple[str | int, ...], label: str, limit: int | None, stream: bool = False) -> list[
            tuple[int, tuple[int, ...], ItemRunner]]:
        uses = each(block)
        ctx.session.prefetch(QueryRef(report, path, label), [run.parameters for _, _, run in uses], limit, stream)
        return uses

    work = _Work(ctx, len(pages), len(config.metrics) + 2 * len(config.charts) + len(config.tables) + 3)
    results: list[dict[str, dict[tuple[int, ...], Any]]] = [{} for _ in pages]
    for index, metric in enumerate(config.metrics):
        block = f"metric-{index + 1}"
        for number, picked, run in ahead(block, ("metrics", index, "query"), f"metric '{metric.name}'", 1):
            if card := run.metric(index):
                results[number].setdefault(block, {})[picked] = card
        work.item_done()
    fetched: list[dict[str, dict[tuple[int, ...], Any]]] = [{} for _ in pages]
    for index, chart in enumerate(config.charts):
        block = f"chart-{index + 1}"
        uses = ahead(block, ("charts", index, "query"), f"chart '{chart.name}'", site.max_chart_rows)
        for number, picked, run in uses:
            if found := run.chart_data(index):
                fetched[number].setdefault(block, {})[picked] = (run, found)
        work.item_done()
    for number in range(len(pages)):
        default_run = runner(number, tuple(range(len(filters))), tuple(f.default for f in filters))
        colors = _page_colors(filters, depends, fetched[number], default_run)
        for block, drawn in fetched[number].items():
            results[number][block] = {picked: run.chart(index, table, colors)
                                      for picked, (run, (index, table)) in drawn.items()}
        fetched[number] = {}
        work.part_done(len(config.charts))
    for index, table_spec in enumerate(config.tables):
        block = f"table-{index + 1}"
        for number, picked, run in ahead(block, ("tables", index, "query"), f"table '{table_spec.name}'", None,
                                         stream=True):
            if table := run.table(index):
                results[number].setdefault(block, {})[picked] = table
        work.item_done()
    for number, run_page in enumerate(pages):
        for block, text in (("title", run_page.title), ("description", config.description), ("text", config.text)):
            which = depends[block]
            results[number][block] = {picked: _words(block, text, runner(number, which, picked), ctx.formats)
                                      for picked in page_filters.combinations(filters, which)}
        _assemble(ctx, run_page, filters, depends, results[number], runners[number], runner(number, (), ()))
        results[number] = {}
        work.part_done(3)
    work.finished()


def _assemble(ctx: RunContext, run: PageRun, filters: list[PageFilter], depends: dict[str, tuple[int, ...]],
              results: dict[str, dict[tuple[int, ...], Any]], runners: Mapping[Any, ItemRunner],
              plain: ItemRunner) -> None:
    """One page's blocks for its default choices, and every combination's as a ``Slice``."""
    config, page = ctx.report.config, run.page
    default = tuple(f.default for f in filters)

    def shown(block: str, picks: tuple[int, ...]) -> Any:
        return results.get(block, {}).get(tuple(picks[i] for i in depends[block]))

    page.title = shown("title", default) or run.title
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
        page.vega_locale = plain.vega_locale()
    for item_runner in runners.values():
        page.rows_returned += item_runner.rows
        page.files.extend(f for f in item_runner.files if f not in page.files)


class _Work:
    """Progress of a run over many pages, in pages: each item done for every page counts its share."""

    def __init__(self, ctx: RunContext, pages: int, parts: int) -> None:
        self.ctx, self.pages, self.parts, self.done = ctx, pages, max(parts, 1), 0

    def item_done(self) -> None:
        self.part_done(self.pages)

    def part_done(self, parts: int) -> None:
        self.done += parts
        if self.pages > 1:
            self.ctx.progress("pages", min(self.done // self.parts, self.pages), self.pages)

    def finished(self) -> None:
        if self.pages > 1:
            self.ctx.progress("pages", self.pages, self.pages)


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
