"""Run one report: resolve its sources, run checks and queries, build chart specs.

Everything a report page shows is gathered here into a ``ReportPage``; nothing
is rendered or published. Errors from every item are collected so that one run
reports all of them.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import charts, checks, query, sandbox, sources
from .config import Report, SiteConfig
from .errors import Problem, QueryError, ReportError, SourceError, did_you_mean


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
    spec: dict[str, Any]
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
    notes: list[str] = field(default_factory=list)  # e.g. a cached copy that failed its check and was refetched
    rows_returned: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.problems)


STALE_AFTER = {"hourly": dt.timedelta(hours=2), "daily": dt.timedelta(days=2), "weekly": dt.timedelta(days=14),
               "monthly": dt.timedelta(days=62)}


def stale_sources(report: Report, resolved: list[sources.Source], now: dt.datetime) -> list[str]:
    """Warnings for sources older than twice the report's update frequency (errors under --strict)."""
    limit = STALE_AFTER.get(report.config.update_frequency)
    warnings = []
    for source in resolved:
        if limit is None or source.modified is None or now - source.modified <= limit:
            continue
        age = (now - source.modified).total_seconds() / 86400
        key = report.config.source_key(source.table)
        message = (f"data source '{source.written}' was last modified {source.modified:%Y-%m-%d %H:%M} UTC "
                   f"({age:.1f} days ago), older than twice the update_frequency "
                   f"({report.config.update_frequency}); is the data pipeline running?")
        warnings.append(str(report.problem(key, message)))
    return warnings


def with_parameters(text: str | None, parameters: dict[str, Any]) -> str | None:
    """Show ``$name`` in titles and descriptions as the parameter's value (SQL binds it separately)."""
    if not text or "$" not in text:
        return text
    return re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)",
                  lambda m: str(parameters[m.group(1)]) if m.group(1) in parameters else m.group(0), text)


def slugify(text: str, limit: int = 60) -> str:
    """A file-name-safe form of a name: 'Top Products (2026)' → 'top-products-2026', at most ``limit`` long."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:limit].strip("-") or "item"


def resolve_sources(report: Report, data_root: str, s3_client: Any | None = None) -> list[sources.Source]:
    """List every source of a report; SourceErrors come back located at their key."""
    found: list[sources.Source] = []
    problems: list[Problem] = []
    config = report.config
    for table, written in config.tables_by_name().items():
        key = config.source_key(table)
        try:
            found.append(sources.resolve(table, written, data_root, s3_client))
        except SourceError as exc:
            problems.extend(report.problem(key, p.message) for p in exc.problems)
    if problems:
        raise SourceError(problems)
    return found


def report_queries(report: Report) -> list[tuple[str, dict[str, Any]]] | None:
    """Every metric, chart and table query with its bound parameters (None if one cannot be bound)."""
    out = []
    for section in ("metrics", "charts", "tables"):
        for index, item in enumerate(getattr(report.config, section)):
            ref = query.QueryRef(report, (section, index, "query"), item.name)
            try:
                sql = ref.sql.strip().rstrip(";")
                out.append((sql, query.bound_parameters(sql, report.config.parameters, ref)))
            except (QueryError, OSError):
                return None
    return out


def s3_columns(report: Report, resolved: list[sources.Source], fs: Any, cache: Path,
               notes: list[str] | None = None) -> dict[str, set[str]]:
    """For each S3 Parquet source (by URL): the columns this report's queries and checks read."""
    from . import s3fetch

    problems: list[Problem] = []
    schemas: dict[str, Any] = {}
    for source in resolved:
        if source.is_s3 and source.format == "parquet":
            try:
                schemas[source.table] = s3fetch.schema_of(source, fs, cache, notes)
            except Exception as exc:
                problems.append(_unreadable(report, source, exc))
    if problems:
        raise SourceError(problems)
    if not schemas:
        return {}
    queries = report_queries(report)
    needed: dict[str, set[str]] = (
        s3fetch.columns_used(queries, schemas) if queries is not None
        else {t: set(schema.names) for t, schema in schemas.items()})
    for check in report.config.checks:
        if check.table in needed:
            needed[check.table].update(
                [*check.not_null, *check.unique, *([check.freshness.column] if check.freshness else [])])
    urls = {s.table: s.url for s in resolved}
    return {urls[table]: columns for table, columns in needed.items()}


