"""Typed models of ``site_src/site.yaml`` and ``reports/*.yaml``, and their loading.

The pydantic models below are the single source of truth: validation, the
JSON Schema printed by ``reportsite schema`` and the README's YAML reference all
come from them. Loading collects every problem in every file before raising.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from . import messages
from .errors import ConfigError, Problem
from .yamlsrc import Located, Unreadable, load_file, read_limited, shorten

DATA_ROOT_ENV = "REPORTSITE_DATA_ROOT"
SITE_FILE = Path("site_src") / "site.yaml"
REPORTS_DIR = Path("reports")

ChartType = Literal["line", "bar", "area", "scatter", "pie"]
ValueFormat = Literal["number", "currency", "percent"]
Frequency = Literal["hourly", "daily", "weekly", "monthly", "manual"]
Scalar = str | int | float | bool | dt.date | dt.datetime | None
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Model(BaseModel):
    """Base of every model: unknown keys are errors, numbers are accepted where text belongs."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


SQL_HELP = "Inline DuckDB SQL, or the name of a .sql file beside the report."
TableName = Annotated[str, StringConstraints(pattern=IDENTIFIER.pattern)]


class ChartParams(Model):
    """How the query's columns map onto the chart."""

    x: str = Field(description="The column for the x axis. For a pie chart, the column with the slice labels.")
    y: str = Field(description="The column with the values to plot. For a pie chart, the slice sizes.")
    color: str | None = Field(None, description="A column that splits the data into coloured series.")
    title: str | None = Field(None, description="The title drawn above the chart. Defaults to the chart's name.")
    x_title: str | None = Field(None, description="The x axis title. Defaults to the column name.")
    y_title: str | None = Field(None, description="The y axis title. Defaults to the column name.")
    y_format: ValueFormat = Field(
        "number", description="How y values are shown on the axis and in tooltips: number, currency or percent.")


class Metric(Model):
    """A card with one number and, optionally, its change against a previous period."""

    name: str = Field(description="The label shown on the card.")
    query: str = Field(description="The SQL to run. It must return one row with a 'value' column, and optionally "
                                   f"'previous' to show the change. {SQL_HELP}")
    format: ValueFormat = Field("number", description="How the value is shown: number, currency or percent.")
    description: str | None = Field(None, description="Small print under the value.")


class Chart(Model):
    """A Vega-Lite chart drawn from one query."""

    name: str = Field(description="The chart's heading.")
    type: ChartType = Field(description="The kind of chart: line, bar, area, scatter or pie.")
    query: str = Field(description=f"The SQL to run. {SQL_HELP}")
    params: ChartParams = Field(description="Which query columns go on which axis, and the titles.")
    description: str | None = Field(None, description="Text shown under the heading.")
    width: Literal["full", "half"] = Field(
        "full", description="How wide the chart is: full (a whole row) or half (half a row on wide screens).")


class Table(Model):
    """A table of query rows."""

    name: str = Field(description="The table's heading.")
    query: str = Field(description=f"The SQL to run. {SQL_HELP}")
    description: str | None = Field(None, description="Text shown under the heading.")
    max_rows: int = Field(200, ge=1, le=5000,
                          description="How many rows the page shows. All rows are in the CSV download.")


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
        "error", description="What a failure does: error stops the build; warning is shown, and fails only "
                             "under --strict.")


class ReportConfig(Model):
    """One report page, described in ``reports/<slug>.yaml``."""

    title: str = Field(description="The page title.")
    description: str = Field("", description="One line shown under the title and on the index page.")
    update_frequency: Frequency = Field(
        "daily", description="How often the data changes: hourly, daily, weekly, monthly or manual.")
    data_source: str | None = Field(
        None, description="One Parquet or CSV file, folder or glob (a path or an s3:// URL). It becomes a table "
                          "named after the file: sales.parquet → sales.")
    data_sources: dict[TableName, str] = Field(
        default_factory=dict, json_schema_extra={"additionalProperties": False},
        description="Several sources, as table name: path or URL. Table names are letters, digits and "
                    "underscores; relative paths are read from the site's data_root.")
    parameters: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Values for $name placeholders in the queries. They are bound, never pasted into the SQL.")
    text: str | None = Field(
        None, description="Paragraphs of plain text shown under the title. Separate paragraphs with a blank line.")
    metrics: list[Metric] = Field(
        default_factory=list, description="Metric cards: one number each, with its change against a previous "
                                          "period.")
    charts: list[Chart] = Field(default_factory=list, description="Charts, each drawn from one query.")
    tables: list[Table] = Field(default_factory=list, description="Tables of query rows, each with a CSV download.")
    checks: list[Check] = Field(
        default_factory=list, description="Data checks that must pass before the report is published.")

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

    def source_key(self, table: str) -> tuple[str, ...]:
        """The key path that defines ``table``: ``("data_sources", table)`` or ``("data_source",)``."""
        return ("data_sources", table) if table in self.data_sources else ("data_source",)


