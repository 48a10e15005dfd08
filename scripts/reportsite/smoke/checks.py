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

from reportsite.values.words import ENGLISH, N_, Words

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


def check_reader(page: Any, words: Words = ENGLISH) -> ReaderCheck:
    """Run every reader check on a page whose charts have drawn; messages in ``words``."""
    layout = measure(page)
    result = ReaderCheck()
    hovered = hover_charts(page)
    tips: dict[int, list[tuple[Any, str]]] = {}
    for hover in hovered:
        if hover["text"] is not None:
            tips.setdefault(hover["index"], []).append((hover["what"], hover["text"]))
    result.hovered, result.tooltips = len(hovered), sum(len(t) for t in tips.values())
    for chart in layout["charts"]:
        result.problems += chart_problems(chart, tips.get(chart["index"], []), words)
    for card in layout["cards"]:
        result.problems += card_problems(card, words)
    return result


# ---------------------------------------------------------------- the messages

AXES = {"x-axis": N_("x-axis"), "top x-axis": N_("top x-axis"), "y-axis": N_("y-axis"),
        "right y-axis": N_("right y-axis")}
PARTS = {"legend entries": N_("legend entries"), "legend title": N_("legend title"),
         "legend labels": N_("legend labels"), "chart title": N_("title")}
WHERE = {"axis": N_("axis"), "legend": N_("legend"), "title": N_("title"), "label": N_("label"), "text": N_("text")}
MARKS = {"point": N_("point"), "bar": N_("bar"), "slice": N_("slice"), "area": N_("area"), "line": N_("line"),
         "label": N_("label"), "rule": N_("rule")}
CARDS = {"card": N_('card "%(name)s"'), "chart": N_('chart "%(name)s"'), "table": N_('table "%(name)s"')}
CARD_PARTS = {"value": N_("value"), "label": N_("label"), "text": N_("text"), "cell": N_("cell")}


def axis_name(found: dict[str, Any], words: Words) -> str:
    """'x-axis (revenue)', in the site's words."""
    name = words.gettext(AXES.get(found.get("axis") or "", found.get("axis") or ""))
    return words.gettext("%(axis)s (%(title)s)", axis=name, title=found["title"]) if found.get("title") else name


def part_name(what: Any, words: Words) -> str:
    """What a measurement is about: 'x-axis (revenue) labels', 'legend entries', 'title'."""
    if isinstance(what, str):
        return words.gettext(PARTS.get(what, what))
    part = what.get("part", "")
    if part == "labels":
        return words.gettext("%(axis)s labels", axis=axis_name(what, words))
    if part == "title":
        return words.gettext("%(axis)s title", axis=axis_name(what, words))
    return words.gettext(PARTS.get(part, part))


def mark_name(what: Any, words: Words) -> str:
    """'point 1 of 1035', 'bar'."""
    if isinstance(what, str):
        return what
    noun = words.gettext(MARKS.get(what["noun"], what["noun"]))
    if what["count"] > 1:
        return words.gettext("%(mark)s %(index)s of %(count)s", mark=noun, index=what["index"], count=what["count"])
    return noun


def _quoted(texts: list[str], words: Words, total: int | None = None) -> str:
    shown = ", ".join(f'"{t}"' for t in texts[:EXAMPLES])
    more = (total if total is not None else len(texts)) - min(len(texts), EXAMPLES)
    return words.gettext("%(examples)s and %(more)s more", examples=shown, more=more) if more > 0 else shown


def _words(found: list[dict[str, Any]], words: Words) -> str:
    return words.gettext(" and ").join(f'"{w}"' for w in dict.fromkeys(f["word"] for f in found))


def _sides(sides: list[str], words: Words) -> str:
    return words.gettext(" and ").join(words.gettext(SIDES.get(s, s)) for s in sides)


SIDES = {"top": N_("top"), "bottom": N_("bottom"), "left": N_("left"), "right": N_("right")}


