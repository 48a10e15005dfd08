"""A chart in one or two sentences, for readers who cannot see it (``pages.chart_text.summary`` announces it).

``pages.chart_text`` gathers the ``Facts`` of a chart (its columns' values, kinds and titles, in the site's
words and formats); each chart type's ``describe`` turns them into its sentences, most of them with ``by_x``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass
from typing import Any

from reportsite.values.formats import Formats
from reportsite.values.tokens import token_of
from reportsite.values.words import Words

NAMED = 4  # series named in a summary


@dataclass
class Facts:
    """What a summary may say about one chart with rows."""

    params: Any  # the chart's ChartParams
    formats: Formats
    kinds: dict[str, str]  # column → how the page writes it (number, currency, date, text, …)
    titles: dict[str, str]  # column → its title on the chart
    data: dict[str, list[Any]]  # the chart's columns
    kind: str  # the chart type's name in the site's words ("Bar chart")
    count: int  # rows

    @property
    def words(self) -> Words:
        return self.formats.words

    @property
    def x_title(self) -> str:
        return self.titles[self.params.x]

    @property
    def y(self) -> str:
        """The value column (x for a chart without y)."""
        return self.params.y or self.params.x  # type: ignore[no-any-return]

    @property
    def y_title(self) -> str:
        return self.titles.get(self.y, self.y)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool) and math.isfinite(value)


def written(formats: Formats, value: Any, kind: str) -> str:
    if isinstance(value, dt.date):
        return formats.moment(value)
    return formats.value(value, kind)


def extremes(formats: Formats, values: list[Any], labels: list[Any], kind: str, label_kind: str) -> str:
    """'Highest: 12 (Zürich); lowest: 3 (Genève).' ('' without numbers)."""
    found = [(v, label) for v, label in zip(values, labels, strict=True) if is_number(v)]
    if not found:
        return ""
    high = max(found, key=lambda pair: pair[0])
    low = min(found, key=lambda pair: pair[0])
    words = formats.words
    if len(found) == 1 or high[0] == low[0]:
        return words.gettext("Every value is %(value)s.", value=written(formats, high[0], kind))
    return words.gettext("Highest: %(high)s (%(high_label)s); lowest: %(low)s (%(low_label)s).",
                         high=written(formats, high[0], kind), high_label=written(formats, high[1], label_kind),
                         low=written(formats, low[0], kind), low_label=written(formats, low[1], label_kind))


def x_head(facts: Facts) -> str:
    """'Bar chart of revenue by month, from Jan 2025 to Dec 2025.' or '… by place: 18 categories.'"""
    words, params, formats = facts.words, facts.params, facts.formats
    labels = facts.data[params.x]
    if facts.kinds[params.x] in ("date", "datetime"):
        moments = [v for v in labels if isinstance(v, dt.date)]
        return words.gettext("%(kind)s of %(y)s by %(x)s, from %(first)s to %(last)s.", kind=facts.kind,
                             y=facts.y_title, x=facts.x_title, first=formats.moment(min(moments)) if moments else "—",
                             last=formats.moment(max(moments)) if moments else "—")
    distinct = len({token_of(v) for v in labels if v is not None})
    return words.ngettext("%(kind)s of %(y)s by %(x)s: %(count)s category.",
                          "%(kind)s of %(y)s by %(x)s: %(count)s categories.", distinct, kind=facts.kind,
                          y=facts.y_title, x=facts.x_title, count=formats.number(distinct))


def with_series(facts: Facts, head: str) -> str:
    """``head``, then the series it draws (up to NAMED by name) or, with one series, its extremes."""
    words, params, formats, data = facts.words, facts.params, facts.formats, facts.data
    parts = [head]
    if params.color:
        series = list(dict.fromkeys(str(v) for v in data[params.color] if v is not None))
        named = ", ".join(series[:NAMED])
        parts.append(words.ngettext("%(count)s series: %(names)s.", "%(count)s series: %(names)s.", len(series),
                                    count=formats.number(len(series)), names=named)
                     if len(series) <= NAMED else
                     words.gettext("%(count)s series: %(names)s and %(more)s more.", count=formats.number(len(series)),
                                   names=named, more=formats.number(len(series) - NAMED)))
    elif facts.y in data:
        parts.append(extremes(formats, data[facts.y], data[params.x], facts.kinds[facts.y], facts.kinds[params.x]))
    return " ".join(p for p in parts if p)


def by_x(facts: Facts) -> str:
    """The summary of a chart of y by x (lines, bars, areas)."""
    return with_series(facts, x_head(facts))


__all__ = ["NAMED", "Facts", "by_x", "extremes", "is_number", "with_series", "written", "x_head"]
