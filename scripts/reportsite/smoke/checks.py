"""What a reader sees on a drawn page: the checks ``reportsite smoke`` runs once every chart has drawn.

The measuring happens in the browser (``smoke_checks.js``, package data, never published): the text
of every chart (SVG ``text``), its axis and legend boxes against the chart's own box, the plot area
(the root group's background in Vega's scenegraph), and every card's text against its card. A few
marks per chart are hovered with the mouse and their tooltip (``#vg-tooltip-element``) read. This
module turns those measurements into one line per problem, naming the chart (its heading) or card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

TOLERANCE_PX = 1  # a box may stick out of its chart or card by this much (anti-aliasing, rounding)
OVERLAP_PX = 2  # labels of one axis may touch by this much
MIN_PLOT_SHARE = 0.4  # the plot area's least share of its chart's width (and height)
HOVERS_PER_CHART = 6  # marks hovered per chart: first, middle and last of each kind of mark
EXAMPLES = 3  # texts quoted in one message
# What JavaScript and Python print for missing or impossible values: never meant for a reader.
BAD_WORDS = r"(?<![A-Za-z])(NaN|undefined|null|Invalid Date|-?Infinity)(?![A-Za-z])"
BAD_CELLS = r"^\s*(NaN|nan|None|NaT|inf|-inf|undefined|null|Invalid Date|-?Infinity)\s*$"


@cache
def source() -> str:
    """The in-page measuring code: one JavaScript expression, an object of functions."""
    return resources.files("reportsite.smoke").joinpath("smoke_checks.js").read_text(encoding="utf-8")


def call(page: Any, name: str, arg: Any = None) -> Any:
    """Run one function of ``smoke_checks.js`` in ``page`` and return its result."""
    return page.evaluate(f"([name, arg]) => ({source()})[name](arg)", [name, arg])


@dataclass
class ReaderCheck:
    """What the reader checks found on one page at one width."""

    problems: list[str] = field(default_factory=list)
    hovered: int = 0  # marks hovered
    tooltips: int = 0  # tooltips read


def measure(page: Any) -> dict[str, Any]:
    """Every drawn chart and every card of the page, measured (see ``smoke_checks.js``)."""
    return dict(call(page, "layout", {"tolerance": TOLERANCE_PX, "overlap": OVERLAP_PX,
                                      "words": BAD_WORDS, "cells": BAD_CELLS}))


def hover_charts(page: Any) -> list[dict[str, Any]]:
    """Hover the sampled marks of every chart: [{index, what, text}] (text None when no tooltip showed)."""
    return list(call(page, "hover", {"limit": HOVERS_PER_CHART}))


def check_reader(page: Any) -> ReaderCheck:
    """Run every reader check on a page whose charts have drawn."""
    layout = measure(page)
    result = ReaderCheck()
    hovered = hover_charts(page)
    tips: dict[int, list[tuple[str, str]]] = {}
    for hover in hovered:
        if hover["text"] is not None:
            tips.setdefault(hover["index"], []).append((hover["what"], hover["text"]))
    result.hovered, result.tooltips = len(hovered), sum(len(t) for t in tips.values())
    for chart in layout["charts"]:
        result.problems += chart_problems(chart, tips.get(chart["index"], []))
    for card in layout["cards"]:
        result.problems += card_problems(card)
    return result


# ---------------------------------------------------------------- the messages


def _quoted(texts: list[str], total: int | None = None) -> str:
    shown = ", ".join(f'"{t}"' for t in texts[:EXAMPLES])
    more = (total if total is not None else len(texts)) - min(len(texts), EXAMPLES)
    return shown + (f" and {more} more" if more > 0 else "")


def _words(found: list[dict[str, Any]]) -> str:
    return " and ".join(f'"{w}"' for w in dict.fromkeys(f["word"] for f in found))


def _sides(sides: list[str]) -> str:
    return " and ".join(sides)


def chart_problems(chart: dict[str, Any], tips: list[tuple[str, str]]) -> list[str]:
    """The problems of one measured chart, given the tooltips read from its sampled marks."""
    name = f'chart "{chart["name"]}"'
    problems = []
    if chart["words"]:
        words = chart["words"]
        examples = ", ".join(f'{f["where"]} "{f["text"]}"' for f in words[:EXAMPLES])
        more = f" and {len(words) - EXAMPLES} more" if len(words) > EXAMPLES else ""
        problems.append(f"{name}: {_words(words)} in the chart's text ({examples}{more})")
    bad_tips = [(what, text) for what, text in tips if _bad_word(text)]
    if bad_tips:
        what, text = bad_tips[0]
        word = _bad_word(text)
        problems.append(f'{name}: a tooltip shows "{word}" ({what}: "{text}")')
    for cut in chart["clipped"]:
        problems.append(_clipped_message(name, cut))
    legend = chart.get("legend")
    if legend:
        total = legend["total"] if legend["total"] is not None else "more"
        hint = f' ("{legend["ellipsis"]}")' if legend["ellipsis"] else ""
        problems.append(f"{name}: the legend shows {legend['drawn']} of {total} entries{hint}; the rest are dropped")
    for overlap in chart["overlaps"]:
        pairs = "; ".join(f'"{a}" and "{b}"' for a, b in overlap["pairs"][:2])
        more = f" and {overlap['count'] - 2} more pairs" if overlap["count"] > 2 else ""
        problems.append(f"{name}: {overlap['overlapping']} of {overlap['labels']} {overlap['what']} overlap "
                        f"({pairs}{more})")
    plot = chart.get("plot")
    if plot and chart["width"] > 0 and plot["width"] < MIN_PLOT_SHARE * chart["width"]:
        problems.append(f"{name}: the plot area is {plot['width']} px wide, {plot['width'] / chart['width']:.0%} "
                        f"of the chart's {chart['width']} px (labels or the legend take the rest)")
    if plot and chart["height"] > 0 and plot["height"] < MIN_PLOT_SHARE * chart["height"]:
        problems.append(f"{name}: the plot area is {plot['height']} px tall, "
                        f"{plot['height'] / chart['height']:.0%} of the chart's {chart['height']} px "
                        "(labels or the legend take the rest)")
    return problems


def _clipped_message(name: str, cut: dict[str, Any]) -> str:
    what, sides = cut["what"], _sides(cut["sides"])
    if cut["total"] == 1 or what.endswith("title") or what == "title":
        return f'{name}: the {what} is cut off at the {sides} of the chart ("{cut["examples"][0]}")'
    verb = "is" if cut["cut"] == 1 else "are"
    return (f"{name}: {cut['cut']} of {cut['total']} {what} {verb} cut off at the {sides} of the chart "
            f"({_quoted(cut['examples'], cut['cut'])})")


def card_problems(card: dict[str, Any]) -> list[str]:
    """The problems of one measured card (a metric, the heading of a chart or table, an index entry)."""
    name = f'{card["kind"]} "{card["name"]}"'
    problems = []
    for over in card["overflow"]:
        problems.append(f'{name}: the {over["what"]} "{over["text"]}" overflows the card by {over["by"]} px')
    if card["wrapped"]:
        wrapped = card["wrapped"]
        problems.append(f'{name}: the value "{wrapped["text"]}" wraps onto {wrapped["lines"]} lines')
    cells = [w for w in card["words"] if w["what"] == "cell"]
    others = [w for w in card["words"] if w not in cells]
    for word in others:
        problems.append(f'{name}: the {word["what"]} reads "{word["text"]}"')
    if cells:
        problems.append(f"{name}: {len(cells)} cell(s) read {_words(cells)} ({_quoted([c['text'] for c in cells])})")
    return problems


def _bad_word(text: str) -> str | None:
    found = re.search(BAD_WORDS, text)
    return found.group(1) if found else None


__all__ = ["ReaderCheck", "card_problems", "chart_problems", "check_reader", "measure"]
