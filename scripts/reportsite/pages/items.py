"""Run each metric, chart and table query of one report and turn the results into page blocks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reportsite import charts
from reportsite.downloads.csv import stream_table, write_csv
from reportsite.downloads.xlsx import CappedRows, column_kinds, write_xlsx
from reportsite.errors import QueryError, did_you_mean
from reportsite.pages import chart_text, markdown_text, table_rows
from reportsite.pages.context import RunContext
from reportsite.pages.page import (
    ChartBlock,
    MetricCard,
    ReportPage,
    TableBlock,
    metric_card,
    slugify,
    with_parameters,
)
from reportsite.query import located
from reportsite.values.formats import NUMERIC_KINDS, column_kind
from reportsite.values.tokens import token_of


def chart_formats(chart: Any) -> dict[str, str]:
    """The formats a chart's axes give its columns (x_format, y_format, y2_format), as table kinds."""
    params = chart.params
    found = {}
    for column, shown in ((params.x, params.x_format), (params.y, params.y_format), (params.y2, params.y2_format)):
        if column and shown:
            found[column] = shown
    return found


class ItemRunner:
    """Runs metric, chart and table queries of one report with one set of bound values, collecting problems.

    ``parameters`` are the SQL's bound values (the report's, plus a filter choice's or a for_each value);
    ``shown`` what ``$name`` writes in titles (a filter's label rather than NULL); ``folder`` the
    downloads' sub-folder for this set of values (``data/<page>/<folder>/…``), empty when they are the page's.
    """

    def __init__(self, ctx: RunContext, parameters: Mapping[str, Any] | None = None,
                 shown: Mapping[str, Any] | None = None, page: str | None = None, folder: str = "") -> None:
        self.ctx = ctx
        self.session, self.report, self.site, self.formats = ctx.session, ctx.report, ctx.site, ctx.formats
        self.downloads, self.problems, self.families = ctx.downloads, ctx.problems, ctx.families
        self.parameters = dict(ctx.report.config.parameters if parameters is None else parameters)
        self.shown = dict(self.parameters if shown is None else shown)
        self.page, self.folder = page or ctx.report.slug, folder
        self.rows = 0
        self.files: list[str] = []  # every download written, relative to the site

    def links_to(self, family: str) -> dict[str, str]:
        """URL of each page of a for_each report, by value, relative to this page."""
        root = "../" * (self.page.count("/") + 1)
        return {token: f"{root}reports/{family}/{file}.html" for token, file in self.families.get(family, {}).items()}

    def _text(self, text: str | None) -> str | None:
        return with_parameters(text, self.shown, self.formats)

    def _fetch(self, ref: located.QueryRef, limit: int | None = None) -> Any:
        try:
            return self.session.fetch(ref, self.parameters, limit)
        except QueryError as exc:
            self.problems.extend(exc.problems)
            return None

    def _csv_path(self, name: str, index: int, kind: str) -> tuple[Path | None, str | None]:
        if self.downloads is None:
            return None, None
        folder = f"{self.folder}/" if self.folder else ""
        relative = f"data/{self.page}/{folder}{kind}-{index + 1}-{slugify(name)}.csv"
        self.files.append(relative)
        return self.downloads / relative, relative

    def _xlsx(self, table: Any, csv_path: Path, relative: str | None, declared: Mapping[str, str],
              total: int | None = None, currencies: Mapping[str, str] | None = None) -> str | None:
        """The Excel download beside a CSV one (same name, .xlsx); its path relative to the site."""
        if relative is None:
            return None
        write_xlsx(table, csv_path.with_suffix(".xlsx"), column_kinds(table, dict(declared)), self.formats, total,
                   currencies=dict(currencies or {}))
        self.files.append(relative.removesuffix(".csv") + ".xlsx")
        return relative.removesuffix(".csv") + ".xlsx"

    def metrics(self) -> list[MetricCard]:
        return [card for index in range(len(self.report.config.metrics)) if (card := self.metric(index))]

    def metric(self, index: int) -> MetricCard | None:
        metric = self.report.config.metrics[index]
        ref = located.QueryRef(self.report, ("metrics", index, "query"), f"metric '{metric.name}'")
        table = self._fetch(ref, limit=1)
        if table is None:
            return None
        names = table.column_names
        if "value" not in names:
            self.problems.add(located.locate(ref, f"{ref.label}: the query must return a column named "
                                                   f"'value' (columns: {', '.join(names)}); add 'AS value'"))
            return None
        if table.num_rows > 1:
            self.problems.add(located.locate(ref, f"{ref.label}: the query must return one row (it returned "
                                                   "more); aggregate it (e.g. SUM(...)) or filter it to one "
                                                   "row"))
            return None
        row = table.slice(0, 1).to_pylist()[0] if table.num_rows else {}  # no row: the card shows —
        self.rows += table.num_rows
        card = metric_card(self._text(metric.name) or metric.name, row.get("value"), row.get("previous"),
                           metric.format, metric.better, self._text(metric.description),
                           self.formats.with_currency(metric.currency))
        card.currency = metric.currency
        card.id = f"metric-{index + 1}"
        return card

    def charts(self, page: ReportPage) -> list[ChartBlock]:
        """Every chart of the page: queried first, so one category gets one colour across all of them."""
        fetched = [found for index in range(len(self.report.config.charts)) if (found := self.chart_data(index))]
        colors = self.page_colors(fetched)
        blocks = [self.chart(index, table, colors) for index, table in fetched]
        if any(block.spec for block in blocks):
            page.vega_locale = self.vega_locale()
        return blocks

    def chart_data(self, index: int) -> tuple[int, Any] | None:
        """The rows of chart ``index`` (None, with the problem noted, when they cannot be charted)."""
        chart = self.report.config.charts[index]
        limit = self.site.max_chart_rows
        ref = located.QueryRef(self.report, ("charts", index, "query"), f"chart '{chart.name}'")
        table = self._fetch(ref, limit=limit)
        if table is None or not self._columns_ok(chart, index, table.column_names):
            return None
        if table.num_rows > limit:
            self.problems.add(located.locate(ref, (
                f"{ref.label}: the query returns more than {limit} rows, too many for one chart; aggregate "
                "in SQL (e.g. GROUP BY date_trunc('month', date)) or raise max_chart_rows in site_src/site.yaml"
            )))
            return None
        return index, table

    def page_colors(self, fetched: list[tuple[int, Any]]) -> dict[str, str]:
        """One colour per category over the given (chart index, rows), in order of first appearance."""
        chart_of = self.report.config.charts
        words = self.formats.words
        categories = [label for index, table in fetched
                      for label in charts.colored_categories(chart_of[index], table, words)]
        return charts.page_colors(categories, self.site.primary_color, words.gettext(charts.OTHER))

    def vega_locale(self) -> dict[str, Any]:
        """What the page's charts share: number and date names, and the dark theme's config (``charts.theme``)."""
        return {"format": charts.format_locale(self.site.locale, self.formats.currency),
                "time": charts.time_format_locale(self.site.locale), "dark": charts.dark_config()}

    def chart(self, index: int, table: Any, colors: dict[str, str]) -> ChartBlock:
        """Chart ``index`` drawn from its rows, its categories in the page's colours."""
        site, chart = self.site, self.report.config.charts[index]
        links = self.links_to(chart.params.link) if chart.params.link else {}
        shown = self.formats.with_currency(chart.currency)
        context = charts.ChartContext(site.locale, shown.currency, site.timezone, site.primary_color, colors, links,
                                      shown.words, self.formats.currency)
        self.rows += table.num_rows
        spec = charts.vega_lite(chart, table, context) if table.num_rows else None
        declared = chart_formats(chart)
        path, relative = self._csv_path(chart.name, index, "chart")
        xlsx = None
        if path is not None:
            write_csv(table, path)
            xlsx = self._xlsx(table, path, relative, chart_formats(chart),
                              currencies={c: chart.currency for c in chart_formats(chart) if chart.currency})
        heading = self._text(chart.params.title or chart.name) or ""
        description = markdown_text.render(chart.description, self.shown, level=3) \
            if chart.description else None
        return ChartBlock(id=f"chart-{index + 1}", name=heading, type=chart.type, spec=spec, rows=table.num_rows,
                          description=description, width=chart.width, csv=relative, xlsx=xlsx,
                          summary=chart_text.summary(chart, table, shown, declared),
                          data=chart_text.data_table(chart, table, shown, declared, links))

    def _columns_ok(self, chart: Any, index: int, names: list[str]) -> bool:
        ok = True
        params = chart.params
        wanted: list[tuple[tuple[str | int, ...], str | None]] = [
            ((key,), getattr(params, key)) for key in ("x", "y", "color", "y2")]
        wanted += [(("tooltip", number), column) for number, column in enumerate(params.tooltip)]
        for key, column in wanted:
            if column and column not in names:
                message = (f"column '{column}' is not in the query result{did_you_mean(column, names)} "
                           f"(columns: {', '.join(names)})")
                self.problems.add(self.report.problem(("charts", index, "params", *key), message))
                ok = False
        return ok

    def tables(self) -> list[TableBlock]:
        return [block for index in range(len(self.report.config.tables)) if (block := self.table(index))]

    def table(self, index: int) -> TableBlock | None:
        spec = self.report.config.tables[index]
        ref = located.QueryRef(self.report, ("tables", index, "query"), f"table '{spec.name}'")
        try:
            path, relative = self._csv_path(spec.name, index, "table")
            excel = CappedRows(spec.excel_rows)
            shown, total = stream_table(self.session.stream(ref, self.parameters), spec.max_rows, path,
                                        [excel] if path is not None else [])
        except QueryError as exc:
            self.problems.extend(exc.problems)
            return None
        if not (self._formats_ok(index, spec.formats(), shown.column_names)
                & self._formats_ok(index, spec.links, shown.column_names, "links")):
            return None
        self.rows += total
        data = shown.to_pydict()
        declared, currencies = spec.formats(), spec.currencies()
        kinds = [column_kind(name, field.type, data[name], declared.get(name))
                 for name, field in zip(shown.column_names, shown.schema, strict=True)]
        cells = [table_rows.column_cells(self.formats.with_currency(currencies.get(name)), data[name], kind)
                 for name, kind in zip(shown.column_names, kinds, strict=True)]
        every = [list(row) for row in zip(*cells, strict=True)] if cells else []
        keys = table_rows.table_keys(shown)
        hrefs = self.cell_links(spec.links, data, shown.column_names, len(every))
        rows_json = None
        if len(every) > table_rows.INLINE and path is not None and relative is not None:
            by_column = [[row[c] for row in hrefs] if any(row[c] for row in hrefs) else None
                         for c in range(len(shown.column_names))] if hrefs else None
            table_rows.write_rows_json(table_rows.json_path(path), shown.column_names, every, keys, by_column)
            rows_json = relative.removesuffix(".csv") + ".json"
            self.files.append(rows_json)
        rows = every[:table_rows.INLINE]
        xlsx = None
        if path is not None and relative is not None:
            xlsx = self._xlsx(excel.table(shown.schema), path, relative, declared, total, currencies)
        return TableBlock(
            id=f"table-{index + 1}", name=self._text(spec.name) or "", columns=shown.column_names,
            numeric=[kind in NUMERIC_KINDS for kind in kinds], rows=rows, total_rows=total,
            description=self._text(spec.description), csv=relative, kinds=kinds,
            total_shown=self.formats.number(total), rows_shown=self.formats.number(len(rows)),
            hrefs=hrefs[:table_rows.INLINE], keys=[None if k is None else k[:table_rows.INLINE] for k in keys],
            available=len(every), rows_json=rows_json, xlsx=xlsx)

    def cell_links(self, links: Mapping[str, str], data: Mapping[str, list[Any]], columns: list[str],
                   count: int) -> list[list[str | None]]:
        """For ``tables[].links``: each cell's link to its value's page (None where there is none)."""
        if not links:
            return []
        targets = {column: self.links_to(family) for column, family in links.items() if column in columns}
        return [[None if (urls := targets.get(name)) is None or data[name][row] is None
                 else urls.get(token_of(data[name][row])) for name in columns] for row in range(count)]

    def _formats_ok(self, index: int, declared: Mapping[str, str], names: list[str], key: str = "columns") -> bool:
        """Every column named under a table's ``columns:`` (or ``links:``) must be one the query returns."""
        unknown = [name for name in declared if name not in names]
        for name in unknown:
            message = (f"column '{name}' is not in the query result{did_you_mean(name, names)} "
                       f"(columns: {', '.join(names)})")
            self.problems.add(self.report.problem(("tables", index, key, name), message))
        return not unknown
