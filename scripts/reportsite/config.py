"""Typed models of ``site_src/site.yaml`` and ``reports/*.yaml``, and their loading.

The pydantic models below are the single source of truth: validation, the
JSON Schema printed by ``reportsite schema`` and the README's YAML reference all
come from them. Loading collects every problem in every file before raising.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import messages
from .errors import ConfigError, Problem
from .yamlsrc import Located, load_file

DATA_ROOT_ENV = "REPORTSITE_DATA_ROOT"
SITE_FILE = Path("site_src") / "site.yaml"
REPORTS_DIR = Path("reports")

ChartType = Literal["line", "bar", "area", "scatter", "pie"]
ValueFormat = Literal["number", "currency", "percent"]
Frequency = Literal["hourly", "daily", "weekly", "monthly", "manual"]
Scalar = str | int | float | bool | dt.date | dt.datetime | None
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


class ChartParams(Model):
    """How the query's columns map onto the chart."""

    x: str = Field(description="Column for the x axis (the category for a pie chart).")
    y: str | None = Field(None, description="Column for the y axis (the slice size for a pie chart). Required.")
    color: str | None = Field(None, description="Column that splits the data into coloured series.")
    title: str | None = Field(None, description="Title drawn above the chart; defaults to the chart's name.")
    x_title: str | None = Field(None, description="Axis title for x; defaults to the column name.")
    y_title: str | None = Field(None, description="Axis title for y; defaults to the column name.")
    y_format: ValueFormat = Field("number", description="How y values are shown on the axis and in tooltips.")

    @model_validator(mode="after")
    def _y_required(self) -> ChartParams:
        if not self.y:
            raise ValueError("missing required key 'y': name the column with the values to plot")
        return self


class Metric(Model):
    """A card with one number and, optionally, its change against a previous period."""

    name: str = Field(description="Label shown on the card.")
    query: str = Field(description="SQL returning one row with a 'value' column and optionally 'previous'.")
    format: ValueFormat = Field("number", description="number, currency or percent.")
    description: str | None = Field(None, description="Small print under the value.")


class Chart(Model):
    """A Vega-Lite chart drawn from one query."""

    name: str = Field(description="Heading of the chart card.")
    type: ChartType = Field(description="line, bar, area, scatter or pie.")
    query: str = Field(description="SQL (or the name of a .sql file beside the report).")
    params: ChartParams = Field(description="Column mapping and titles.")
    description: str | None = Field(None, description="Text shown under the heading.")
    width: Literal["full", "half"] = Field("full", description="full row, or half a row on wide screens.")


class Table(Model):
    """A table of query rows."""

    name: str = Field(description="Heading of the table.")
    query: str = Field(description="SQL (or the name of a .sql file beside the report).")
    description: str | None = Field(None, description="Text shown under the heading.")
    max_rows: int = Field(200, ge=1, le=5000, description="Rows shown; the rest are in the CSV download.")


class Freshness(Model):
    """The newest value of a date column must be recent enough."""

    column: str = Field(description="A date or timestamp column.")
    max_age_days: float = Field(gt=0, description="Largest allowed age of the newest value, in days.")


class Check(Model):
    """Data checks that must pass before the report is published."""

    table: str = Field(description="A table defined by data_source or data_sources.")
    min_rows: int | None = Field(None, ge=0, description="Fewest rows the table must have.")
    not_null: list[str] = Field(default_factory=list, description="Columns that must have no nulls.")
    unique: list[str] = Field(default_factory=list, description="Columns whose combination must be unique.")
    freshness: Freshness | None = Field(None, description="Newest date must be within max_age_days.")
    severity: Literal["error", "warning"] = Field("error", description="warning: reported, fails only --strict.")


class ReportConfig(Model):
    """One report page, described in ``reports/<slug>.yaml``."""

    title: str = Field(description="Page title.")
    description: str = Field("", description="One line shown under the title and on the index.")
    update_frequency: Frequency = Field("daily", description="hourly, daily, weekly, monthly or manual.")
    data_source: str | None = Field(
        None, description="One Parquet/CSV URL or path; registers a table named after the file's stem."
    )
    data_sources: dict[str, str] = Field(
        default_factory=dict, description="Several sources: table name → URL or path (globs, folders)."
    )
    parameters: dict[str, Scalar] = Field(
        default_factory=dict, description="Values bound to $name placeholders in the queries."
    )
    text: str | None = Field(None, description="Paragraphs of plain text shown under the title.")
    metrics: list[Metric] = Field(default_factory=list, description="Metric cards.")
    charts: list[Chart] = Field(default_factory=list, description="Charts.")
    tables: list[Table] = Field(default_factory=list, description="Tables.")
    checks: list[Check] = Field(default_factory=list, description="Data checks run before publishing.")

    @field_validator("data_sources")
    @classmethod
    def _table_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not IDENTIFIER.match(name):
                raise ValueError(
                    f"table name '{name}' must be letters, digits and underscores, not starting with a digit"
                )
        return value

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
        out.update(self.data_sources)
        return out


