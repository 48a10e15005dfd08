"""What of a private report's problems may leave the build's log: the GitHub job summary and the webhook show
where a problem is (file, line, key) and that a data check failed or an alert could not be read, naming the
check by its key, never the values, rows or counts it found.

A failed check's message carries what it saw (``table 'payroll' has 3 duplicate values of (employee) …, e.g.
employee = 'J. Smith'``); the summary is read by everyone with access to the repository and the webhook goes to
a team channel, so for a private report those values stay in the log, beside the build that found them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from reportsite.errors import Problem

# 'reports/x.yaml:30:5 checks[0].unique: …' (a located problem as printed)
LOCATED = re.compile(r"(?P<where>[^\s:]+:\d+(?::\d+)?) (?P<key>[^\s:]+):")
WHY = "the details are withheld because the report is private (the build's log has them)"


def marked(problems: Iterable[Problem], private: bool) -> list[Problem]:
    """The problems of one report, marked when the report is private (``Problem.private``)."""
    return [dataclasses.replace(p, private=True) if private else p for p in problems]


def public(problem: Problem) -> str:
    """The problem as the job summary and the webhook may show it."""
    return public_line(str(problem)) if problem.private else str(problem)


def public_line(text: str) -> str:
    """A private report's located problem or warning, as printed, reduced to where it is and what kind it is."""
    found = LOCATED.match(text)
    if found is None:
        return f"a private report has a problem; {WHY}"
    key = found.group("key")
    what = ("this data check failed" if key.startswith("checks[") else
            "this alert could not be evaluated" if key.startswith("alerts[") else "the report has a problem here")
    return f"{found.group('where')} {key}: {what}; {WHY}"


__all__ = ["marked", "public", "public_line"]