class SiteConfig(Model):
    """Site settings in ``site_src/site.yaml``."""

    title: str = Field("Reports", description="The site's name, shown in the header and the browser tab.")
    description: str = Field("", description="A line shown on the index page.")
    data_root: str = Field(
        "data", description="Where relative data paths point: a folder or an s3:// prefix. The environment "
                            f"variable {DATA_ROOT_ENV} overrides it.")
    base_url: str | None = Field(None, description="The published URL of the site, used by smoke checks.")
    deploy_target: str | None = Field(None, description="Where to publish: s3://bucket/prefix.")
    currency: str = Field("USD", description="The ISO currency code used by the currency format.")
    max_chart_rows: int = Field(5000, ge=1, description="The most rows one chart may embed.")
    query_timeout_seconds: float = Field(
        120, gt=0, le=3600, description="The longest one query or data check may run, in seconds, before it is "
                                        "stopped and the build fails.")
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
    """data_root from the environment or site.yaml: an s3:// prefix, or an absolute folder."""
    value = os.environ.get(DATA_ROOT_ENV) or site.data_root
    if "://" in value:
        return value.rstrip("/")
    path = Path(value)
    return str(path if path.is_absolute() else (root / path))


def validate(model: type[Model], located: Located) -> Any:
    """Validate ``located.data`` against ``model``; raise ConfigError listing every problem."""
    if located.data is None and not located.problems:
        if not any(f.is_required() for f in model.model_fields.values()):
            return model()  # an empty settings file means "all defaults"
        empty = messages.ONLY_COMMENTS if any(line.strip() for line in located.lines) else messages.EMPTY_FILE
        raise ConfigError.at(empty, located.file, 1, 1)
    if not isinstance(located.data, dict):
        mark = located.mark(())
        raise ConfigError.at(
            f"expected a mapping of keys (like 'title: ...') at the top, found {messages.kind(located.data)}",
            located.file,
            mark.line if mark else 1,
            mark.column if mark else 1,
        )
    problems = list(located.problems)
    result = None
    try:
        result = model.model_validate(located.data)
    except ValidationError as exc:
        found_while_parsing = {p.key for p in located.problems}
        problems += [p for p in messages.from_validation(exc, located, model) if p.key not in found_while_parsing]
    if isinstance(result, ReportConfig):
        problems += _report_problems(result, located)
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return result


def _report_problems(config: ReportConfig, located: Located) -> list[Problem]:
    """Problems pydantic cannot see: a table defined twice."""
    if not (config.data_source and config.data_sources):
        return []
    name = table_name_for(config.data_source)
    if name not in config.data_sources:
        return []
    return [located.problem(("data_sources", name), f"table '{name}' is already defined by data_source "
                                                    f"('{config.data_source}'); rename one of them")]


def load_site(root: Path) -> SiteConfig:
    """site_src/site.yaml, validated (all defaults when the file is missing)."""
    path = root / SITE_FILE
    if not path.exists():
        return SiteConfig()
    site: SiteConfig = validate(SiteConfig, load_file(path, str(SITE_FILE)))
    return site


def load_report(root: Path, path: Path) -> Report:
    """One report file, validated, with its .sql files found; raises ConfigError listing every problem."""
    display = display_name(root, path)
    located = load_file(path, display)
    config: ReportConfig = validate(ReportConfig, located)
    report = Report(slug=path.stem, path=path, display=display, config=config, source=located)
    problems: list[Problem] = []
    _resolve_sql_files(report, problems)
    if problems:
        raise ConfigError(problems)
    return report


def _resolve_sql_files(report: Report, problems: list[Problem]) -> None:
    """Find each query that names a .sql file beside the report; a missing or non-UTF-8 file is a problem."""
    for section in ("metrics", "charts", "tables"):
        for index, item in enumerate(getattr(report.config, section)):
            query = item.query.strip()
            if query.lower().endswith(".sql") and not re.search(r"\s", query):
                key = (section, index, "query")
                sql_path = report.path.parent / query
                problem = _sql_file_problem(sql_path, shorten(query), report.display)
                if problem:
                    problems.append(report.problem(key, problem))
                    continue
                report.sql_files[key] = sql_path


