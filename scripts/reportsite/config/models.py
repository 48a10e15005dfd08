"""Typed models of ``reports/*.yaml`` (and the base every model shares): the single source of truth.

Validation (``project``), the JSON Schema printed by ``reportsite schema`` and the README's YAML
reference (``reference``) all come from these models, ``site_models`` and their field descriptions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from reportsite.config import chart_rules
from reportsite.config.alert_models import Alert
from reportsite.config.base import IDENTIFIER, SQL_HELP, Model
from reportsite.config.source_models import (
    NEVER_TO_LOADERS,
    SOURCE_MAPPING,
    SourceSpec,
    WrittenSource,
    table_name_for,
)

DATA_ROOT_ENV = "REPORTSITE_DATA_ROOT"

if TYPE_CHECKING:
    ChartType = str
else:
    ChartType = Literal[chart_rules.NAMES]  # the chart types config.chart_rules declares
ValueFormat = Literal["number", "currency", "percent", "plain"]
AxisFormat = Literal["number", "currency", "percent", "plain", "date", "datetime"]
ColumnFormat = Literal["number", "currency", "percent", "plain", "date", "datetime", "text"]
Frequency = Literal["hourly", "daily", "weekly", "monthly", "manual"]
Scalar = str | int | float | bool | dt.date | dt.datetime | None
COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
NEEDS_Y = chart_rules.NEEDS_Y


def known_currency(value: str) -> str:
    """An ISO 4217 code Babel knows (USD, EUR, CHF), upper case."""
    from babel.numbers import list_currencies

    if value.upper() not in list_currencies():
        raise ValueError(f"unknown currency '{value}'; use an ISO 4217 code such as USD, EUR or CHF")
    return value.upper()


CurrencyCode = Annotated[str, AfterValidator(known_currency)]
TableName = Annotated[str, StringConstraints(pattern=IDENTIFIER.pattern)]


class Rule(Model):
    """A reference line across a chart, e.g. a target."""

    y: float | None = Field(None, description="Draw a horizontal line at this y value.")
    x: Scalar = Field(None, description="Draw a vertical line at this x value (a number, a date or a category).")
    label: str | None = Field(None, description="Text written beside the line, e.g. Target.")

    @model_validator(mode="after")
    def _one_position(self) -> Rule:
        if (self.y is None) == (self.x is None):
            raise ValueError("a rule needs exactly one of x or y")
        return self


class ChartParams(Model):
    """How the query's columns map onto the chart."""

    x: str = Field(description="The column for the x axis. For a pie chart, the column with the slice labels; for "
                               "a histogram, the column whose values are counted.")
    y: str | None = Field(None, description="The column with the values to plot. For a pie chart, the slice "
                                            "sizes; for a heatmap, the rows. Not used by histograms.")
    color: str | None = Field(None, description="A column that splits the data into coloured series. For a "
                                                "heatmap, the column with each cell's value.")
    title: str | None = Field(None, description="The title drawn above the chart. Defaults to the chart's name.")
    x_title: str | None = Field(None, description="The x axis title. Defaults to the column name.")
    y_title: str | None = Field(None, description="The y axis title. Defaults to the column name.")
    x_format: AxisFormat | None = Field(
        None, description="How x values are shown: number, currency, percent, plain (no separators, e.g. years and "
                          "ids), date or datetime. Defaults to what the column holds.")
    y_format: AxisFormat | None = Field(
        None, description="How y values are shown on the axis and in tooltips: number, currency, percent, plain, "
                          "date or datetime. Defaults to number.")
    zero: bool | None = Field(
        None, description="Whether the value axis starts at zero. Defaults to true for bar, area, histogram and pie, "
                          "false for line and scatter (the data's range).")
    log: list[Literal["x", "y"]] = Field(
        default_factory=list, description="Axes drawn on a logarithmic scale: x, y or both (e.g. log: y).")
    stack: Literal["stacked", "grouped", "normalize"] | None = Field(
        None, description="How coloured series of a bar or area chart combine: stacked (the default), grouped "
                          "(bars side by side) or normalize (100 % stacks).")
    horizontal: bool | None = Field(
        None, description="Draw bars horizontally. Defaults to horizontal when there are many categories or long "
                          "labels.")
    bins: int | None = Field(None, ge=2, le=200, description="How many bars a histogram has at most (default 20).")
    top: int | None = Field(
        None, ge=1, le=100, description="Keep the N largest categories (or series) and fold the rest into 'Other'.")
    y2: str | None = Field(None, description="A second value column, drawn as a line against its own axis on the "
                                             "right (a bar + line combination).")
    y2_title: str | None = Field(None, description="The second axis title. Defaults to the column name.")
    y2_format: AxisFormat | None = Field(None, description="How y2 values are shown. Defaults to number.")
    rules: list[Rule] = Field(default_factory=list,
                              description="Reference lines, e.g. [{y: 1000, label: Target}].")
    tooltip: list[str] = Field(default_factory=list,
                               description="More columns shown in each mark's tooltip, e.g. [route, carrier].")
    link: str | None = Field(
        None, description="A for_each report whose pages the marks of a bar or pie chart open: clicking the bar of "
                          "customer C-042 opens reports/<link>/c-042.html. The x column (y for horizontal bars, the "
                          "slice labels for pies) holds the values.")

    @field_validator("log", "tooltip", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Metric(Model):
    """A card with one number and, optionally, its change against a previous period."""

    name: str = Field(description="The label shown on the card.")
    query: str = Field(description="The SQL to run. It must return at most one row, with a 'value' column (no row "
                                   "shows —), and optionally 'previous' to show the change. "
                                   f"{SQL_HELP}")
    format: ValueFormat = Field(
        "number", description="How the value is shown: number (large ones shortened, 1.2M, the exact value on "
                              "hover), currency (the site's currency), percent (a fraction: 0.253 is 25.3%; its "
                              "change is in percentage points) or plain (no separators, e.g. a year or an id).")
    better: Literal["higher", "lower"] = Field(
        "higher", description="Which way is good news: higher (a rise shows green) or lower (a fall shows green, "
                              "e.g. refunds or costs). Equal values show 'no change'.")
    description: str | None = Field(None, description="Small print under the value.")
    currency: CurrencyCode | None = Field(
        None, description="The ISO currency code of a currency metric, e.g. USD, when it is not the report's.")


class Chart(Model):
    """A Vega-Lite chart drawn from one query."""

    name: str = Field(description="The chart's heading.")
    type: ChartType = Field(description=f"The kind of chart: {chart_rules.spoken(chart_rules.NAMES, 'or')}.")
    query: str = Field(description=f"The SQL to run. {SQL_HELP}")
    params: ChartParams = Field(description="Which query columns go on which axis, and the titles.")
    description: str | None = Field(None, description="Text shown under the heading (Markdown).")
    width: Literal["full", "half"] = Field(
        "full", description="How wide the chart is: full (a whole row) or half (half a row on wide screens).")
    currency: CurrencyCode | None = Field(
        None, description="The ISO currency code of the chart's currency axes and tooltips, e.g. USD, when it is "
                          "not the report's.")


class ColumnSpec(Model):
    """How one table column is shown, written as a mapping: its format, and for amounts their currency."""

    format: ColumnFormat = Field(
        "currency", description="How the column is shown: number, currency, percent, plain, date, datetime or text.")
    currency: CurrencyCode | None = Field(
        None, description="The ISO currency code of the column's amounts, e.g. USD, when it is not the report's.")


ColumnShown = ColumnFormat | ColumnSpec


class Table(Model):
    """A table of query rows."""

    name: str = Field(description="The table's heading.")
    query: str = Field(description=f"The SQL to run. {SQL_HELP}")
    description: str | None = Field(None, description="Text shown under the heading (Markdown).")
    max_rows: int = Field(200, ge=1, le=50000,
                          description="How many rows the reader can sort, search and page through. The page "
                                      "holds the first 200; more load on demand from a JSON file beside the CSV. "
                                      "All rows are in the CSV download.")
    excel_rows: int = Field(10_000, ge=1, le=1_048_575,
                            description="How many rows the Excel download holds at most (a capped workbook says so "
                                        "above its header; the CSV download holds every row).")
    columns: dict[str, ColumnShown] = Field(
        default_factory=dict,
        description="How columns are shown, by name: number, currency, percent (a fraction: 0.253 is 25.3%), "
                    "plain (no separators), date, datetime or text, e.g. {year: plain, revenue: currency, share: "
                    "percent}; an amount in another currency as {format: currency, currency: USD}. Others follow "
                    "what they hold: dates as dates, years and ids (year, customer_id, zip…) without separators. "
                    "Each name must be a column of the query.")
    links: dict[str, str] = Field(
        default_factory=dict,
        description="Columns whose cells link to the page of a for_each report, as column: report, e.g. {customer: "
                    "customers} links each customer cell to reports/customers/<value>.html. Values without a page "
                    "stay plain text.")

    def formats(self) -> dict[str, str]:
        """Each declared column's format (number, currency, …)."""
        return {name: shown if isinstance(shown, str) else shown.format for name, shown in self.columns.items()}

    def currencies(self) -> dict[str, str]:
        """The columns declared in a currency of their own, and that currency."""
        return {name: shown.currency for name, shown in self.columns.items()
                if isinstance(shown, ColumnSpec) and shown.currency}


class Freshness(Model):
    """The newest value of a date column must be recent enough."""

    column: str = Field(description="The date or timestamp column whose newest value is checked.")
    max_age_days: float = Field(gt=0, description="The largest allowed age of the newest value, in days.")


class Check(Model):
    """Data checks that must pass before the report is published."""

    table: str = Field(description="The table to check: one defined by data_source or data_sources.")
    min_rows: int | None = Field(None, ge=0, description="The fewest rows the table must have.")
    not_null: list[str] = Field(default_factory=list, description="Columns that must have no null values.")
    unique: list[str] = Field(default_factory=list,
                              description="Columns whose values, taken together, must be unique in every row.")
    freshness: Freshness | None = Field(
        None, description="The newest value of a date column must be at most max_age_days old.")
    severity: Literal["error", "warning"] = Field(
        "error", description="What a failure does: error stops the build; warning is shown on the page and in the "
                             "summary, and fails only under --strict.")


class AsOf(Model):
    """Where the page's "Data as of" comes from: the newest value of a date or timestamp column."""

    table: str = Field(description="The table: one defined by data_source or data_sources.")
    column: str = Field(description="The date or timestamp column whose newest value is the data's date, shown in "
                                    "the site's time zone and locale.")


Preset = Literal["last_7_days", "last_30_days", "last_90_days", "last_12_months", "month_to_date", "year_to_date",
                 "last_month", "last_year", "all"]
DEFAULT_PRESETS: list[Preset] = ["last_30_days", "last_90_days", "last_12_months", "year_to_date", "all"]
FilterName = Annotated[str, StringConstraints(pattern=IDENTIFIER.pattern)]
AudienceName = Annotated[str, StringConstraints(pattern=IDENTIFIER.pattern)]


class Filter(Model):
    """A choice the reader makes on the page; every query, title and text that uses it follows the choice."""

    name: FilterName = Field(
        description="The parameter the choice binds: $name in the queries (a date_range binds $name_start and "
                    "$name_end, and the period of equal length before it as $name_prev_start and $name_prev_end). "
                    "Letters, digits and underscores.")
    label: str | None = Field(None, description="The label shown beside the dropdown. Defaults to the name.")
    type: Literal["select", "date_range"] = Field(
        "select", description="select (one value from options) or date_range (a period from presets).")
    options: str | list[Scalar] | None = Field(
        None, description="select: the values to choose from, as a YAML list or a query whose first column holds "
                          "them (NULL and empty values are left out). date_range: optionally a query returning the "
                          "data's first and last date (one row, two columns), which the 'all' preset binds.")
    all: bool = Field(True, description="select: offer an 'All' choice, which binds NULL (write queries as "
                                        "($name IS NULL OR column = $name)).")
    presets: list[Preset] = Field(
        default_factory=lambda: list(DEFAULT_PRESETS),
        description="date_range: the periods offered, counted back from the build's date in the site's time zone: "
                    "last_7_days, last_30_days, last_90_days, last_12_months, month_to_date, year_to_date, "
                    "last_month, last_year, all (the data's whole range).")
    default: Scalar = Field(
        None, description="The choice the page opens with: a value of options (default: All, else the first "
                          "value), or a preset (default: the last preset).")

    @model_validator(mode="after")
    def _fits_type(self) -> Filter:
        if self.type == "select" and self.options is None:
            raise ValueError("a select filter needs options: a YAML list of values or a query")
        if self.type == "date_range":
            if isinstance(self.options, list):
                raise ValueError("a date_range filter's options is a query returning the data's first and last date")
            if not self.presets:
                raise ValueError("a date_range filter needs at least one preset")
            if len(set(self.presets)) != len(self.presets):
                raise ValueError("presets lists a period twice")
            if self.default is not None and self.default not in self.presets:
                raise ValueError(f"default '{self.default}' is not one of the presets ({', '.join(self.presets)})")
        return self


Engine = Literal["duckdb", "athena"]


class AthenaSettings(Model):
    """Where queries run on Amazon Athena (engine: athena): a workgroup whose engine is DuckDB."""

    workgroup: str | None = Field(
        None, pattern=r"^[A-Za-z0-9._-]{1,128}$",
        description="The Athena workgroup whose engine version is DuckDB, e.g. reportsite.")
    database: str | None = Field(
        None, description="The Glue database queries run in (Athena's QueryExecutionContext), e.g. sales_db.")
    output_location: str | None = Field(
        None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$",
        description="Where Athena writes each query's result file, e.g. s3://acme-athena-results/reportsite/ "
                    "(a bucket of your own, with a lifecycle rule; see AWS set-up). Defaults to the workgroup's.")


class ForEach(Model):
    """One page per value: the report is built once for every row of a query."""

    parameter: FilterName = Field(description="The parameter each page binds: $name in the queries, title and text.")
    query: str = Field(description="The SQL whose first column lists the values, one page each (NULLs are left "
                                   f"out). {SQL_HELP}")
    title: str | None = Field(None, description="Each page's title, e.g. 'Customer $customer'. Defaults to the "
                                                "report's title followed by the value.")




class ReportConfig(Model):
    """One report page, described in ``reports/<slug>.yaml``."""

    title: str = Field(description="The page title.")
    description: str = Field("", description="One line shown under the title and on the index page (Markdown).")
    update_frequency: Frequency = Field(
        "daily", description="How often the data changes: hourly, daily, weekly, monthly or manual.")
    data_source: str | None = Field(
        None, description="One Parquet or CSV file, folder or glob, or an Excel workbook (its first sheet), as a path "
                          "or an s3:// URL, or a Glue table as glue:database.table (engine: athena). It becomes a "
                          "table named after the file: sales.parquet → sales, glue:sales_db.orders → orders.")
    data_sources: dict[TableName, WrittenSource] = Field(
        default_factory=dict, json_schema_extra={"additionalProperties": False},
        description="Several sources, as table name: path or URL. Table names are letters, digits and "
                    "underscores; relative paths are read from the site's data_root. A source may also be a "
                    "mapping: {path: targets.xlsx, sheet: \"2026\"} reads one sheet of a workbook, "
                    "{loader: shop_orders.py, refresh: hourly} runs a Python loader beside the report.")
    parameters: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Values for $name placeholders in the queries, titles and text. They are bound, never pasted "
                    "into the SQL.")
    text: str | None = Field(
        None, description="Text shown under the title, in Markdown (paragraphs, lists, **bold**, links); $name "
                          "shows a parameter's value.")
    as_of: AsOf | None = Field(
        None, description="The column whose newest value is shown as 'Data as of' on the page and the index, e.g. "
                          "{table: sales, column: order_date}. Defaults to a freshness check's column, else the "
                          "data files' modification time (shown as 'Files updated').")
    metrics: list[Metric] = Field(
        default_factory=list, description="Metric cards: one number each, with its change against a previous "
                                          "period.")
    charts: list[Chart] = Field(default_factory=list, description="Charts, each drawn from one query.")
    tables: list[Table] = Field(default_factory=list, description="Tables of query rows, each with a CSV download.")
    checks: list[Check] = Field(
        default_factory=list, description="Data checks that must pass before the report is published.")
    filters: list[Filter] = Field(
        default_factory=list,
        description="Choices the reader makes on the page (a dropdown each). The build runs the queries that use "
                    "them once per combination and the page swaps the exact results; the choice is kept in the "
                    "page's URL.")
    for_each: ForEach | None = Field(
        None, description="Build one page per value of a query, e.g. a page per customer: reports/<name>/<value>.html, "
                          "listed on reports/<name>.html.")
    access: list[AudienceName] = Field(
        default_factory=list,
        description="The audiences (from site.yaml's audiences) who may read the report, e.g. [finance, owners]. "
                    "The report's pages, data and downloads are then encrypted and open with one of their "
                    "passwords. Without access the report is public.")
    pdf: bool | Literal["every_page"] = Field(
        True, description="Print the page to a PDF download (and for digests): true (the page as it opens), "
                          "every_page (a for_each report: each value's page too, which takes time per page) or "
                          "false.")
    alerts: list[Alert] = Field(
        default_factory=list, description="Messages when a metric or a query crosses a line, e.g. {metric: "
                                          "Revenue, when: 'change < -20%', to: [owner@acme.example]}.")
    hide_title: bool = Field(
        False, description="A private report's title stays hidden too: the index and its pages show 'Private "
                           "report' until unlocked.")
    currency: CurrencyCode | None = Field(
        None, description="The ISO currency code of this report's amounts, e.g. USD in a site that counts in CHF. "
                          "Defaults to the site's currency.")
    engine: Engine | None = Field(
        None, description="Where this report's queries run: duckdb (on the build machine) or athena (Amazon "
                          "Athena's DuckDB engine, next to the data). Defaults to site.yaml's engine.")
    athena: AthenaSettings | None = Field(
        None, description="This report's Athena settings, over site.yaml's athena (each key given replaces the "
                          "site's), e.g. {workgroup: finance}.")

    @model_validator(mode="after")
    def _has_content(self) -> ReportConfig:
        if not (self.metrics or self.charts or self.tables or self.text):
            raise ValueError("a report needs at least one of: metrics, charts, tables, text")
        return self

    def tables_by_name(self) -> dict[str, str]:
        """Every table the report's queries can use: data_source's stem plus data_sources."""
        out: dict[str, str] = {}
        if self.data_source:
            out[table_name_for(self.data_source)] = self.data_source
        out.update({table: spec if isinstance(spec, str) else spec.written
                    for table, spec in self.data_sources.items()})
        return out

    def source_spec(self, table: str) -> SourceSpec:
        """How ``table``'s source is written, as a mapping (a plain path becomes ``{path: …}``)."""
        spec = self.data_sources.get(table)
        if isinstance(spec, SourceSpec):
            return spec
        return SourceSpec(path=spec if spec is not None else self.data_source)

    def source_key(self, table: str) -> tuple[str, ...]:
        """The key path that defines ``table``: ``("data_sources", table)`` or ``("data_source",)``."""
        return ("data_sources", table) if table in self.data_sources else ("data_source",)


__all__ = [
    "DATA_ROOT_ENV",
    "IDENTIFIER",
    "NEVER_TO_LOADERS",
    "SOURCE_MAPPING",
    "Alert",
    "AsOf",
    "AthenaSettings",
    "Chart",
    "ChartParams",
    "Check",
    "ColumnSpec",
    "CurrencyCode",
    "Engine",
    "Filter",
    "ForEach",
    "Freshness",
    "Metric",
    "Model",
    "ReportConfig",
    "Rule",
    "SourceSpec",
    "Table",
    "WrittenSource",
    "known_currency",
    "table_name_for",
]
