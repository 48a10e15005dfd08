"""Chart spec + query result → Vega-Lite JSON (built with Altair's schema; data inline). Pure: no I/O.

Choices a person would make by hand are made from the data: a time axis follows the data's grain, a
value axis starts at zero only where the mark needs it, many or long categories turn bars horizontal,
dense lines drop their point markers, years and ids print without separators, and one category keeps
one colour across the page.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from reportsite.charts import colors, palette
from reportsite.charts import types as types  # registers the chart types
from reportsite.charts.builder import Builder
from reportsite.charts.columns import ChartContext, link_marks, make_column
from reportsite.charts.registry import kind_of
from reportsite.charts.theme import light_config
from reportsite.charts.values import column_kind, field_names, records, shown_titles
from reportsite.config.models import Chart
from reportsite.values.words import ENGLISH, Words

HEIGHT = 300
MAX_SERIES = palette.SIZE  # more colour series than this fold the smallest into 'Other'


def colored_categories(chart: Chart, table: Any, words: Words = ENGLISH) -> list[Any]:
    """The category values this chart colours (series or pie slices), in query order, after folding."""
    table = fold(chart, table, words)
    column = kind_of(chart.type).colored(chart.params)
    if not column or column not in table.column_names:
        return []
    if column_kind(table.schema.field(column).type) != "nominal":
        return []
    return [colors.category_label(v) for v in table.column(column).to_pylist()]


def fold(chart: Chart, table: Any, words: Words = ENGLISH) -> Any:
    """Apply ``params.top``: keep the N largest categories, fold the rest into 'Other' (in the site's words)."""
    params, kind = chart.params, kind_of(chart.type)
    if table.num_rows == 0:
        return table
    category = kind.folded(params)
    if not category or category not in table.column_names:
        return table
    if column_kind(table.schema.field(category).type) != "nominal":
        return table
    keep = params.top
    if keep is None and category == kind.colored(params):  # coloured categories
        distinct = len(set(table.column(category).to_pylist()))
        keep = MAX_SERIES - 1 if distinct > MAX_SERIES else None  # past the palette, series cannot be told apart
    if not keep:
        return table
    value = params.y if params.y in table.column_names and column_kind(
        table.schema.field(params.y).type) == "quantitative" else None
    others = [c for c in (params.x, params.y2) if c and c != category]
    return colors.fold_top(table, category, value, keep, *others, other=words.gettext(colors.OTHER))


def vega_lite(chart: Chart, table: Any, context: ChartContext | None = None) -> dict[str, Any]:
    """The Vega-Lite spec for one chart of a page, sized to its container."""
    ctx = context or ChartContext()
    table = fold(chart, table, ctx.words)
    params = chart.params
    names = list(dict.fromkeys(c for c in (params.x, params.y, params.color, params.y2, *params.tooltip)
                               if c and c in table.column_names))
    fields = field_names(names)
    data = table.select(names).to_pydict()
    columns = {name: make_column(name, fields[name], table.schema.field(name).type, data[name], chart, ctx)
               for name in names}
    builder = Builder(chart, columns, ctx)
    layers, extra = kind_of(chart.type).draw(builder)
    spec = skeleton(extra.pop("height", HEIGHT))
    if len(layers) == 1 and "resolve" not in extra:
        spec.update(layers[0])
    else:
        spec["layer"] = layers
    spec.update(extra)
    shown_titles(spec.get("encoding", {}))
    for layer in spec.get("layer", []):
        shown_titles(layer.get("encoding", {}))
    values = records({n: data[n] for n in names}, fields, ctx.timezone)
    for field_, derived in builder.derived.items():
        for row, value in zip(values, derived, strict=True):
            row[field_] = value
    if params.link and ctx.links:
        link_marks(spec, values, data[params.x], ctx.links)
    spec["data"] = {"values": values}
    spec["autosize"] = {"type": "fit", "contains": "padding", "resize": True}
    spec["config"] = light_config(palette.light(ctx.primary_color)[0])
    builder.meta["dark"] = palette.dark_twins(ctx.primary_color)  # the page script swaps them in the dark theme
    spec["usermeta"] = {"reportsite": builder.meta}
    return spec


def skeleton(height: int) -> dict[str, Any]:
    """A top-level spec as Altair writes it (its Vega-Lite schema version), sized to its container: made once
    per height, copied per chart (a family draws thousands of charts)."""
    return json.loads(_skeleton(height))


@functools.lru_cache(maxsize=16)
def _skeleton(height: int) -> str:
    import altair as alt

    spec: dict[str, Any] = alt.Chart(alt.Data(values=[])).mark_point().properties(
        width="container", height=height).to_dict(validate=False)
    spec.pop("mark", None)
    spec.pop("encoding", None)
    return json.dumps(spec)


__all__ = ["ChartContext", "colored_categories", "fold", "vega_lite"]
