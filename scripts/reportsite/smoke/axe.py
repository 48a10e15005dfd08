"""Accessibility: axe-core run on every page smoke opens, at both widths, in the light and the dark theme.

axe-core is pinned (4.12.1, the ``axe.min.js`` that the pinned ``axe-playwright-python`` ships as package data) and
runs from that local copy: it is evaluated in the page by Playwright (so a Content-Security-Policy does not stop
it), never published with the site, and nothing is downloaded. The rules are those of WCAG 2.0, 2.1 and 2.2 at
levels A and AA; smoke fails on every violation axe rates serious or critical, one line per rule:
``reports/sales.html: accessibility (axe color-contrast, serious): Elements must meet minimum color contrast ratio
thresholds; 2 elements, e.g. #chart-1 > h2``.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from reportsite.values.words import ENGLISH, N_, Words

TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
FAILING = ("serious", "critical")
IMPACTS = {"serious": N_("serious"), "critical": N_("critical")}
EXAMPLES = 2

# What is inside an element of role img (a chart's drawn SVG) is not checked: ARIA makes an img's children
# presentational, so assistive technology reads the element's own name and description (checked), never them.
_RUN = """async ([tags, failing]) => {
  const found = await axe.run({include: [document], exclude: [['[role="img"] *']]},
                              {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return found.violations.filter(v => failing.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(' ') : t).join(' '))}));
}"""


@functools.cache
def source() -> str:
    """axe-core's script (axe.min.js from the pinned axe-playwright-python wheel)."""
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def version() -> str:
    """The version of axe-core smoke runs, from its banner ('4.12.1')."""
    head = source()[:200]
    return head.split("axe v", 1)[1].split()[0] if "axe v" in head else "unknown"


def violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.2 AA violations on the page as it is drawn now."""
    if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        page.evaluate(source())
    return list(page.evaluate(_RUN, [list(TAGS), list(FAILING)]))


def messages(found: list[dict[str, Any]], words: Words = ENGLISH) -> list[str]:
    """One line per violated rule, in the site's words (axe's own help text stays as axe writes it)."""
    lines = []
    for violation in found:
        nodes = violation["nodes"]
        examples = ", ".join(nodes[:EXAMPLES])
        lines.append(words.ngettext(
            "accessibility (axe %(rule)s, %(impact)s): %(help)s; %(count)s element, e.g. %(examples)s",
            "accessibility (axe %(rule)s, %(impact)s): %(help)s; %(count)s elements, e.g. %(examples)s",
            len(nodes), rule=violation["id"], impact=words.gettext(IMPACTS.get(violation["impact"], "serious")),
            help=violation["help"], examples=examples))
    return lines


def check(page: Any, words: Words = ENGLISH) -> list[str]:
    return messages(violations(page), words)


__all__ = ["FAILING", "TAGS", "check", "messages", "source", "version", "violations"]