def fetch_s3_sources(report: Report, resolved: list[sources.Source], cache: Path,
                     wanted: dict[str, set[str]] | None = None,
                     notes: list[str] | None = None) -> list[sources.Source]:
    """Replace S3 sources by local copies of the columns the build reads (see s3fetch).

    ``wanted`` (URL → columns) is the union over every report of the build, so reports reading the
    same source share one copy; without it, this report's own columns are fetched.
    """
    from . import s3fetch

    if not any(s.is_s3 for s in resolved):
        return resolved
    fs = s3fetch.filesystem()
    columns = dict(wanted or {})
    for url, needed in s3_columns(report, resolved, fs, cache, notes).items():
        columns.setdefault(url, set()).update(needed)
    local, problems = [], []
    for source in resolved:
        if not source.is_s3:
            local.append(source)
            continue
        try:
            local.append(s3fetch.localize(source, columns.get(source.url), cache, fs, notes))
        except Exception as exc:
            problems.append(_unreadable(report, source, exc))
    if problems:
        raise SourceError(problems)
    return local


def s3_columns_of_build(pairs: list[tuple[Report, list[sources.Source]]], cache: Path) -> dict[str, set[str]]:
    """Union, over several reports, of the columns each reads from each S3 Parquet source."""
    from . import s3fetch

    if not any(s.is_s3 for _, found in pairs for s in found):
        return {}
    fs = s3fetch.filesystem()
    wanted: dict[str, set[str]] = {}
    for report, found in pairs:
        try:
            for url, columns in s3_columns(report, found, fs, cache).items():
                wanted.setdefault(url, set()).update(columns)
        except SourceError:
            continue  # reported, located, when this report runs
    return wanted


def _unreadable(report: Report, source: sources.Source, exc: Exception) -> Problem:
    message = f"data source '{source.written}': cannot read {source.url}: {sources.read_detail(exc)}"
    return report.problem(report.config.source_key(source.table), message)


def run_report(
    report: Report,
    site: SiteConfig,
    resolved: list[sources.Source],
    downloads: Path | None,
    now: dt.datetime,
    cache: Path | None = None,
    s3_wanted: dict[str, set[str]] | None = None,
) -> ReportPage:
    """Query everything the report shows. Raises ReportError listing every failed item.

    ``cache`` keeps local copies of S3 sources between builds (a temporary folder when None).
    """
    config = report.config
    page = ReportPage(
        slug=report.slug,
        title=config.title,
        description=config.description,
        update_frequency=config.update_frequency,
        text=[p.strip() for p in re.split(r"\n\s*\n", config.text or "") if p.strip()],
        sources=[
            {"table": s.table, "url": s.written, "files": len(s.files), "bytes": s.size,
             "modified": s.modified.isoformat() if s.modified else None}
            for s in resolved
        ],
    )
    modified = [s.modified for s in resolved if s.modified]
    page.data_modified = max(modified).isoformat() if modified else None
    page.warnings.extend(stale_sources(report, resolved, now))
    started = time.perf_counter()
    if any(s.is_s3 for s in resolved):
        if cache is None:
            with tempfile.TemporaryDirectory(prefix="reportsite-s3-") as scratch:
                return run_report(report, site, resolved, downloads, now, Path(scratch), s3_wanted)
        resolved = fetch_s3_sources(report, resolved, cache, s3_wanted, page.notes)
        page.seconds["fetch"] = time.perf_counter() - started
    con = sandbox.connect([f.url for s in resolved for f in s.files], cache)
    problems: list[Problem] = []
    try:
        for source in resolved:
            try:
                sources.register(con, source)
            except SourceError as exc:
                problems.extend(report.problem(config.source_key(source.table), p.message) for p in exc.problems)
        if problems:
            raise SourceError(problems)
        sandbox.lock(con)
        session = query.Session(con, [s.table for s in resolved], site.query_timeout_seconds)
        page.seconds["register"] = time.perf_counter() - started
        mark = time.perf_counter()
        for outcome in checks.run_checks(session, report, now):
            if outcome.severity == "error":
                problems.append(outcome.problem)
            else:
                page.warnings.append(str(outcome.problem))
        page.seconds["checks"] = time.perf_counter() - mark
        mark = time.perf_counter()
        run = _ItemRunner(session, report, site, downloads, problems)
        page.metrics = run.metrics()
        page.charts = run.charts(page)
        page.tables = run.tables()
        page.rows_returned = run.rows
        page.seconds["queries"] = time.perf_counter() - mark
    finally:
        con.close()
    if problems:
        raise ReportError(problems)
    return page


