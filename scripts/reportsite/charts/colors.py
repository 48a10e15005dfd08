"""Series colours: one category keeps one colour across every chart of a page; the rest folds into 'Other'."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# 24 colours that stay apart on light and dark backgrounds; the first is replaced by the site's primary colour.
PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#f97316",
           "#14b8a6", "#6366f1", "#eab308", "#d946ef", "#22c55e", "#0ea5e9", "#f43f5e", "#a16207", "#4d7c0f",
           "#0f766e", "#be185d", "#7c3aed", "#0369a1", "#b45309", "#9f1239")
OTHER = "Other"
OTHER_COLOR = "#94a3b8"
NULL_LABEL = "(none)"


def palette(primary: str) -> list[str]:
    return [primary, *(c for c in PALETTE[1:] if c.lower() != primary.lower())]


def page_colors(categories: Iterable[Any], primary: str) -> dict[str, str]:
    """Colour of each category, in order of first appearance over the page's charts (stable across builds
    of the same data); 'Other' is always grey. Past the palette, colours repeat in a second lightness."""
    colors: dict[str, str] = {}
    choices = palette(primary)
    for value in categories:
        label = category_label(value)
        if label in colors:
            continue
        if label == OTHER:
            colors[label] = OTHER_COLOR
            continue
        index = sum(1 for k in colors if k != OTHER)
        colors[label] = choices[index % len(choices)] if index < len(choices) else _lighter(
            choices[index % len(choices)], index // len(choices))
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


def scale(labels: Iterable[str], colors: Mapping[str, str]) -> dict[str, Any]:
    """A Vega-Lite colour scale giving each label its page colour."""
    domain = list(dict.fromkeys(labels))
    return {"domain": domain, "range": [colors.get(label, OTHER_COLOR) for label in domain]}


def _lighter(color: str, round_: int) -> str:
    """The same hue mixed with white (a second and third round of the palette)."""
    mix = min(0.25 * round_, 0.75)
    channels = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * mix):02x}" for c in channels)


def fold_top(table: Any, category: str, value: str | None, keep: int, *others: str) -> Any:
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
                                                       pa.array([OTHER] * rest.num_rows, pa.string()))])
    folded = rest.group_by(keys).aggregate([(value, "sum")]) if keys else pa.table(
        {f"{value}_sum": [pc.sum(rest.column(value)).as_py()]})
    columns = {}
    for name in table.column_names:
        if name == category:
            columns[name] = pa.array([OTHER] * folded.num_rows, pa.string())
        elif name == value:
            columns[name] = folded.column(f"{value}_sum").cast(table.schema.field(value).type, safe=False)
        elif name in keys:
            columns[name] = folded.column(name)
        else:
            columns[name] = pa.nulls(folded.num_rows, table.schema.field(name).type)
    return pa.concat_tables([head, pa.table(columns, schema=table.schema)])


__all__ = ["OTHER", "OTHER_COLOR", "PALETTE", "category_label", "fold_top", "page_colors", "palette", "scale"]