def chart_problems(chart: dict[str, Any], tips: list[tuple[Any, str]], words: Words = ENGLISH) -> list[str]:
    """The problems of one measured chart, given the tooltips read from its sampled marks."""
    name = words.gettext(CARDS["chart"], name=chart["name"])
    problems = []
    if chart["words"]:
        found = chart["words"]
        examples = ", ".join(f'{words.gettext(WHERE.get(f["where"], f["where"]))} "{f["text"]}"'
                             for f in found[:EXAMPLES])
        if len(found) > EXAMPLES:
            examples = words.gettext("%(examples)s and %(more)s more", examples=examples, more=len(found) - EXAMPLES)
        problems.append(words.gettext("%(chart)s: %(words)s in the chart's text (%(examples)s)", chart=name,
                                      words=_words(found, words), examples=examples))
    bad_tips = [(what, text) for what, text in tips if _bad_word(text)]
    if bad_tips:
        what, text = bad_tips[0]
        problems.append(words.gettext('%(chart)s: a tooltip shows "%(word)s" (%(mark)s: "%(text)s")', chart=name,
                                      word=_bad_word(text), mark=mark_name(what, words), text=text))
    for cut in chart["clipped"]:
        problems.append(_clipped_message(name, cut, words))
    legend = chart.get("legend")
    if legend:
        total = legend["total"] if legend["total"] is not None else words.gettext("more")
        hint = f' ("{legend["ellipsis"]}")' if legend["ellipsis"] else ""
        problems.append(words.gettext("%(chart)s: the legend shows %(drawn)s of %(total)s entries%(hint)s; the rest "
                                      "are dropped", chart=name, drawn=legend["drawn"], total=total, hint=hint))
    for overlap in chart["overlaps"]:
        pairs = "; ".join(words.gettext('"%(first)s" and "%(second)s"', first=a, second=b)
                          for a, b in overlap["pairs"][:2])
        if overlap["count"] > 2:
            pairs = words.gettext("%(pairs)s and %(more)s more pairs", pairs=pairs, more=overlap["count"] - 2)
        problems.append(words.gettext("%(chart)s: %(overlapping)s of %(labels)s %(what)s overlap (%(pairs)s)",
                                      chart=name, overlapping=overlap["overlapping"], labels=overlap["labels"],
                                      what=part_name(overlap["what"], words), pairs=pairs))
    over = chart.get("stacked_bars")
    if over:
        problems.append(words.gettext("%(chart)s: bars are drawn over one another (%(pairs)s pairs among %(bars)s "
                                      "bars); they should stand side by side or stacked", chart=name,
                                      pairs=over["pairs"], bars=over["bars"]))
    for scale in chart.get("scales", []):
        shown = ", ".join(f'"{t}"' for t in scale["labels"])
        labels = f" ({shown})" if shown else ""
        problems.append(words.ngettext(
            "%(chart)s: the %(axis)s shows %(count)s labelled tick%(labels)s; a value axis needs at least two to "
            "show a scale", "%(chart)s: the %(axis)s shows %(count)s labelled ticks%(labels)s; a value axis needs at "
            "least two to show a scale", len(scale["labels"]), chart=name, axis=axis_name(scale, words),
            labels=labels))
    plot = chart.get("plot")
    if plot and chart["width"] > 0 and plot["width"] < MIN_PLOT_SHARE * chart["width"]:
        share = f"{plot['width'] / chart['width']:.0%}"
        problems.append(words.gettext("%(chart)s: the plot area is %(size)s px wide, %(share)s of the chart's "
                                      "%(total)s px (labels or the legend take the rest)", chart=name,
                                      size=plot["width"], share=share, total=chart["width"]))
    if plot and chart["height"] > 0 and plot["height"] < MIN_PLOT_SHARE * chart["height"]:
        share = f"{plot['height'] / chart['height']:.0%}"
        problems.append(words.gettext("%(chart)s: the plot area is %(size)s px tall, %(share)s of the chart's "
                                      "%(total)s px (labels or the legend take the rest)", chart=name,
                                      size=plot["height"], share=share, total=chart["height"]))
    return problems


def _clipped_message(name: str, cut: dict[str, Any], words: Words) -> str:
    what, sides = part_name(cut["what"], words), _sides(cut["sides"], words)
    single = isinstance(cut["what"], dict) and cut["what"].get("part") in ("title", "legend title", "chart title")
    if cut["total"] == 1 or single or cut["what"] in ("title", "legend title"):
        return words.gettext('%(chart)s: the %(what)s is cut off at the %(sides)s of the chart ("%(example)s")',
                             chart=name, what=what, sides=sides, example=cut["examples"][0])
    return words.ngettext("%(chart)s: %(count)s of %(total)s %(what)s is cut off at the %(sides)s of the chart "
                          "(%(examples)s)",
                          "%(chart)s: %(count)s of %(total)s %(what)s are cut off at the %(sides)s of the chart "
                          "(%(examples)s)", cut["cut"], chart=name, total=cut["total"], what=what,
                          sides=sides, examples=_quoted(cut["examples"], words, cut["cut"]))


def card_problems(card: dict[str, Any], words: Words = ENGLISH) -> list[str]:
    """The problems of one measured card (a metric, the heading of a chart or table, an index entry)."""
    name = words.gettext(CARDS.get(card["kind"], CARDS["card"]), name=card["name"])
    problems = []
    for over in card["overflow"]:
        problems.append(words.gettext('%(card)s: the %(what)s "%(text)s" overflows the card by %(by)s px', card=name,
                                      what=words.gettext(CARD_PARTS.get(over["what"], over["what"])),
                                      text=over["text"], by=over["by"]))
    if card["wrapped"]:
        wrapped = card["wrapped"]
        problems.append(words.gettext('%(card)s: the value "%(text)s" wraps onto %(lines)s lines', card=name,
                                      text=wrapped["text"], lines=wrapped["lines"]))
    cells = [w for w in card["words"] if w["what"] == "cell"]
    others = [w for w in card["words"] if w not in cells]
    for word in others:
        problems.append(words.gettext('%(card)s: the %(what)s reads "%(text)s"', card=name,
                                      what=words.gettext(CARD_PARTS.get(word["what"], word["what"])),
                                      text=word["text"]))
    if cells:
        problems.append(words.ngettext("%(card)s: %(count)s cell reads %(words)s (%(examples)s)",
                                       "%(card)s: %(count)s cells read %(words)s (%(examples)s)", len(cells),
                                       card=name, words=_words(cells, words),
                                       examples=_quoted([c["text"] for c in cells], words)))
    return problems


def _bad_word(text: str) -> str | None:
    found = re.search(BAD_WORDS, text)
    return found.group(1) if found else None


__all__ = ["ReaderCheck", "card_problems", "chart_problems", "check_reader", "measure"]
