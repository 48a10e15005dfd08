"""What a report page shows: the page model the templates receive, and small text helpers for it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from reportsite.values.formats import EMPTY, Change, Formats
from reportsite.values.tokens import PARAMETER


@dataclass
class MetricCard:
    """One metric card: its value as shown (shortened when large), in full (on hover) and its change."""

    name: str
    value: Any  # the query's value, unformatted
    previous: Any
    format: str
    description: str | None
    shown: str = EMPTY  # 1.2M · $58.1T · 36.7% · — when the query returned no row
    exact: str = EMPTY  # the whole value: $58,123,456,789,012.35
    previous_shown: str | None = None
    change: Change | None = None
    better: str = "higher"
    id: str = ""  # metric-1: the block a filter choice swaps
    currency: str | None = None  # the metric's own currency, when it is not the report's


def metric_card(name: str, value: Any, previous: Any, kind: str, better: str, description: str | None,
                formats: Formats) -> MetricCard:
    """A card for a metric's value and previous value, written the site's way."""
    return MetricCard(name, value, previous, kind, description, formats.short(value, kind),
                      formats.value(value, kind),
                      None if previous is None else formats.short(previous, kind),
                      formats.change(value, previous, kind, better), better)


@dataclass(kw_only=True)
class ChartBlock:
    id: str
    name: str
    type: str
    spec: dict[str, Any] | None  # None: the query returned no rows ("No data for this period")
    rows: int
    description: str | None
    width: str
    csv: str | None
    xlsx: str | None = None  # the Excel download beside the CSV one
    summary: str = ""  # what the chart shows, in a sentence or two (read with it by screen readers)
    data: Any = None  # chart_text.DataTable: its rows as a table, shown on request


@dataclass(kw_only=True)
class TableBlock:
    """A table: its cells already written the site's way (None for a NULL, shown as a light dash)."""

    id: str
    name: str
    columns: list[str]
    numeric: list[bool]  # right-aligned, with tabular figures
    rows: list[list[str | None]]
    total_rows: int
    description: str | None
    csv: str | None
    kinds: list[str] = field(default_factory=list)  # per column: number, currency, percent, plain, date, …
    total_shown: str = ""  # 1,000,000 (the site's way)
    rows_shown: str = ""
    hrefs: list[list[str | None]] = field(default_factory=list)  # per row and column: a link to a value's page
    # for tables.js: per column, the inline rows' sort keys (numbers; None for a column sorted by its text),
    # how many rows the reader can page through (up to max_rows) and the JSON file holding them all
    # (table_rows.py; None when every one is inline)
    keys: list[list[Any] | None] = field(default_factory=list)
    available: int = 0
    rows_json: str | None = None
    xlsx: str | None = None  # the Excel download beside the CSV one

    def __post_init__(self) -> None:
        self.total_shown = self.total_shown or Formats().number(self.total_rows)
        self.rows_shown = self.rows_shown or Formats().number(len(self.rows))
        self.available = self.available or len(self.rows)

    @property
    def truncated(self) -> bool:
        return self.total_rows > len(self.rows)


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
    data_modified: str | None = None  # newest modification time of the data files (ISO, UTC)
    data_as_of: str | None = None  # "Jan 5, 2026" or "Jan 5, 2026, 7:00 AM CET", the site's way
    data_as_of_label: str = "Data as of"  # or "Files updated" when it is the files' modification time
    data_as_of_at: str | None = None  # the same moment in ISO 8601, for machines
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    vega_locale: dict[str, Any] | None = None  # number and date names for the page's charts
    notes: list[str] = field(default_factory=list)  # e.g. a cached copy that failed its check and was refetched
    rows_returned: int = 0
    queries: int = 0  # statements run (a filter's choices and a for_each's pages each run theirs)
    seconds: dict[str, float] = field(default_factory=dict)
    athena: dict[str, int] | None = None  # engine athena: queries submitted, bytes scanned, DPU-ms
    # ``text`` and ``description`` as safe HTML from their Markdown, $parameters filled (set by the build;
    # empty means the templates render ``text`` and ``description`` themselves)
    text_html: str = ""
    description_html: str = ""
    filters: list[Any] = field(default_factory=list)  # page_filters.PageFilter: the page's dropdowns
    following: list[str] = field(default_factory=list)  # ids of the blocks that follow a filter
    slices: list[Any] = field(default_factory=list)  # slices.Slice: every combination of the filters' choices
    files: list[str] = field(default_factory=list)  # every download written for the page, relative to the site
    members: list[Any] = field(default_factory=list)  # family.Member: a for_each report's pages
    parent_title: str | None = None  # a for_each page: the report listing it
    parent_href: str | None = None
    pdf: str | None = None  # the page's PDF download, relative to the site (set by the build when it prints one)
    alerts: list[dict[str, Any]] = field(default_factory=list)  # alert_values.observe: what each alert saw

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def with_parameters(text: str | None, parameters: dict[str, Any], formats: Formats | None = None) -> str | None:
    """Show ``$name`` in titles and descriptions as the parameter's value, written the site's way (a date
    as Jan 1, 2025; a year as 2025); SQL binds it separately."""
    if not text or "$" not in text:
        return text
    shown = formats or Formats()
    return PARAMETER.sub(lambda m: shown.parameter(m.group(1), parameters[m.group(1)]) if m.group(1) in parameters
                         else m.group(0), text)


def slugify(text: str, limit: int = 60) -> str:
    """A file-name-safe form of a name, transliterated like page names: 'Top Products (2026)' → 'top-products-2026',
    'Änderungen pro Monat' → 'anderungen-pro-monat', at most ``limit`` long ('item' when nothing is left)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain)[:limit].strip("-") or "item"