class _ItemRunner:
    """Runs each metric, chart and table query of one report, collecting problems."""

    def __init__(self, session: query.Session, report: Report, site: SiteConfig, downloads: Path | None,
                 problems: list[Problem]) -> None:
        self.session, self.report, self.site = session, report, site
        self.downloads, self.problems = downloads, problems
        self.parameters = report.config.parameters
        self.rows = 0

    def _text(self, text: str | None) -> str | None:
        return with_parameters(text, self.parameters)

    def _fetch(self, ref: query.QueryRef, limit: int | None = None) -> Any:
        try:
            return self.session.fetch(ref, self.parameters, limit)
        except QueryError as exc:
            self.problems.extend(exc.problems)
            return None

    def _csv_path(self, name: str, index: int, kind: str) -> tuple[Path | None, str | None]:
        if self.downloads is None:
            return None, None
        relative = f"data/{self.report.slug}/{kind}-{index + 1}-{slugify(name)}.csv"
        return self.downloads / relative, relative

    def metrics(self) -> list[MetricCard]:
        cards = []
        for index, metric in enumerate(self.report.config.metrics):
            ref = query.QueryRef(self.report, ("metrics", index, "query"), f"metric '{metric.name}'")
            table = self._fetch(ref, limit=1)
            if table is None:
                continue
            names = table.column_names
            if "value" not in names:
                self.problems.append(query.locate(ref, f"{ref.label}: the query must return a column named "
                                                       f"'value' (columns: {', '.join(names)}); add 'AS value'"))
                continue
            if table.num_rows != 1:
                self.problems.append(query.locate(ref, f"{ref.label}: the query must return exactly one row "
                                                       f"(it returned {'none' if table.num_rows == 0 else 'more'})"))
                continue
            row = table.slice(0, 1).to_pylist()[0]
            value = charts.json_value(row["value"])
            previous = charts.json_value(row.get("previous"))
            change = None
            if isinstance(value, int | float) and isinstance(previous, int | float) and previous:
                change = (value - previous) / abs(previous) * 100
            self.rows += 1
            cards.append(MetricCard(self._text(metric.name) or metric.name, value, previous, change, metric.format,
                                    self._text(metric.description)))
        return cards

    def charts(self, page: ReportPage) -> list[ChartBlock]:
        blocks = []
        limit = self.site.max_chart_rows
        for index, chart in enumerate(self.report.config.charts):
            ref = query.QueryRef(self.report, ("charts", index, "query"), f"chart '{chart.name}'")
            table = self._fetch(ref, limit=limit)
            if table is None:
                continue
            if not self._columns_ok(chart, index, table.column_names):
                continue
            if table.num_rows > limit:
                self.problems.append(query.locate(ref, (
                    f"{ref.label}: the query returns more than {limit} rows, too many for one chart; aggregate "
                    "in SQL (e.g. GROUP BY date_trunc('month', date)) or raise max_chart_rows in site_src/site.yaml"
                )))
                continue
            self.rows += table.num_rows
            spec = charts.vega_lite(chart, table, self.site.currency, self._text(chart.params.title or chart.name))
            path, relative = self._csv_path(chart.name, index, "chart")
            if path is not None:
                _write_csv(table, path)
            blocks.append(ChartBlock(f"chart-{index + 1}", self._text(chart.name) or "", chart.type, spec,
                                     table.num_rows, self._text(chart.description), chart.width, relative))
        return blocks

    def _columns_ok(self, chart: Any, index: int, names: list[str]) -> bool:
        ok = True
        for key in ("x", "y", "color"):
            column = getattr(chart.params, key)
            if column and column not in names:
                message = (f"column '{column}' is not in the query result{did_you_mean(column, names)} "
                           f"(columns: {', '.join(names)})")
                self.problems.append(self.report.problem(("charts", index, "params", key), message))
                ok = False
        return ok

    def tables(self) -> list[TableBlock]:
        import pyarrow as pa

        blocks = []
        for index, spec in enumerate(self.report.config.tables):
            ref = query.QueryRef(self.report, ("tables", index, "query"), f"table '{spec.name}'")
            try:
                path, relative = self._csv_path(spec.name, index, "table")
                shown, total = _stream_table(self.session.stream(ref, self.parameters), spec.max_rows, path)
            except QueryError as exc:
                self.problems.extend(exc.problems)
                continue
            self.rows += total
            numeric = [pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
                       for f in shown.schema]
            data = shown.to_pydict()
            rows = [[charts.json_value(data[c][i]) for c in shown.column_names] for i in range(shown.num_rows)]
            blocks.append(TableBlock(f"table-{index + 1}", self._text(spec.name) or "", shown.column_names, numeric,
                                     rows, total, self._text(spec.description), relative))
        return blocks


