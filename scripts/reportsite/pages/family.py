"""A for_each report: one page per value of its query, and the page listing them.

Every page runs the report's items with ``$parameter`` bound to its value (and its own filters, if the
report has any); the listing page links them all, with a search box.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsite.errors import Problem, QueryError
from reportsite.pages import slices
from reportsite.pages.names import page_files as value_files
from reportsite.pages.page import ReportPage
from reportsite.query import located
from reportsite.values.formats import Formats
from reportsite.values.tokens import token_of


@dataclass
class Member:
    token: str  # the value as text (what links match)
    label: str  # the value as the site writes it
    file: str  # reports/<slug>/<file>.html
    page: ReportPage | None = None


def values(session: Any, report: Any, limit: int, problems: list[Problem]) -> list[Any] | None:
    """The for_each query's distinct values (NULLs left out), in its order; None when it failed."""
    ref = located.QueryRef(report, ("for_each", "query"), "for_each query")
    try:
        table = session.fetch(ref, report.config.parameters, limit + 1)
    except QueryError as exc:
        problems.extend(exc.problems)
        return None
    if table.num_columns == 0:
        return []
    found = [v for v in table.column(0).to_pylist() if v is not None and not (isinstance(v, str) and not v.strip())]
    if len(found) > limit:
        problems.append(located.locate(ref, f"{ref.label}: it returns more than {limit} values, one page each; "
                                          "narrow the query or raise max_pages in site_src/site.yaml"))
        return None
    return list({token_of(v): v for v in found}.values())


def run_members(session: Any, report: Any, site: Any, downloads: Path | None, problems: list[Problem],
                page: ReportPage, today: dt.date, families: Mapping[str, Mapping[str, str]] | None = None,
                page_files: Any = None) -> None:
    """Fill ``page.members``: one page per value, each run with $parameter bound to it. ``page_files`` names
    the pages (value_files by default; a private report's hide the values)."""
    config = report.config
    spec = config.for_each
    assert spec is not None
    found = values(session, report, site.max_pages, problems)
    if found is None:
        return
    formats = Formats.of(site)
    files = (page_files or value_files)([token_of(v) for v in found])
    title = spec.title or f"{config.title}: ${spec.parameter}"
    for value in found:
        token = token_of(value)
        member = Member(token, formats.parameter(spec.parameter, value), files[token])
        shown = dataclasses.replace(page, metrics=[], charts=[], tables=[], files=[], slices=[], filters=[],
                                    following=[], warnings=list(page.warnings), notes=[], seconds={},
                                    rows_returned=0, members=[])
        shown.parent_title, shown.parent_href = page.title, f"../{report.slug}.html"
        slices.run_items(session, report, site, downloads, problems, shown, today,
                         {**config.parameters, spec.parameter: value}, title, f"{report.slug}/{member.file}",
                         families)
        member.page = shown
        page.members.append(member)
        page.rows_returned += shown.rows_returned
