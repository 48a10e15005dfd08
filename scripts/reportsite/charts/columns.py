"""The pieces a chart spec is made of: the page's shared context, each query column as the chart uses it, and links
from marks to pages per value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportsite.charts import dates, numbers, temporal
from reportsite.charts.registry import kind_of
from reportsite.charts.values import column_kind, is_integer_type, looks_like_id, looks_like_year
from reportsite.config.models import Chart
from reportsite.values.timevalues import grain as data_grain
from reportsite.values.tokens import token_of
from reportsite.values.words import ENGLISH, Words


@dataclass(frozen=True)
class ChartContext:
    """What every chart of a page shares: the site's locale, currency, time zone, brand colour and the page's
    category colours."""

    locale: str = "en-US"
    currency: str = "USD"
    timezone: str = "UTC"
    primary_color: str = "#2563eb"
    colors: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)  # params.link: a value (as text) → its page's URL
    words: Words = ENGLISH  # the site's words ("Count", "Other")
    page_currency: str | None = None  # the currency of the page's Vega format locale, when the chart's differs


@dataclass
class Column:
    """One query column as the chart uses it."""

    name: str
    field: str
    kind: str  # temporal | quantitative | nominal
    style: str  # number | currency | percent | plain | date | datetime | text
    values: list[Any]
    title: str
    grain: str = "day"

    def tooltip(self, locale: str, currency: str | None = None) -> dict[str, Any]:
        """The column in a tooltip; ``currency``: the chart's, when the page's Vega locale writes another one."""
        tip: dict[str, Any] = {"field": self.field, "type": self.kind, "title": self.title}
        if self.kind == "quantitative" and self.style == "currency" and currency:
            tip.update(format=numbers.tooltip_format("number", self.values), title=f"{self.title} ({currency})")
            return tip
        if self.kind == "temporal":
            # A UTC time unit makes Vega-Lite format with utcFormat (formatType "utc" compiles to a broken
            # call in this version: every date tooltip read NaN); the unit is the data's grain, so nothing is lost.
            tip.update(format=temporal.tooltip_format(self.grain, self.style == "date", dates.patterns(locale)),
                       timeUnit={"unit": temporal.time_unit(self.grain).removeprefix("utc"), "utc": True})
        elif self.kind == "quantitative":
            tip["format"] = numbers.tooltip_format(self.style, self.values)
        return tip


LINK_FIELD = "__href"


def link_marks(spec: dict[str, Any], values: list[dict[str, Any]], categories: list[Any],
                links: Mapping[str, str]) -> None:
    """Each bar or slice whose category has a page opens it when clicked (Vega-Lite's href channel)."""
    for row, category in zip(values, categories, strict=True):
        url = links.get(token_of(category)) if category is not None else None
        if url:
            row[LINK_FIELD] = url
    layer = spec if "encoding" in spec else next((x for x in spec.get("layer", []) if "encoding" in x), None)
    if layer is None:
        return
    layer["encoding"]["href"] = {"field": LINK_FIELD, "type": "nominal"}
    if isinstance(layer.get("mark"), dict):
        layer["mark"]["cursor"] = "pointer"


def make_column(name: str, field_: str, arrow_type: Any, values: list[Any], chart: Chart, ctx: ChartContext) -> Column:
    params = chart.params
    kind = column_kind(arrow_type)
    explicit = {params.x: params.x_format, params.y: params.y_format, params.y2: params.y2_format}.get(name)
    titles = {params.x: params.x_title, params.y: params.y_title, params.y2: params.y2_title}
    title = titles.get(name) or name
    column = Column(name, field_, kind, "text", values, title)
    if kind == "temporal":
        import pyarrow as pa

        date_only = pa.types.is_date(arrow_type) or all(
            not isinstance(v, dt.datetime) or (v.hour, v.minute, v.second) == (0, 0, 0) for v in values)
        column.style = "date" if date_only else "datetime"
        column.grain = data_grain(values, ctx.timezone)
        if explicit in ("date", "datetime"):
            column.style = explicit
    elif kind == "quantitative":
        auto = "plain" if is_integer_type(arrow_type) and (looks_like_year(name, values) or looks_like_id(name)) \
            else "number"
        column.style = explicit if explicit in ("number", "currency", "percent", "plain") else auto
    distinct = len({v for v in values if v is not None})
    whole_x = kind_of(chart.type).whole_x
    if kind == "quantitative" and name == params.x and is_integer_type(arrow_type) and (
            (whole_x == "categories" and distinct <= 60) or (column.style == "plain" and whole_x == "years"
                                                            and looks_like_year(name, values) and distinct <= 12)):
        column.kind = "ordinal"  # whole numbers along bars, or a few years: one category each, never 2,013.5
    return column


__all__ = ["LINK_FIELD", "ChartContext", "Column", "link_marks", "make_column"]
