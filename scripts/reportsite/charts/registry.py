"""The chart types: each one a module of ``charts.types`` that registers what it draws and how it reads.

A chart type is one ``ChartKind``: the layers it draws (from a ``charts.builder.Builder`` holding the chart, its
columns and the page's context), the column whose categories it colours and the one ``params.top`` folds, when a
whole-number x becomes categories, and the summary a screen reader announces (from ``charts.describe.Facts``).
``spec.vega_lite``, ``columns`` and ``pages.chart_text`` look the type up here instead of branching on its name.
What a report file may say about a type (its name, whether it needs y, whether it links) is ``config``'s, below
this layer: ``config.chart_rules``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Layers = tuple[list[dict[str, Any]], dict[str, Any]]  # the layers, and top-level keys (height, resolve)


def by_color(params: Any) -> str | None:
    """The series column (``params.color``): what most chart types colour and fold."""
    return params.color  # type: ignore[no-any-return]


def nothing(params: Any) -> str | None:
    """No column: the type colours (or folds) no categories."""
    return None


@dataclass(frozen=True)
class ChartKind:
    """One chart type."""

    name: str
    word: str  # how the summary names it ("Line chart"), marked with N_ and shown in the site's words
    draw: Callable[[Any], Layers]  # Builder → its layers and top-level keys
    describe: Callable[[Any], str]  # Facts → the one or two sentences a screen reader announces
    colored: Callable[[Any], str | None] = by_color  # params → the column whose categories take page colours
    folded: Callable[[Any], str | None] = by_color  # params → the category column params.top folds into 'Other'
    whole_x: Literal["categories", "years"] | None = None  # whole numbers along x drawn one category each:
    # "categories" up to 60 distinct values (bars), "years" a dozen years at most (lines, areas)


KINDS: dict[str, ChartKind] = {}


def register(kind: ChartKind) -> ChartKind:
    """Make ``kind`` drawable; a name registered twice is a programming error."""
    if kind.name in KINDS:
        raise ValueError(f"chart type '{kind.name}' is registered twice")
    KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> ChartKind:
    """The registered chart type called ``name``."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"no chart type '{name}' is registered (known: {', '.join(KINDS)})") from None


__all__ = ["KINDS", "ChartKind", "Layers", "by_color", "kind_of", "nothing", "register"]
