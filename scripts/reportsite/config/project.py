"""Typed models of ``site_src/site.yaml`` and ``reports/*.yaml``, and their loading.

The pydantic models below are the single source of truth: validation, the
JSON Schema printed by ``reportsite schema`` and the README's YAML reference all
come from them. Loading collects every problem in every file before raising.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reportsite.config import chart_rules, messages
from reportsite.config.models import (
    DATA_ROOT_ENV,
    NEEDS_Y,
    ChartParams,
    Model,
    ReportConfig,
    table_name_for,
)
from reportsite.config.positions import Located, shorten
from reportsite.config.site_models import SiteConfig
from reportsite.config.yamlsrc import Unreadable, load_file, read_limited
from reportsite.errors import ConfigError, Problem, did_you_mean

SITE_FILE = Path("site_src") / "site.yaml"
REPORTS_DIR = Path("reports")

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

    def queries(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every query of the report, as (key path, label): metrics, charts, tables, filter options, for_each."""
        config = self.config
        found: list[tuple[tuple[str | int, ...], str]] = [
            ((section, index, "query"), f"{section[:-1]} '{item.name}'")
            for section in ("metrics", "charts", "tables") for index, item in enumerate(getattr(config, section))]
        found += [(("filters", index, "options"), f"filter '{f.name}' options")
                  for index, f in enumerate(config.filters) if isinstance(f.options, str)]
        if config.for_each is not None:
            found.append((("for_each", "query"), "for_each query"))
        found += [(("alerts", index, "query"), f"alert '{alert.label()}'")
                  for index, alert in enumerate(config.alerts) if alert.query is not None]
        return found

    def bindable(self) -> dict[str, Any]:
        """Every name a query may use as $name: the parameters, each filter's, and for_each's (None until bound)."""
        names: dict[str, Any] = dict(self.config.parameters)
        for name in filter_parameters(self.config):
            names.setdefault(name, None)
        return names

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
    """Problems pydantic cannot see: a table defined twice, a chart type without the columns it needs."""
    problems = _binding_problems(config, located)
    for index, chart in enumerate(config.charts):
        if chart.params.link is not None and chart.type not in chart_rules.LINKS:
            problems.append(located.problem(("charts", index, "params", "link"),
                                            f"link works on {chart_rules.spoken(chart_rules.LINKS)} charts, "
                                            f"not {chart.type}"))
        if chart.type in NEEDS_Y and chart.params.y is None:
            what = messages.summary(ChartParams.model_fields["y"].description)
            problems.append(located.problem(("charts", index, "params"), f"missing required key 'y' ({what})"))
    if not (config.data_source and config.data_sources):
        return problems
    name = table_name_for(config.data_source)
    if name not in config.data_sources:
        return problems
    return [*problems, located.problem(("data_sources", name), f"table '{name}' is already defined by data_source "
                                                               f"('{config.data_source}'); rename one of them")]


def bound_names(name: str, kind: str) -> list[str]:
    """The $names one filter binds: region; period_start, period_end, period_prev_start and period_prev_end for a
    date_range named period."""
    if kind != "date_range":
        return [name]
    return [f"{name}_start", f"{name}_end", f"{name}_prev_start", f"{name}_prev_end"]


def filter_parameters(config: ReportConfig) -> list[str]:
    """The $names filters and for_each bind: region; period_start, period_end, period_prev_start and
    period_prev_end for a date_range."""
    names = []
    for spec in config.filters:
        names += bound_names(spec.name, spec.type)
    if config.for_each is not None:
        names.append(config.for_each.parameter)
    return names


def _binding_problems(config: ReportConfig, located: Located) -> list[Problem]:
    """Filters and for_each bind names of their own: none may be a parameter's or another's."""
    problems = []
    seen: dict[str, tuple[str | int, ...]] = {name: ("parameters", name) for name in config.parameters}
    keyed: list[tuple[str, tuple[str | int, ...]]] = []
    for index, spec in enumerate(config.filters):
        for name in bound_names(spec.name, spec.type):
            keyed.append((name, ("filters", index, "name")))
    if config.for_each is not None:
        keyed.append((config.for_each.parameter, ("for_each", "parameter")))
    for name, key in keyed:
        if name in seen:
            other = ".".join(str(part) for part in seen[name])
            problems.append(located.problem(key, f"'${name}' is already bound by {other}; give it another name"))
        else:
            seen[name] = key
    return problems


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
    for key, _ in report.queries():
        node: Any = report.config
        for part in key:
            node = node[part] if isinstance(part, int) else getattr(node, part)
        query = str(node).strip()
        if not (query.lower().endswith(".sql") and not re.search(r"\s", query)):
            continue
        sql_path = report.path.parent / query
        problem = None
        if sql_path.exists() and not sql_path.resolve().is_relative_to(report.path.parent.resolve()):
            target = os.readlink(sql_path) if sql_path.is_symlink() else sql_path.resolve()
            problem = (f"SQL file '{shorten(query)}' leads outside {REPORTS_DIR}/ (to {target}); keep .sql "
                       "files beside the report")  # checked before anything is read from it
        problem = problem or _sql_file_problem(sql_path, shorten(query), report.display)
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
                                      f"reports/{did_you_mean(shorten(slug, 200), known)}"))
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
