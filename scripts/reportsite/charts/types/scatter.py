"""Scatter plots: one circle per row, y against x."""

from __future__ import annotations

from typing import Any

from reportsite.charts.columns import Column
from reportsite.charts.describe import Facts, with_series
from reportsite.charts.registry import ChartKind, register
from reportsite.charts.types.xy import XyStyle, drawer
from reportsite.values.words import N_


def mark(x: Column, series: Column | None) -> dict[str, Any]:
    return {"type": "circle", "size": 56, "opacity": 0.75}


def describe(facts: Facts) -> str:
    """'Scatter plot of margin against revenue: 40 points.' with its series or extremes."""
    y = facts.y_title
    head = facts.words.ngettext("%(kind)s of %(y)s against %(x)s: %(count)s point.",
                                "%(kind)s of %(y)s against %(x)s: %(count)s points.", facts.count, kind=facts.kind,
                                y=y, x=facts.x_title, count=facts.formats.number(facts.count))
    return with_series(facts, head)


SCATTER = register(ChartKind("scatter", N_("Scatter plot"), drawer(XyStyle(mark)), describe))
