"""What a report page shows: the page model the templates receive, and small text helpers for it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MetricCard:
    name: str
    value: Any
    previous: Any
    change: float | None
    format: str
    description: str | None


@dataclass
class ChartBlock:
    id: str
    name: str
    type: str
    spec: dict[str, Any] | None  # None: the query returned no rows ("No data for this period")
    rows: int
    description: str | None
    width: str
    csv: str | None


@dataclass
class TableBlock:
    id: str
    name: str
    columns: list[str]
    numeric: list[bool]
    rows: list[list[Any]]
    total_rows: int
    description: str | None
    csv: str | None


@dataclass
class ReportPage:
    """What one report page shows, plus how it was made (for the manifest)."""

    slug: str
    title: str
    description: str
    update_frequency: str
    text: list[str]
    metrics: list[MetricCard] = field(default_factory=list)
    charts: list[ChartBlock] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    data_modified: str | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    vega_locale: dict[str, Any] | None = None  # number and date names for the page's charts
    notes: list[str] = field(default_factory=list)  # e.g. a cached copy that failed its check and was refetched
    rows_returned: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    # ``text`` and ``description`` as safe HTML from their Markdown, $parameters filled (set by the build;
    # empty means the templates render ``text`` and ``description`` themselves)
    text_html: str = ""
    description_html: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def with_parameters(text: str | None, parameters: dict[str, Any]) -> str | None:
    """Show ``$name`` in titles and descriptions as the parameter's value (SQL binds it separately)."""
    if not text or "$" not in text:
        return text
    return re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)",
                  lambda m: str(parameters[m.group(1)]) if m.group(1) in parameters else m.group(0), text)


def slugify(text: str, limit: int = 60) -> str:
    """A file-name-safe form of a name: 'Top Products (2026)' → 'top-products-2026', at most ``limit`` long."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:limit].strip("-") or "item"
