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

from reportsite.errors import Problems, QueryError
from reportsite.pages import filters as page_filters
from reportsite.pages import workers
from reportsite.pages.context import RunContext
from reportsite.pages.filters import PageFilter
from reportsite.pages.items import ItemRunner
from reportsite.pages.page import ReportPage
from reportsite.pages.units import Made, ResultKey, Results, Setting, Unit
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

    First every query runs, item by item for all pages and choices at once: each is handed every binding they
    will use (``Session.prefetch``: one pass over the data where that is proven the same). Then each page's
    blocks for each combination of the choices they follow (a ``Unit``) are made from those results, in worker
    processes when there are many (``workers``). Problems go to ``ctx.problems``.
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
    units = _units(pages, filters, depends)
    by_page: list[list[Made]] = [[] for _ in pages]
    count = workers.worker_count(len(units))
    setting = Setting(report, site, ctx.downloads, ctx.today, ctx.families)
    done = 0
    with workers.makers(setting, count) as make:  # the workers get ready while the queries run
        found: dict[ResultKey, Any] = {}
        items = _items(report, site)
        for block, ref, limit, stream in items:
            uses = [unit for unit in units if block in unit.blocks]
            ctx.session.prefetch(ref, [unit.parameters for unit in uses], limit, stream)
            if not stream:
                for unit in uses:
                    found[Results.key(ref, unit.parameters)] = _rows(ctx, ref, unit.parameters, limit, False)
        colors = _colors(ctx, units, filters, depends, found)
        size = max(1, min(workers.CHUNK_UNITS, len(units) // max(count * 2, 1) or 1))
        pending = []
        for start in range(0, len(units), size):
            chunk = units[start:start + size]
            needed = _needed(chunk, items, found)
            for block, ref, _, stream in items:
                for unit in chunk:
                    if stream and block in unit.blocks:  # read now, a chunk at a time: a table's rows can be many
                        needed[Results.key(ref, unit.parameters)] = _rows(ctx, ref, unit.parameters, None, True)
            pending.append(make(chunk, needed, {u.number: colors.get(u.number, {}) for u in chunk}))
            while pending and (pending[0].done() or len(pending) > 2 * max(count, 1)):
                done += _collect(pending.pop(0).result(), by_page, ctx)
                _progress(ctx, done, len(units), len(pages), total)
        for future in pending:
            done += _collect(future.result(), by_page, ctx)
            _progress(ctx, done, len(units), len(pages), total)
    for number, run_page in enumerate(pages):
        _assemble(ctx, run_page, filters, depends, by_page[number])


def _units(pages: list[PageRun], filters: list[PageFilter], depends: dict[str, tuple[int, ...]]) -> list[Unit]:
    """Each page's blocks, grouped by the filters they follow, once per combination of those filters' choices."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for block, which in depends.items():
        groups.setdefault(which, []).append(block)
    units = []
    for number, run in enumerate(pages):
        for which, blocks in groups.items():
            for picked in page_filters.combinations(filters, which):
                sql, shown = page_filters.bindings(filters, which, picked, run.parameters)
                units.append(Unit(number, which, picked, tuple(blocks), sql, shown, run.path,
                                  folder_for(filters, which, picked), run.title))
    return units


def _items(report: Any, site: Any) -> list[tuple[str, QueryRef, int | None, bool]]:
    """Every query item: (block, query, row limit, streamed), in the order the page shows them."""
    config = report.config
    items: list[tuple[str, QueryRef, int | None, bool]] = [
        (f"metric-{i + 1}", QueryRef(report, ("metrics", i, "query"), f"metric '{m.name}'"), 1, False)
        for i, m in enumerate(config.metrics)]
    items += [(f"chart-{i + 1}", QueryRef(report, ("charts", i, "query"), f"chart '{c.name}'"), site.max_chart_rows,
               False) for i, c in enumerate(config.charts)]
    items += [(f"table-{i + 1}", QueryRef(report, ("tables", i, "query"), f"table '{t.name}'"), None, True)
              for i, t in enumerate(config.tables)]
    return items


def _rows(ctx: RunContext, ref: QueryRef, parameters: Mapping[str, Any], limit: int | None, stream: bool) -> Any:
    """One use's rows, or the QueryError it failed with (the unit reports it where it belongs)."""
    try:
        return ctx.session.materialize(ref, parameters, limit, stream)
    except QueryError as exc:
        return exc


def _needed(chunk: list[Unit], items: list[tuple[str, QueryRef, int | None, bool]],
            found: Mapping[ResultKey, Any]) -> dict[ResultKey, Any]:
    """The fetched results a chunk of units reads (sent to a worker with it)."""
    needed = {}
    for block, ref, _, stream in items:
        for unit in chunk:
            if block in unit.blocks and not stream:
                key = Results.key(ref, unit.parameters)
                needed[key] = found[key]
    return needed


def _colors(ctx: RunContext, units: list[Unit], filters: list[PageFilter], depends: dict[str, tuple[int, ...]],
            found: Mapping[ResultKey, Any]) -> dict[int, dict[str, str]]:
    """Each page's series colours: one colour per category across its charts and every choice (the default
    choices' categories first), so North stays the same blue whatever the reader picks."""
    config = ctx.report.config
    if not config.charts:
        return {}
    quiet = RunContext(Results(found), ctx.report, ctx.site, None, ctx.today, Problems(),  # type: ignore[arg-type]
                       ctx.families)
    fetched: dict[int, dict[str, dict[tuple[int, ...], Any]]] = {}
    plain: dict[int, ItemRunner] = {}
    for unit in units:
        run = ItemRunner(quiet, unit.parameters, unit.shown, unit.path, unit.folder)
        plain.setdefault(unit.number, run)
        for block in unit.blocks:
            if block.startswith("chart-") and (data := run.chart_data(int(block.split("-")[1]) - 1)):
                fetched.setdefault(unit.number, {}).setdefault(block, {})[unit.picked] = (run, data)
    return {number: _page_colors(filters, depends, charts, plain[number]) for number, charts in fetched.items()}


def _collect(made: list[Made], by_page: list[list[Made]], ctx: RunContext) -> int:
    for one in made:
        by_page[one.unit.number].append(one)
        ctx.problems.extend(one.problems)
    return len(made)


def _progress(ctx: RunContext, done: int, units: int, pages: int, choices: int) -> None:
    """Progress in pages (a family) or choices (one filtered page: its combinations of every filter's choices,
    though its units are fewer or more: blocks that follow some filters, or none)."""
    if pages > 1:
        ctx.progress("pages", done * pages // units, pages)
    elif units > 1:
        ctx.progress("choices", done * choices // units, choices)


def _assemble(ctx: RunContext, run: PageRun, filters: list[PageFilter], depends: dict[str, tuple[int, ...]],
              made: list[Made]) -> None:
    """One page's blocks for its default choices, and every combination's as a ``Slice``."""
    config, page = ctx.report.config, run.page
    results: dict[str, dict[tuple[int, ...], Any]] = {}
    for one in made:
        for block, value in one.blocks.items():
            if value is not None:
                results.setdefault(block, {})[one.unit.picked] = value
        page.rows_returned += one.rows
        page.files.extend(f for f in one.files if f not in page.files)
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
        page.vega_locale = ItemRunner(ctx).vega_locale()


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
