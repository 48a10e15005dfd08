"""Run each metric, chart and table query of one report and turn the results into page blocks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import charts, markdown_text, query
from .config import Report, SiteConfig
from .downloads import stream_table, write_csv
from .errors import Problem, QueryError, did_you_mean
from .formats import NUMERIC_KINDS, Formats, column_kind
from .pages import ChartBlock, MetricCard, ReportPage, TableBlock, metric_card, slugify, with_parameters
from .xlsx_download import CappedRows, column_kinds, write_xlsx


def chart_formats(chart: Any) -> dict[str, str]:
    """The formats a chart's axes give its columns (x_format, y_format, y2_format), as table kinds."""
    params = chart.params
    found = {}
    for column, shown in ((params.x, params.x_format), (params.y, params.y_format), (params.y2, params.y2_format)):
        if column and shown:
            found[column] = shown
    return found


class ItemRunner:
    """Runs each metric, chart and table query of one report, collecting problems."""

    def __init__(self, session: query.Session, report: Report, site: SiteConfig, downloads: Path | None,
                 problems: list[Problem]) -> None:
        self.session, self.report, self.site = session, report, site
        self.downloads, self.problems = downloads, problems
        self.parameters = report.config.parameters
        self.formats = Formats.of(site)
        self.rows = 0

    def _text(self, text: str | None) -> str | None:
        return with_parameters(text, self.parameters, self.formats)

    def _fetch(self, ref: query.QueryRef, limit: int | None = None) -> Any:
        try:
            return self.session.fetch(ref, self.parameters, limit)
        except QueryError as exc:
            self.problems.extend(exc.problems)
            return None

    def _csv_path(self, name: str, index: int, kind: str) -> tuple[Path | None, str | None]:
        if self.downloads is None:
            return None, None
        relative = f"data/{self.report.slug}/{kind}-{index + 1}-{slugify(name)}.csv"
        return self.downloads / relative, relative

    def _xlsx(self, table: Any, csv_path: Path, relative: str | None, declared: Mapping[str, str],
              total: int | None = None) -> str | None:
        """The Excel download beside a CSV one (same name, .xlsx); its path relative to the site."""
        if relative is None:
            return None
        write_xlsx(table, csv_path.with_suffix(".xlsx"), column_kinds(table, dict(declared)), self.formats, total)
        return relative.removesuffix(".csv") + ".xlsx"

    def metrics(self) -> list[MetricCard]:
        cards = []
        for index, metric in enumerate(self.report.config.metrics):
            ref = query.QueryRef(self.report, ("metrics", index, "query"), f"metric '{metric.name}'")
            table = self._fetch(ref, limit=1)
            if table is None:
                continue
            names = table.column_names
            if "value" not in names:
                self.problems.append(query.locate(ref, f"{ref.label}: the query must return a column named "
                                                       f"'value' (columns: {', '.join(names)}); add 'AS value'"))
                continue
            if table.num_rows > 1:
                self.problems.append(query.locate(ref, f"{ref.label}: the query must return one row (it returned "
                                                       "more); aggregate it (e.g. SUM(...)) or filter it to one "
                                                       "row"))
                continue
            row = table.slice(0, 1).to_pylist()[0] if table.num_rows else {}  # no row: the card shows —
            self.rows += table.num_rows
            cards.append(metric_card(self._text(metric.name) or metric.name, row.get("value"), row.get("previous"),
                                     metric.format, metric.better, self._text(metric.description), self.formats))
        return cards

    def charts(self, page: ReportPage) -> list[ChartBlock]:
        """Every chart of the page: queried first, so one category gets one colour across all of them."""
        fetched = []
        limit = self.site.max_chart_rows
        for index, chart in enumerate(self.report.config.charts):
            ref = query.QueryRef(self.report, ("charts", index, "query"), f"chart '{chart.name}'")
            table = self._fetch(ref, limit=limit)
            if table is None or not self._columns_ok(chart, index, table.column_names):
                continue
            if table.num_rows > limit:
                self.problems.append(query.locate(ref, (
                    f"{ref.label}: the query returns more than {limit} rows, too many for one chart; aggregate "
                    "in SQL (e.g. GROUP BY date_trunc('month', date)) or raise max_chart_rows in site_src/site.yaml"
                )))
                continue
            fetched.append((index, chart, table))
        site = self.site
        categories = [label for _, chart, table in fetched for label in charts.colored_categories(chart, table)]
        context = charts.ChartContext(site.locale, site.currency, site.timezone, site.primary_color,
                                      charts.page_colors(categories, site.primary_color))
        blocks = []
        for index, chart, table in fetched:
            self.rows += table.num_rows
            spec = charts.vega_lite(chart, table, context) if table.num_rows else None
            path, relative = self._csv_path(chart.name, index, "chart")
            xlsx = None
            if path is not None:
                write_csv(table, path)
                xlsx = self._xlsx(table, path, relative, chart_formats(chart))
            heading = self._text(chart.params.title or chart.name) or ""
            description = markdown_text.render(chart.description, self.parameters, level=3) \
                if chart.description else None
            blocks.append(ChartBlock(f"chart-{index + 1}", heading, chart.type, spec, table.num_rows,
                                     description, chart.width, relative, xlsx))
        if any(block.spec for block in blocks):
            page.vega_locale = {"format": charts.format_locale(site.locale, site.currency),
                                "time": charts.time_format_locale(site.locale)}
        return blocks

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
                self.problems.append(self.report.problem(("charts", index, "params", *key), message))
                ok = False
        return ok

    def tables(self) -> list[TableBlock]:
        blocks = []
        for index, spec in enumerate(self.report.config.tables):
            ref = query.QueryRef(self.report, ("tables", index, "query"), f"table '{spec.name}'")
            try:
                path, relative = self._csv_path(spec.name, index, "table")
                excel = CappedRows(spec.excel_rows)
                shown, total = stream_table(self.session.stream(ref, self.parameters), spec.max_rows, path,
                                            [excel] if path is not None else [])
            except QueryError as exc:
                self.problems.extend(exc.problems)
                continue
            if not self._formats_ok(index, spec.columns, shown.column_names):
                continue
            self.rows += total
            data = shown.to_pydict()
            kinds = [column_kind(name, field.type, data[name], spec.columns.get(name))
                     for name, field in zip(shown.column_names, shown.schema, strict=True)]
            cells = [self.formats.column(data[name], kind) for name, kind in zip(shown.column_names, kinds,
                                                                                 strict=True)]
            rows = [list(row) for row in zip(*cells, strict=True)] if cells else []
            xlsx = None
            if path is not None and relative is not None:
                xlsx = self._xlsx(excel.table(shown.schema), path, relative, spec.columns, total)
            blocks.append(TableBlock(f"table-{index + 1}", self._text(spec.name) or "", shown.column_names,
                                     [kind in NUMERIC_KINDS for kind in kinds], rows, total,
                                     self._text(spec.description), relative, kinds,
                                     self.formats.number(total), self.formats.number(len(rows)), xlsx))
        return blocks

    def _formats_ok(self, index: int, declared: Mapping[str, str], names: list[str]) -> bool:
        """Every column named under a table's ``columns:`` must be one the query returns."""
        unknown = [name for name in declared if name not in names]
        for name in unknown:
            message = (f"column '{name}' is not in the query result{did_you_mean(name, names)} "
                       f"(columns: {', '.join(names)})")
            self.problems.append(self.report.problem(("tables", index, "columns", name), message))
        return not unknown
