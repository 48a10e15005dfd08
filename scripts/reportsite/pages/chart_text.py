"""A chart in words, for readers who cannot see it: a one-line summary and its data as a table.

The summary is what a screen reader announces with the chart (its ``aria-describedby``): the kind of chart, what
it plots against what, the range it covers and its extremes, in the site's words and formats, e.g. "Bar chart of
revenue by place: 18 categories. Highest: CHF 96'131.25 (Genève …); lowest: −CHF 18'752.50 (Reykjavík …)." The
data table (a disclosure under the chart) holds the chart's columns as the page's tables write them, the first
``DATA_ROWS`` rows of them; a chart that links to pages per value links its cells too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportsite.charts.describe import Facts
from reportsite.charts.registry import kind_of
from reportsite.pages import table_rows
from reportsite.values.formats import Formats, column_kind
from reportsite.values.tokens import token_of

DATA_ROWS = 100  # rows of a chart's data table on the page (the CSV download has them all)


@dataclass
class DataTable:
    """A chart's rows as text: what its data table shows."""

    columns: list[str]
    numeric: list[bool]
    rows: list[list[str | None]]
    total: int
    total_shown: str
    rows_shown: str
    hrefs: list[list[str | None]] = field(default_factory=list)


def _titles(chart: Any) -> dict[str, str]:
    params = chart.params
    found = {params.x: params.x_title or params.x}
    if params.y:
        found[params.y] = params.y_title or params.y
    if params.y2:
        found[params.y2] = params.y2_title or params.y2
    return found


def _kinds(chart: Any, table: Any, formats: Mapping[str, str]) -> dict[str, str]:
    data = table.slice(0, 1000).to_pydict()
    return {name: column_kind(name, table.schema.field(name).type, data[name], formats.get(name))
            for name in table.column_names}


def columns_of(chart: Any, table: Any) -> list[str]:
    params = chart.params
    wanted = [params.x, params.y, params.color, params.y2, *params.tooltip]
    return [c for c in dict.fromkeys(w for w in wanted if w) if c in table.column_names]


def data_table(chart: Any, table: Any, formats: Formats, declared: Mapping[str, str],
               links: Mapping[str, str] | None = None) -> DataTable | None:
    """The chart's columns, the first DATA_ROWS rows written like a table's cells (None without rows)."""
    if not table.num_rows:
        return None
    names = columns_of(chart, table)
    shown = table.select(names).slice(0, DATA_ROWS)
    kinds = _kinds(chart, shown, declared)
    data = shown.to_pydict()
    cells = [table_rows.column_cells(formats, data[name], kinds[name]) for name in names]
    rows = [list(row) for row in zip(*cells, strict=True)]
    titles = _titles(chart)
    hrefs: list[list[str | None]] = []
    link_column = chart.params.x if chart.params.link else None
    if links and link_column in names:
        at = names.index(link_column)
        hrefs = [[links.get(token_of(v)) if i == at and v is not None else None for i in range(len(names))]
                 for v in data[link_column]]
    return DataTable([titles.get(n, n) for n in names], [kinds[n] in ("number", "currency", "percent") for n in names],
                     rows, table.num_rows, formats.number(table.num_rows), formats.number(len(rows)), hrefs)


def summary(chart: Any, table: Any, formats: Formats, declared: Mapping[str, str]) -> str:
    """One or two sentences saying what the chart shows (see the module)."""
    if not table.num_rows:
        return ""
    words, params = formats.words, chart.params
    kinds = _kinds(chart, table, declared)
    kind = kind_of(chart.type)
    facts = Facts(params, formats, kinds, _titles(chart), table.select(columns_of(chart, table)).to_pydict(),
                  words.gettext(kind.word), table.num_rows)
    return kind.describe(facts)


__all__ = ["DATA_ROWS", "DataTable", "columns_of", "data_table", "summary"]
