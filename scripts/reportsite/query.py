"""Run report SQL on DuckDB with bound parameters; map failures to located messages."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .config import Report
from .errors import Problem, QueryError, did_you_mean

PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
LINE_MARK = re.compile(r"\n\nLINE (\d+): (.*)\n( *)\^", re.S)


@dataclass(frozen=True)
class QueryRef:
    """Which query of which report is running, to locate its errors."""

    report: Report
    path: tuple[str | int, ...]  # e.g. ("charts", 0, "query")
    label: str  # e.g. "chart 'Sales Evolution'"

    @property
    def sql(self) -> str:
        item = self.report.config
        node: Any = item
        for part in self.path:
            node = node[part] if isinstance(part, int) else getattr(node, part)
        return self.report.query_text(self.path, str(node))


def connect() -> Any:
    import duckdb

    con = duckdb.connect(":memory:", config={"enable_external_access": True})
    return con


def bound_parameters(sql: str, parameters: Mapping[str, Any], ref: QueryRef) -> dict[str, Any]:
    """The parameters a query mentions as ``$name``; an unknown name is an error."""
    names = dict.fromkeys(PLACEHOLDER.findall(_strip_strings(sql)))
    missing = [n for n in names if n not in parameters]
    if missing:
        name = missing[0]
        hint = did_you_mean(name, parameters)
        raise QueryError(
            locate(ref, f"parameter '${name}' is not defined{hint}; add it under 'parameters:' in the report")
        )
    return {n: parameters[n] for n in names}


def _strip_strings(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def locate(ref: QueryRef, message: str, sql_line: int = 1) -> Problem:
    """A Problem at the query's position (its .sql file when it has one)."""
    report = ref.report
    sql_file = report.sql_files.get(ref.path)
    key = report.source.problem(ref.path, "").key
    if sql_file is not None:
        display = str(sql_file.relative_to(report.path.parent.parent)) if sql_file.is_relative_to(
            report.path.parent.parent) else str(sql_file)
        return Problem(message, file=display, line=sql_line, key=key)
    mark = report.source.mark(ref.path)
    line = report.source.value_line(ref.path, sql_line)
    return Problem(message, file=report.display, line=line or (mark.line if mark else None),
                   column=mark.column if (mark and sql_line == 1 and line == mark.line) else None, key=key)


def describe_duckdb_error(exc: Exception, ref: QueryRef, tables: list[str]) -> Problem:
    text = str(exc)
    sql_line, position = 1, ""
    found = LINE_MARK.search(text)
    if found:
        sql_line = int(found.group(1))
        column = len(found.group(3)) - len(f"LINE {found.group(1)}: ") + 1
        position = f" (SQL line {sql_line}, column {max(column, 1)})"
    head = text.split("\n\nLINE ", 1)[0].strip()
    kind_name = type(exc).__name__
    missing_table = re.search(r"Table with name (\S+) does not exist", head)
    if missing_table:
        name = missing_table.group(1).strip('"')
        defined = ", ".join(tables) or "none"
        message = (
            f"{ref.label}: table '{name}' is not defined{did_you_mean(name, tables)}; "
            f"this report defines: {defined}. Add it under data_sources"
        )
        return locate(ref, message + position, sql_line)
    head = re.sub(r"^[A-Za-z ]+ Error: ", "", head).replace("\n", " ")
    what = "SQL syntax error" if kind_name == "ParserException" else "SQL error"
    return locate(ref, f"{ref.label}: {what}: {head}{position}", sql_line)


def run(con: Any, ref: QueryRef, parameters: Mapping[str, Any], tables: list[str]) -> Any:
    """Run the query; return a DuckDB relation (lazy) or raise a located QueryError."""
    import duckdb

    sql = ref.sql.strip().rstrip(";")
    params = bound_parameters(sql, parameters, ref)
    try:
        return con.sql(sql, params=params or None)
    except duckdb.Error as exc:
        raise QueryError(describe_duckdb_error(exc, ref, tables)) from None


def fetch(relation: Any, ref: QueryRef, tables: list[str], limit: int | None = None) -> Any:
    """Materialise a relation as an Arrow table (at most ``limit + 1`` rows when a limit is given)."""
    import duckdb

    try:
        if limit is not None:
            relation = relation.limit(limit + 1)
        return relation.to_arrow_table()
    except duckdb.Error as exc:
        raise QueryError(describe_duckdb_error(exc, ref, tables)) from None
    except Exception as exc:  # errors raised while Polars reads an S3 source
        raise QueryError(locate(ref, f"{ref.label}: reading the data failed: {_first_line(exc)}")) from None


def stream(relation: Any, ref: QueryRef, tables: list[str], batch_rows: int = 65536) -> Iterator[Any]:
    """Stream a relation as Arrow record batches (for CSV downloads of large tables)."""
    import duckdb

    try:
        reader = relation.to_arrow_reader(batch_rows)
        yield from reader
    except duckdb.Error as exc:
        raise QueryError(describe_duckdb_error(exc, ref, tables)) from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