def _stream_table(results: Iterator[Any], keep: int, csv_path: Path | None) -> tuple[Any, int]:
    """Stream a table's rows once: the first ``keep`` for the page, all of them to the CSV download.

    ``results`` yields the result's schema, then its record batches (``query.Session.stream``).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    batches, kept, total = [], 0, 0
    writer = None
    schema = next(results)
    try:
        for batch in results:
            if csv_path is not None:
                text = csv_ready(batch)
                if writer is None:
                    csv_path.parent.mkdir(parents=True, exist_ok=True)
                    writer = pacsv.CSVWriter(str(csv_path), text.schema)
                writer.write_batch(text)
            if kept < keep:
                part = batch.slice(0, keep - kept)
                batches.append(part)
                kept += part.num_rows
            total += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    if csv_path is not None and writer is None:
        _write_csv(pa.table({n: [] for n in schema.names}), csv_path)
    return pa.Table.from_batches(batches, schema=schema), total


def _write_csv(table: Any, path: Path) -> None:
    import pyarrow.csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(csv_ready(table), str(path))


def _csv_native(arrow_type: Any) -> bool:
    import pyarrow as pa

    t = pa.types
    return bool(t.is_integer(arrow_type) or t.is_floating(arrow_type) or t.is_decimal(arrow_type)
                or t.is_string(arrow_type) or t.is_large_string(arrow_type) or t.is_boolean(arrow_type)
                or t.is_date(arrow_type) or t.is_timestamp(arrow_type) or t.is_null(arrow_type))


def _as_text(value: Any) -> str | None:
    import json

    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    from .charts import json_value

    value = json_value(value)
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def csv_ready(data: Any) -> Any:
    """The batch or table with columns the CSV writer cannot write (lists, structs, maps, blobs, UUIDs,
    intervals, times) turned into text, e.g. a list as JSON."""
    import pyarrow as pa

    if all(_csv_native(f.type) for f in data.schema):
        return data
    arrays = [column if _csv_native(field.type) else pa.array([_as_text(v) for v in column.to_pylist()],
                                                               pa.string())
              for field, column in zip(data.schema, data.columns, strict=True)]
    kind = pa.RecordBatch if isinstance(data, pa.RecordBatch) else pa.Table
    return kind.from_arrays(arrays, names=data.schema.names)