class SiteConfig(Model):
    """Site settings in ``site_src/site.yaml``."""

    title: str = Field("Reports", description="Site name shown in the header and the browser tab.")
    description: str = Field("", description="Line shown on the index page.")
    data_root: str = Field(
        "data", description=f"Where relative data paths point (a folder or s3:// prefix); env {DATA_ROOT_ENV}."
    )
    base_url: str | None = Field(None, description="Published URL of the site, used by smoke checks.")
    deploy_target: str | None = Field(None, description="s3://bucket/prefix to publish to.")
    currency: str = Field("USD", description="ISO code used by the currency format.")
    max_chart_rows: int = Field(5000, ge=1, description="Largest number of rows a chart may embed.")
    footer: str | None = Field(None, description="Text in the page footer.")


def table_name_for(url: str) -> str:
    """Table name a single ``data_source`` registers: the file's stem (``sales.parquet`` → ``sales``)."""
    parts = [p for p in re.split(r"[/\\]", url.rstrip("/")) if p and not any(c in p for c in "*?[")]
    last = parts[-1] if parts else "data"
    if "=" in last and len(parts) > 1:  # a hive partition folder: use the table folder above it
        last = next((p for p in reversed(parts) if "=" not in p), last)
    stem = last.split(".")[0]
    name = re.sub(r"\W", "_", stem)
    return name if IDENTIFIER.match(name) else f"t_{name}"


@dataclass
class Report:
    """A validated report and where it came from."""

    slug: str
    path: Path
    display: str
    config: ReportConfig
    source: Located
    sql_files: dict[tuple[str | int, ...], Path] = field(default_factory=dict)

    def problem(self, path: tuple[str | int, ...], message: str) -> Problem:
        return self.source.problem(path, message)

    def query_text(self, path: tuple[str | int, ...], query: str) -> str:
        """The SQL for the query at ``path``: inline, or read from the .sql file it names."""
        sql_file = self.sql_files.get(path)
        return sql_file.read_text(encoding="utf-8") if sql_file else query


@dataclass
class Project:
    root: Path
    site: SiteConfig
    reports: list[Report]

    @property
    def data_root(self) -> str:
        return resolved_data_root(self.site, self.root)


def resolved_data_root(site: SiteConfig, root: Path) -> str:
    value = os.environ.get(DATA_ROOT_ENV) or site.data_root
    if "://" in value:
        return value.rstrip("/")
    path = Path(value)
    return str(path if path.is_absolute() else (root / path))


def validate(model: type[Model], located: Located) -> Any:
    """Validate ``located.data`` against ``model``; raise ConfigError listing every problem."""
    if located.data is None:
        raise ConfigError.at(messages.EMPTY_FILE, located.file, 1, 1)
    if not isinstance(located.data, dict):
        mark = located.mark(())
        raise ConfigError.at(
            f"expected a mapping of keys (like 'title: ...') at the top, found {messages.kind(located.data)}",
            located.file,
            mark.line if mark else 1,
            mark.column if mark else 1,
        )
    try:
        result = model.model_validate(located.data)
    except ValidationError as exc:
        problems = located.problems + messages.from_validation(exc, located, model)
        raise ConfigError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0))) from None
    if located.problems:
        raise ConfigError(located.problems)
    return result


def load_site(root: Path) -> SiteConfig:
    path = root / SITE_FILE
    if not path.exists():
        return SiteConfig()
    return validate(SiteConfig, load_file(path, str(SITE_FILE)))


def load_report(root: Path, path: Path) -> Report:
    display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    located = load_file(path, display)
    config: ReportConfig = validate(ReportConfig, located)
    report = Report(slug=path.stem, path=path, display=display, config=config, source=located)
    problems: list[Problem] = []
    _resolve_sql_files(report, problems)
    if problems:
        raise ConfigError(problems)
    return report


def _resolve_sql_files(report: Report, problems: list[Problem]) -> None:
    for section in ("metrics", "charts", "tables"):
        for index, item in enumerate(getattr(report.config, section)):
            query = item.query.strip()
            if query.lower().endswith(".sql") and not re.search(r"\s", query):
                key = (section, index, "query")
                sql_path = report.path.parent / query
                if not sql_path.is_file():
                    problems.append(report.problem(key, f"SQL file '{query}' not found beside {report.display}"))
                else:
                    report.sql_files[key] = sql_path


def report_files(root: Path) -> list[Path]:
    folder = root / REPORTS_DIR
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []


def load_project(root: Path, only: list[str] | None = None) -> Project:
    """Load site.yaml and every report (or those in ``only``), raising one ConfigError for all problems."""
    errors: list[ConfigError] = []
    try:
        site = load_site(root)
    except ConfigError as exc:
        errors.append(exc)
        site = SiteConfig()
    files = report_files(root)
    if only:
        known = {p.stem: p for p in files}
        unknown = [s for s in only if s not in known]
        for slug in unknown:
            errors.append(ConfigError(f"no report named '{slug}' in reports/{messages.suggest(slug, known)}"))
        files = [known[s] for s in only if s in known]
    reports: list[Report] = []
    for path in files:
        try:
            reports.append(load_report(root, path))
        except ConfigError as exc:
            errors.append(exc)
    if errors:
        raise ConfigError.gather(errors)
    return Project(root=root, site=site, reports=reports)


def report_schema() -> dict[str, Any]:
    schema = ReportConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "reportsite report"
    return schema

