"""Alert conditions: ``value < 1000``, ``change < -20%``, ``rows > 0``; parsed once, tested against a number.

A condition is one measure, one comparison and one number; a number ending in ``%`` is a fraction
(``-20%`` is -0.2), as changes and percentage metrics are. Pure: no I/O, nothing of the package.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

MEASURES = ("value", "change", "rows")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
}
_PATTERN = re.compile(r"^\s*(?P<measure>[a-z_]+)\s*(?P<op><=|>=|==|!=|<|>|=)\s*"
                      r"(?P<number>[-+]?(?:\d[\d_,]*)?(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?P<percent>%?)\s*$")
EXAMPLES = "value < 1000, change < -20%, rows > 0"


@dataclass(frozen=True)
class Condition:
    measure: str  # value | change | rows
    op: str
    threshold: float  # a fraction when percent
    percent: bool
    text: str  # as written, tidied: "change < -20%"

    def holds(self, observed: float | None) -> bool:
        """Whether the condition is true of ``observed``; a missing number (no row, no previous value) never is."""
        return observed is not None and OPERATORS[self.op](float(observed), self.threshold)

    @property
    def threshold_text(self) -> str:
        number = self.threshold * 100 if self.percent else self.threshold
        return f"{number:g}%" if self.percent else f"{number:g}"


def parse(text: str) -> Condition:
    """Raises ValueError with what was expected."""
    found = _PATTERN.match(text or "")
    if not found or not found.group("number").strip("+-_,."):
        raise ValueError(f"'{text}' is not a condition; write a measure, a comparison and a number, e.g. {EXAMPLES}")
    measure, op = found.group("measure"), found.group("op")
    if measure not in MEASURES:
        raise ValueError(f"'{text}': unknown measure '{measure}'; use one of: {', '.join(MEASURES)}")
    op = "==" if op == "=" else op
    percent = bool(found.group("percent"))
    number = float(found.group("number").replace("_", "").replace(",", ""))
    threshold = number / 100 if percent else number
    return Condition(measure, op, threshold, percent, f"{measure} {op} {found.group('number')}{'%' if percent else ''}")


def change_of(value: float | None, previous: float | None) -> float | None:
    """The relative change a metric card shows, as a fraction; None without a previous value or from zero."""
    if value is None or previous is None or previous == 0:
        return None
    return (float(value) - float(previous)) / abs(float(previous))


__all__ = ["EXAMPLES", "MEASURES", "Condition", "change_of", "parse"]
