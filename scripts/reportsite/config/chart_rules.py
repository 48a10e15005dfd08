"""What a report file may say about each chart type: its name, whether it needs ``y``, whether it can ``link``.

One line per type; ``models.ChartType`` (and so the JSON Schema and the README's reference), the check that a
type gets the columns it needs and the one that only some types link all come from ``RULES``. How a type draws
and reads is ``charts.registry``'s (a layer above this one); a test keeps the two naming the same types.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartRules:
    """The config's view of one chart type."""

    name: str
    needs_y: bool = True  # params.y is required
    links: bool = False  # params.link may open a page per category


RULES: tuple[ChartRules, ...] = (
    ChartRules("line"),
    ChartRules("bar", links=True),
    ChartRules("area"),
    ChartRules("scatter"),
    ChartRules("pie", links=True),
    ChartRules("histogram", needs_y=False),
    ChartRules("heatmap"),
)

NAMES = tuple(rule.name for rule in RULES)
NEEDS_Y = tuple(rule.name for rule in RULES if rule.needs_y)
LINKS = tuple(rule.name for rule in RULES if rule.links)


def spoken(names: tuple[str, ...], joiner: str = "and") -> str:
    """'line, bar or area': a list of names as a sentence says it."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {joiner} {names[-1]}"


__all__ = ["LINKS", "NAMES", "NEEDS_Y", "RULES", "ChartRules", "spoken"]
