"""Drill-down links: table cells (``tables[].links``) and chart marks (``params.link``) that open the page of
a for_each report for their value."""

from __future__ import annotations

from typing import Any

from reportsite.errors import ConfigError, Problem, did_you_mean


def targets(report: Any) -> set[str]:
    """The for_each reports a report links to."""
    config = report.config
    found = {family for table in config.tables for family in table.links.values()}
    found.update(chart.params.link for chart in config.charts if chart.params.link)
    return found


def link_problems(report: Any, families: set[str], reports: set[str]) -> list[Problem]:
    """Each link to a report that is not a for_each report, located at its key."""
    problems = []
    config = report.config
    keyed: list[tuple[tuple[str | int, ...], str]] = [
        (("tables", i, "links", column), family) for i, t in enumerate(config.tables) for column, family in
        t.links.items()]
    keyed += [(("charts", i, "params", "link"), c.params.link) for i, c in enumerate(config.charts) if c.params.link]
    for key, family in keyed:
        if family in families:
            continue
        if family in reports:
            why = f"report '{family}' has no for_each, so it has no page per value to link to"
        else:
            why = f"there is no report named '{family}' in reports/{did_you_mean(family, sorted(families))}"
        problems.append(report.problem(key, f"{why}; link to a for_each report"
                                            f" ({', '.join(sorted(families)) or 'there is none yet'})"))
    return problems


def link_error(project: Any, report: Any) -> ConfigError | None:
    """A report's links to reports that have no page per value, as one located error (None when all are fine)."""
    families = {r.slug for r in project.reports if r.config.for_each is not None}
    problems = link_problems(report, families, {r.slug for r in project.reports})
    return ConfigError(problems) if problems else None
