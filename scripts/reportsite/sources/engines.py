"""Which engine runs a report's SQL, and the session over it with the report's tables registered.

``engine`` in site.yaml (``duckdb``, the default, or ``athena``), overridden by a report's own ``engine``:

- **duckdb**: the report's sources are registered as views on a locked DuckDB (``kinds.register``; S3 sources
  were copied to local column files first) and a query that runs out of memory gets a low-footprint retry;
- **athena**: each source becomes what Athena's DuckDB engine reads for it (``relation``: ``read_parquet`` or
  ``read_csv`` of the listed S3 objects, or the Glue table) and nothing is copied to the build machine. A source
  Athena cannot read (a file on this machine, an Excel workbook, a Python loader) is refused, at its key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportsite.config.project import Report
from reportsite.config.site_models import SiteConfig
from reportsite.errors import Problem, ReportError, SourceError
from reportsite.query import sandbox
from reportsite.query.athena import AthenaEngine
from reportsite.query.athena_client import Settings, Submitter
from reportsite.query.engine import EngineError
from reportsite.query.session import Session
from reportsite.sources import glue, kinds, s3env
from reportsite.sources.model import Source

SITE_FILE = "site_src/site.yaml"


def engine_of(report: Report, site: SiteConfig) -> str:
    """``duckdb`` or ``athena``: the report's own ``engine``, else the site's."""
    return report.config.engine or site.engine


def athena_settings(report: Report, site: SiteConfig) -> Settings:
    """The report's Athena settings: site.yaml's ``athena`` with the report's keys over it."""
    merged: dict[str, Any] = {}
    for settings in (site.athena, report.config.athena):
        if settings is not None:
            merged.update({k: v for k, v in settings.model_dump().items() if v is not None})
    if not merged.get("workgroup"):
        raise ReportError(_settings_problem(report, "engine athena needs a workgroup whose engine is DuckDB: set "
                                                    "athena: {workgroup: …, output_location: s3://…} in "
                                                    "site_src/site.yaml or in this report"))
    return Settings(merged["workgroup"], merged.get("database"), merged.get("output_location"))


def _settings_problem(report: Report, message: str) -> Problem:
    """A problem with where the report runs: at its own athena or engine key, else at site.yaml's."""
    config = report.config
    if config.athena is not None or config.engine == "athena":
        return report.problem(("athena",) if config.athena is not None else ("engine",), message)
    return Problem(f"{message} (reports/{report.slug}.yaml runs on Athena)", file=SITE_FILE,
                   key="athena" if report.config.engine is None else "engine")


def relation(report: Report, source: Source) -> str:
    """What Athena reads for ``source``; SourceError when Athena cannot read it."""
    if source.format == "glue":
        database, table = glue.name_of(source.url)
        return f"{_quoted(database)}.{_quoted(table)}"
    spec = report.config.source_spec(source.table)
    kind = ("a Python loader's result" if spec.loader is not None else "an Excel workbook" if source.format == "xlsx"
            else "a file on the build machine" if not source.is_s3 else "")
    if kind:
        raise SourceError(f"data source '{source.written}' is {kind}, which Athena cannot read (engine: athena): "
                          "write it to S3 as Parquet or CSV and name its s3:// URL, or set engine: duckdb for this "
                          "report")
    listing = "[" + ", ".join("'" + f.url.replace("'", "''") + "'" for f in source.files) + "]"
    hive = str(source.hive).lower()
    if source.format == "parquet":
        return f"read_parquet({listing}, hive_partitioning = {hive}, union_by_name = true)"
    return f"read_csv({listing}, header = true, hive_partitioning = {hive})"


def open_session(report: Report, site: SiteConfig, resolved: list[Source], cache: Path | None) -> Session:
    """The report's session on its engine, every table registered; ReportError lists every source that failed."""
    if engine_of(report, site) == "athena":
        return _athena_session(report, site, resolved, cache)
    return _duckdb_session(report, site, resolved, cache)


def _duckdb_session(report: Report, site: SiteConfig, resolved: list[Source], cache: Path | None) -> Session:
    readable = [f.url for s in resolved for f in s.files if not s.is_s3]  # streamed S3 sources need no file
    con = sandbox.connect(readable, cache, site.timezone)
    problems: list[Problem] = []
    for source in resolved:
        try:
            kinds.register(con, source)  # a Glue table's kind refuses: only Athena reads it
        except SourceError as exc:
            problems.extend(report.problem(report.config.source_key(source.table), p.message) for p in exc.problems)
    if problems:
        con.close()
        raise ReportError(problems)
    sandbox.lock(con)

    def low_footprint() -> Any:
        """The same tables on a fresh connection with one thread and no insertion order (see memory)."""
        fresh = sandbox.connect(readable, cache, site.timezone, low_footprint=True)
        for source in resolved:
            kinds.register(fresh, source)
        sandbox.lock(fresh)
        return fresh

    return Session(con, [s.table for s in resolved], site.query_timeout_seconds, low_footprint)


def _athena_session(report: Report, site: SiteConfig, resolved: list[Source], cache: Path | None) -> Session:
    settings = athena_settings(report, site)
    problems: list[Problem] = []
    relations: dict[str, str] = {}
    for source in resolved:
        try:
            relations[source.table] = relation(report, source)
        except SourceError as exc:
            problems.extend(report.problem(report.config.source_key(source.table), p.message) for p in exc.problems)
    if problems:
        raise ReportError(problems)
    con = sandbox.connect([], cache, site.timezone)
    engine = AthenaEngine(Submitter(s3env.service_client("athena"), settings), s3env.client(), con,
                          site.query_timeout_seconds)
    for source in resolved:
        try:
            engine.register(source.table, relations[source.table])
        except EngineError as exc:
            if exc.plain:  # the workgroup, the credentials, the API: not this source's fault, and said once
                con.close()
                raise ReportError(_settings_problem(report, f"Athena workgroup '{settings.workgroup}': "
                                                            f"{exc.message}")) from None
            problems.append(report.problem(report.config.source_key(source.table),
                                           f"data source '{source.written}': Athena cannot read it: {exc.message}"))
    if problems:
        con.close()
        raise ReportError(problems)
    sandbox.lock(con)
    return Session(engine, [s.table for s in resolved])


def usage(session: Session) -> dict[str, int] | None:
    """What a report's queries used on Athena (None on DuckDB): queries submitted, bytes scanned, DPU-ms."""
    submitter = getattr(session.engine, "submitter", None)
    if submitter is None:
        return None
    return {"queries": submitter.submitted, "bytes_scanned": submitter.scanned, "dpu_ms": submitter.dpu_ms}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


__all__ = ["athena_settings", "engine_of", "open_session", "relation", "usage"]