def _sql_file_problem(path: Path, name: str, beside: str) -> str | None:
    """Why a query's .sql file cannot be used (missing, too large, binary, not UTF-8), or None."""
    try:
        raw = read_limited(path)
    except Unreadable as exc:
        return f"SQL file '{name}' not found beside {beside}" if exc.missing else f"SQL file '{name}' {exc}"
    if b"\x00" in raw:
        return f"SQL file '{name}' is a binary file, not SQL text"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"SQL file '{name}' is not UTF-8 text; save it as UTF-8"
    return None


def report_files(root: Path) -> list[Path]:
    """The report files under reports/ (``*.yaml`` and ``*.yml``), sorted by name."""
    folder = root / REPORTS_DIR
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []


SLUG = re.compile(r"^[a-z0-9_-]+$")
MAX_SLUG = 100  # characters in a report's name (its page is reports/<name>.html)
PAGE_RULE = "a report's file name becomes its page (reports/<name>.html)"


def display_name(root: Path, path: Path) -> str:
    """How messages name a file: relative to the project, with undecodable bytes and control characters escaped."""
    relative = path.relative_to(root) if path.is_relative_to(root) else path
    return printable(str(relative))


def printable(text: str) -> str:
    """``text`` with undecodable bytes of a file name (lone surrogates) and control characters escaped."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")  # b'\xe9' → '\\xe9'
    except UnicodeEncodeError:  # a surrogate no file name decodes to
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def suggested_slug(stem: str, taken: set[str]) -> str:
    """A valid name close to ``stem``: 'Sales Report' → 'sales-report', 'ümlaut' → 'umlaut'."""
    plain = unicodedata.normalize("NFKD", stem.casefold()).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9_-]+", "-", plain).strip("-_")[:MAX_SLUG - 4].rstrip("-_") or "report"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def name_problems(root: Path, files: list[Path]) -> dict[Path, Problem]:
    """Report files whose name cannot be a page name: not a-z0-9_-, too long, or the same as another's."""
    problems: dict[Path, Problem] = {}
    first: dict[str, Path] = {}
    stems = {p.stem for p in files}
    for path in files:
        slug, display = path.stem, display_name(root, path)
        if not SLUG.match(slug):
            better = suggested_slug(slug, stems)
            problems[path] = Problem(f"is not a valid report name: {PAGE_RULE}, so use only lower-case letters, "
                                     f"digits, '-' and '_'; rename it to {better}{path.suffix}", display)
        elif len(slug) > MAX_SLUG:
            problems[path] = Problem(f"has a name of {len(slug)} characters: {PAGE_RULE}, so use at most "
                                     f"{MAX_SLUG}; rename it to a shorter name", display)
        elif slug in first:
            other = display_name(root, first[slug])
            problems[path] = Problem(f"has the same name as {other}, and both would become reports/{slug}.html; "
                                     "rename or remove one of them", display)
        else:
            first[slug] = path
    return problems


def gather_project(root: Path, only: list[str] | None = None) -> tuple[Project, list[ConfigError]]:
    """Load site.yaml and every report that is valid, and the errors of those that are not.

    A file whose name cannot be a page name is still read, so its other problems are reported too, but it
    is never one of the project's reports.
    """
    errors: list[ConfigError] = []
    try:
        site = load_site(root)
    except ConfigError as exc:
        errors.append(exc)
        site = SiteConfig()
    files = report_files(root)
    if only:
        known = {p.stem for p in files}
        for slug in dict.fromkeys(s for s in only if s not in known):
            errors.append(ConfigError(f"no report named '{printable(shorten(slug))}' in "
                                      f"reports/{messages.suggest(shorten(slug, 200), known)}"))
        files = [p for s in dict.fromkeys(only) for p in files if p.stem == s]
    misnamed = name_problems(root, files)
    reports: list[Report] = []
    for path in files:
        name = [misnamed[path]] if path in misnamed else []
        try:
            report = load_report(root, path)
        except ConfigError as exc:
            errors.append(ConfigError([*name, *exc.problems]))
            continue
        if name:
            errors.append(ConfigError(name))
        else:
            reports.append(report)
    return Project(root=root, site=site, reports=reports), errors


def load_project(root: Path, only: list[str] | None = None) -> Project:
    """Load site.yaml and every report (or those in ``only``), raising one ConfigError for all problems."""
    project, errors = gather_project(root, only)
    if errors:
        raise ConfigError.gather(errors)
    return project


def _schema(model: type[Model], title: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}


def report_schema() -> dict[str, Any]:
    """JSON Schema of reports/*.yaml, for editors and `reportsite schema`."""
    return _schema(ReportConfig, "reportsite report")


def site_schema() -> dict[str, Any]:
    """JSON Schema of site_src/site.yaml, for editors and `reportsite schema --site`."""
    return _schema(SiteConfig, "reportsite site settings")
