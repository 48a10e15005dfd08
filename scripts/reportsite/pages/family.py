"""A for_each report: one page per value of its query, and the page listing them.

Every page runs the report's items with ``$parameter`` bound to its value (and its own filters, if the
report has any): each item once for all pages (``slices.run_pages``); the listing page links them all, with a
search box.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportsite.errors import QueryError
from reportsite.pages import slices
from reportsite.pages.context import RunContext
from reportsite.pages.names import page_files as value_files
from reportsite.pages.page import ReportPage
from reportsite.query import located
from reportsite.values.tokens import token_of

PageFiles = Callable[[list[str]], dict[str, str]]  # the values' tokens → each page's file name


@dataclass
class Member:
    token: str  # the value as text (what links match)
    label: str  # the value as the site writes it
    file: str  # reports/<slug>/<file>.html
    page: ReportPage | None = None


def values(ctx: RunContext) -> list[Any] | None:
    """The for_each query's distinct values (NULLs left out), in its order; None when it failed."""
    report, limit = ctx.report, ctx.site.max_pages
    ref = located.QueryRef(report, ("for_each", "query"), "for_each query")
    try:
        table = ctx.session.fetch(ref, report.config.parameters, limit + 1)
    except QueryError as exc:
        ctx.problems.extend(exc.problems)
        return None
    if table.num_columns == 0:
        return []
    found = [v for v in table.column(0).to_pylist() if v is not None and not (isinstance(v, str) and not v.strip())]
    if len(found) > limit:
        ctx.problems.add(located.locate(ref, f"{ref.label}: it returns more than {limit} values, one page each; "
                                             "narrow the query or raise max_pages in site_src/site.yaml"))
        return None
    return list({token_of(v): v for v in found}.values())


def run_members(ctx: RunContext, page: ReportPage, page_files: PageFiles | None = None) -> None:
    """Fill ``page.members``: one page per value, each run with $parameter bound to it (every item in one pass
    for all of them, see ``slices.run_pages``). ``page_files`` names the pages (value_files by default; a
    private report's hide the values)."""
    config = ctx.report.config
    spec = config.for_each
    assert spec is not None
    found = values(ctx)
    if found is None:
        return
    files = (page_files or value_files)([token_of(v) for v in found])
    title = spec.title or f"{config.title}: ${spec.parameter}"
    runs = []
    for value in found:
        token = token_of(value)
        member = Member(token, ctx.formats.parameter(spec.parameter, value), files[token])
        shown = dataclasses.replace(page, metrics=[], charts=[], tables=[], files=[], slices=[], filters=[],
                                    following=[], warnings=list(page.warnings), notes=[], seconds={},
                                    rows_returned=0, members=[])
        shown.parent_title, shown.parent_href = page.title, f"../{ctx.report.slug}.html"
        member.page = shown
        page.members.append(member)
        runs.append(slices.PageRun(shown, {**config.parameters, spec.parameter: value}, title,
                                   f"{ctx.report.slug}/{member.file}"))
    slices.run_pages(ctx, runs)
    page.rows_returned += sum(run.page.rows_returned for run in runs)
