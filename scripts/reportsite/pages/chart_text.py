"""A chart in words, for readers who cannot see it: a one-line summary and its data as a table.

The summary is what a screen reader announces with the chart (its ``aria-describedby``): the kind of chart, what
it plots against what, the range it covers and its extremes, in the site's words and formats, e.g. "Bar chart of
revenue by place: 18 categories. Highest: CHF 96'131.25 (Genève …); lowest: −CHF 18'752.50 (Reykjavík …)." The
data table (a disclosure under the chart) holds the chart's columns as the page's tables write them, the first
``DATA_ROWS`` rows of them; a chart that links to pages per value links its cells too.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportsite.pages import table_rows
from reportsite.values.formats import Formats, column_kind
from reportsite.values.tokens import token_of
from reportsite.values.words import N_

DATA_ROWS = 100  # rows of a chart's data table on the page (the CSV download has them all)
NAMED = 4  # series named in a summary
KINDS = {"line": N_("Line chart"), "bar": N_("Bar chart"), "area": N_("Area chart"), "scatter": N_("Scatter plot"),
         "pie": N_("Pie chart"), "histogram": N_("Histogram"), "heatmap": N_("Heatmap")}


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


def _number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool) and math.isfinite(value)


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


def _written(formats: Formats, value: Any, kind: str) -> str:
    if isinstance(value, dt.date):
        return formats.moment(value)
    return formats.value(value, kind)


def _extremes(formats: Formats, values: list[Any], labels: list[Any], kind: str, label_kind: str) -> str:
    """'Highest: 12 (Zürich); lowest: 3 (Genève).' ('' without numbers)."""
    found = [(v, label) for v, label in zip(values, labels, strict=True) if _number(v)]
    if not found:
        return ""
    high = max(found, key=lambda pair: pair[0])
    low = min(found, key=lambda pair: pair[0])
    words = formats.words
    if len(found) == 1 or high[0] == low[0]:
        return words.gettext("Every value is %(value)s.", value=_written(formats, high[0], kind))
    return words.gettext("Highest: %(high)s (%(high_label)s); lowest: %(low)s (%(low_label)s).",
                         high=_written(formats, high[0], kind), high_label=_written(formats, high[1], label_kind),
                         low=_written(formats, low[0], kind), low_label=_written(formats, low[1], label_kind))


def summary(chart: Any, table: Any, formats: Formats, declared: Mapping[str, str]) -> str:
    """One or two sentences saying what the chart shows (see the module)."""
    if not table.num_rows:
        return ""
    words, params = formats.words, chart.params
    kinds = _kinds(chart, table, declared)
    titles = _titles(chart)
    data = table.select(columns_of(chart, table)).to_pydict()
    kind = words.gettext(KINDS[chart.type])
    x = titles[params.x]
    count = table.num_rows
    if chart.type == "histogram":
        values = [v for v in data[params.x] if _number(v)]
        if not values:
            return words.gettext("%(kind)s of %(x)s.", kind=kind, x=x)
        return words.ngettext("%(kind)s of %(x)s: %(count)s value from %(low)s to %(high)s.",
                              "%(kind)s of %(x)s: %(count)s values from %(low)s to %(high)s.", len(values),
                              kind=kind, x=x, count=formats.number(len(values)),
                              low=_written(formats, min(values), kinds[params.x]),
                              high=_written(formats, max(values), kinds[params.x]))
    y = params.y or params.x
    value_column = params.color if chart.type == "heatmap" and params.color else y
    value_title = titles.get(value_column, value_column)
    if chart.type == "heatmap":
        at = [f"{_written(formats, a, kinds[params.x])}, {_written(formats, b, kinds[y])}"
              for a, b in zip(data[params.x], data[y], strict=True)]
        head = words.ngettext("%(kind)s of %(value)s by %(x)s and %(y)s: %(count)s cell.",
                              "%(kind)s of %(value)s by %(x)s and %(y)s: %(count)s cells.", count, kind=kind,
                              value=value_title, x=x, y=titles.get(y, y), count=formats.number(count))
        if value_column not in data:
            return head
        return f"{head} {_extremes(formats, data[value_column], at, kinds[value_column], 'text')}".strip()
    labels = data[params.x]
    if chart.type == "scatter":
        head = words.ngettext("%(kind)s of %(y)s against %(x)s: %(count)s point.",
                              "%(kind)s of %(y)s against %(x)s: %(count)s points.", count, kind=kind,
                              y=titles.get(y, y), x=x, count=formats.number(count))
    elif kinds[params.x] in ("date", "datetime"):
        moments = [v for v in labels if isinstance(v, dt.date)]
        head = words.gettext("%(kind)s of %(y)s by %(x)s, from %(first)s to %(last)s.", kind=kind,
                             y=titles.get(y, y), x=x, first=formats.moment(min(moments)) if moments else "—",
                             last=formats.moment(max(moments)) if moments else "—")
    else:
        distinct = len({token_of(v) for v in labels if v is not None})
        head = words.ngettext("%(kind)s of %(y)s by %(x)s: %(count)s category.",
                              "%(kind)s of %(y)s by %(x)s: %(count)s categories.", distinct, kind=kind,
                              y=titles.get(y, y), x=x, count=formats.number(distinct))
    parts = [head]
    if params.color and chart.type != "pie":
        series = list(dict.fromkeys(str(v) for v in data[params.color] if v is not None))
        named = ", ".join(series[:NAMED])
        parts.append(words.ngettext("%(count)s series: %(names)s.", "%(count)s series: %(names)s.", len(series),
                                    count=formats.number(len(series)), names=named)
                     if len(series) <= NAMED else
                     words.gettext("%(count)s series: %(names)s and %(more)s more.", count=formats.number(len(series)),
                                   names=named, more=formats.number(len(series) - NAMED)))
    elif chart.type == "pie" and data.get(y):
        total = sum(float(v) for v in data[y] if _number(v))
        best = max(((v, label) for v, label in zip(data[y], labels, strict=True) if _number(v)),
                   key=lambda pair: pair[0], default=None)
        if best is not None and total > 0:
            parts.append(words.gettext("Largest: %(label)s, %(share)s of the total.", label=str(best[1]),
                                       share=formats.percent(float(best[0]) / total)))
            return " ".join(parts)
    if y in data and chart.type != "pie" and not params.color:
        parts.append(_extremes(formats, data[y], labels, kinds[y], kinds[params.x]))
    return " ".join(p for p in parts if p)


__all__ = ["DATA_ROWS", "DataTable", "columns_of", "data_table", "summary"]
