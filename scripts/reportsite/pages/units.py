"""The blocks of one page for one set of choices ("a unit"), made from query results fetched ahead.

A page's blocks (metric cards, charts, tables, the title and texts) for one combination of the filter
choices they follow are one ``Unit``. Once every query has run (``slices``: in one pass for all pages and
choices), a unit needs no database: ``build`` makes its blocks and writes its downloads from the results it
is handed, so units can be made anywhere, in this process or in a worker (``workers``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.config.project import Report
from reportsite.config.site_models import SiteConfig
from reportsite.errors import Problem, Problems, QueryError
from reportsite.pages import markdown_text
from reportsite.pages.context import RunContext
from reportsite.pages.items import ItemRunner
from reportsite.pages.page import with_parameters
from reportsite.query.located import QueryRef, bound_parameters
from reportsite.query.prefetch import Key, binding_key
from reportsite.query.sqltext import statement

ResultKey = tuple[tuple[str | int, ...], Key]  # (the query's key path, the binding of the names it mentions)


@dataclass(frozen=True)
class Unit:
    """One page's blocks for one combination of the choices they follow."""

    number: int  # the page's position in the run
    which: tuple[int, ...]  # the filters these blocks follow (by position)
    picked: tuple[int, ...]  # the choice of each of them
    blocks: tuple[str, ...]  # metric-1, chart-2, table-1, title, description, text
    parameters: Mapping[str, Any]  # the SQL's bound values
    shown: Mapping[str, Any]  # what $names write in titles and text
    path: str | None  # the page's path under reports/ (None: the report's own page)
    folder: str  # the downloads' sub-folder of this combination
    title: str  # the page's title as written


@dataclass
class Made:
    """What a unit made: each block (None where it failed), rows read, files written, problems found."""

    unit: Unit
    blocks: dict[str, Any] = field(default_factory=dict)
    rows: int = 0
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Setting:
    """What every unit of one report's run shares, sent once to each worker."""

    report: Report
    site: SiteConfig
    downloads: Path | None
    today: dt.date
    families: Mapping[str, Mapping[str, str]]


class Results:
    """Query results by (query, binding), standing in for the session: ``fetch`` and ``stream`` as it has them."""

    def __init__(self, found: Mapping[ResultKey, Any]) -> None:
        self.found = found

    @staticmethod
    def key(ref: QueryRef, parameters: Mapping[str, Any]) -> ResultKey:
        return ref.path, binding_key(bound_parameters(statement(ref.sql), parameters, ref))

    def fetch(self, ref: QueryRef, parameters: Mapping[str, Any], limit: int | None = None) -> Any:
        return self._rows(ref, parameters)

    def stream(self, ref: QueryRef, parameters: Mapping[str, Any], batch_rows: int = 65536) -> Iterator[Any]:
        rows = self._rows(ref, parameters)
        yield rows.schema
        yield from rows.to_batches(batch_rows)

    def _rows(self, ref: QueryRef, parameters: Mapping[str, Any]) -> Any:
        found = self.found.get(self.key(ref, parameters))
        if found is None:
            raise LookupError(f"{ref.label} was not fetched for these values")  # a bug, not a report's mistake
        if isinstance(found, QueryError):
            raise QueryError(found.problems)
        return found


def build(setting: Setting, units: list[Unit], found: Mapping[ResultKey, Any],
          colors: Mapping[int, Mapping[str, str]]) -> list[Made]:
    """Make every unit's blocks from the results (no database); ``colors`` are each page's series colours."""
    ctx = RunContext(Results(found), setting.report, setting.site, setting.downloads,  # type: ignore[arg-type]
                     setting.today, Problems(), setting.families)
    return [_make(ctx, unit, colors.get(unit.number, {})) for unit in units]


def _make(ctx: RunContext, unit: Unit, colors: Mapping[str, str]) -> Made:
    config = ctx.report.config
    run = ItemRunner(ctx, unit.parameters, unit.shown, unit.path, unit.folder)
    ctx.problems = run.problems = Problems()
    made = Made(unit)
    for block in unit.blocks:
        kind, _, number = block.partition("-")
        if kind == "metric":
            made.blocks[block] = run.metric(int(number) - 1)
        elif kind == "chart":
            found = run.chart_data(int(number) - 1)
            made.blocks[block] = run.chart(found[0], found[1], dict(colors)) if found else None
        elif kind == "table":
            made.blocks[block] = run.table(int(number) - 1)
        else:
            text = {"title": unit.title, "description": config.description, "text": config.text}[block]
            made.blocks[block] = words(block, text, run.shown, ctx)
    made.rows, made.files, made.problems = run.rows, run.files, list(run.problems)
    return made


def words(block: str, text: str | None, shown: Mapping[str, Any], ctx: RunContext) -> Any:
    """The title as text; the description and the text as HTML from their Markdown."""
    if block == "title":
        return with_parameters(text, dict(shown), ctx.formats) or text or ""
    return markdown_text.render(text, shown, level=2)


__all__ = ["Made", "ResultKey", "Results", "Setting", "Unit", "build", "words"]
