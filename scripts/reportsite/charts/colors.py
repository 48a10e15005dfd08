"""Series colours: one category keeps one colour across every chart of a page; the rest folds into 'Other'."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reportsite.charts import palette as palette_module

OTHER = "Other"  # the label of folded categories (in the site's words on the page)
OTHER_COLOR = palette_module.OTHER_COLOR
NULL_LABEL = "(none)"
PALETTE = palette_module.CANDIDATES  # the candidates; palette() keeps those that stay apart


def palette(primary: str) -> list[str]:
    """The page's series colours in the light theme, the brand colour first (see ``charts.palette``)."""
    return palette_module.light(primary)


def page_colors(categories: Iterable[Any], primary: str, other: str = OTHER) -> dict[str, str]:
    """Colour of each category, in order of first appearance over the page's charts (stable across builds
    of the same data); 'Other' (``other``, in the site's words) is always grey. Past the palette, colours
    repeat; ``scale`` keeps the categories of one chart apart."""
    colors: dict[str, str] = {}
    choices = palette(primary)
    for value in categories:
        label = category_label(value)
        if label in colors:
            continue
        if label in (OTHER, other):
            colors[label] = OTHER_COLOR
            continue
        index = sum(1 for k in colors if k not in (OTHER, other))
        colors[label] = choices[index % len(choices)]
    return colors


def category_label(value: Any) -> str:
    """How a category value reads in legends and colour keys."""
    if value is None:
        return NULL_LABEL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def scale(labels: Iterable[str], colors: Mapping[str, str], primary: str = "#2563eb") -> dict[str, Any]:
    """A Vega-Lite colour scale giving each label its page colour; two labels of this chart never share one
    (a later one takes a palette colour this chart does not use yet)."""
    domain = list(dict.fromkeys(labels))
    choices = palette(primary)
    used: set[str] = set()
    shown = []
    for label in domain:
        color = colors.get(label, OTHER_COLOR)
        if color != OTHER_COLOR and color in used:
            color = next((c for c in choices if c not in used), color)
        used.add(color)
        shown.append(color)
    return {"domain": domain, "range": shown}


def fold_top(table: Any, category: str, value: str | None, keep: int, *others: str, other: str = OTHER) -> Any:
    """Keep the ``keep`` categories with the largest total ``value`` (or most rows) and sum the rest into
    'Other' for each combination of the ``others`` columns. Arrow in, Arrow out; the category becomes text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    labels = pa.array([category_label(v) for v in table.column(category).to_pylist()], pa.string())
    table = table.set_column(table.schema.get_field_index(category), category, labels)
    if value is None:
        totals = table.group_by(category).aggregate([([], "count_all")])
        order = totals.sort_by([("count_all", "descending"), (category, "ascending")])
    else:
        totals = table.group_by(category).aggregate([(value, "sum")])
        absolute = pc.abs(totals.column(f"{value}_sum").cast(pa.float64()))
        totals = totals.append_column("size", absolute)
        order = totals.sort_by([("size", "descending"), (category, "ascending")])
    kept = order.column(category).to_pylist()[:keep]
    if len(order) <= keep:
        return table
    is_kept = pc.is_in(table.column(category), value_set=pa.array(kept, pa.string()))
    head = table.filter(is_kept)
    rest = table.filter(pc.invert(is_kept))
    keys = [c for c in others if c in rest.column_names and c != category]
    if value is None:
        return pa.concat_tables([head, rest.set_column(rest.schema.get_field_index(category), category,
                                                       pa.array([other] * rest.num_rows, pa.string()))])
    folded = rest.group_by(keys).aggregate([(value, "sum")]) if keys else pa.table(
        {f"{value}_sum": [pc.sum(rest.column(value)).as_py()]})
    columns = {}
    for name in table.column_names:
        if name == category:
            columns[name] = pa.array([other] * folded.num_rows, pa.string())
        elif name == value:
            columns[name] = folded.column(f"{value}_sum").cast(table.schema.field(value).type, safe=False)
        elif name in keys:
            columns[name] = folded.column(name)
        else:
            columns[name] = pa.nulls(folded.num_rows, table.schema.field(name).type)
    return pa.concat_tables([head, pa.table(columns, schema=table.schema)])


__all__ = ["NULL_LABEL", "OTHER", "OTHER_COLOR", "PALETTE", "category_label", "fold_top", "page_colors", "palette",
           "scale"]
