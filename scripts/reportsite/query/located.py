"""Which query of which report is running, and where its problems are: each failure as one located line.

A failing query is reported at the exact source position of the offending SQL token: inside the report's
YAML (also inside a ``query: |`` block) or inside the ``.sql`` file the query names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportsite.config.positions import format_path, shorten
from reportsite.config.project import Report
from reportsite.errors import Problem, QueryError, did_you_mean, one_line, read_detail
from reportsite.query.sqltext import READ_ONLY, SOURCES_ONLY, mask, position_note, sql_position
from reportsite.values.tokens import PARAMETER

LINE_MARK = re.compile(r"LINE (\d+): ([^\n]*)\n( *)\^")


STREAM_FAILED = re.compile(r"(?:exporting a stream from|reading the schema of) the object registered as "
                           r"'([^']+)' failed: (.*)", re.S)


MAX_DETAIL = 300


@dataclass(frozen=True)
class QueryRef:
    """Which query of which report is running, to locate its errors."""

    report: Report
    path: tuple[str | int, ...]  # e.g. ("charts", 0, "query")
    label: str  # e.g. "chart 'Sales Evolution'"

    @property
    def sql(self) -> str:
        """The SQL text as written: the YAML value, or the .sql file it names."""
        item = self.report.config
        node: Any = item
        for part in self.path:
            node = node[part] if isinstance(part, int) else getattr(node, part)
        return self.report.query_text(self.path, str(node))


def bound_parameters(sql: str, parameters: Mapping[str, Any], ref: QueryRef) -> dict[str, Any]:
    """The parameters a query mentions as ``$name``; each unknown name is a problem at its position."""
    found = list(PARAMETER.finditer(mask(sql)))
    problems = []
    for match in found:
        name = match.group(1)
        if name not in parameters:
            hint = did_you_mean(name, parameters)
            problems.append(locate(ref, f"{ref.label}: parameter '${name}' is not defined{hint}; add it under "
                                        f"'parameters:' in the report{position_note(sql, match.start())}",
                                   offset=match.start()))
    if problems:
        raise QueryError(problems)
    return {m.group(1): parameters[m.group(1)] for m in found}


def locate(ref: QueryRef, message: str, sql_line: int = 1, offset: int | None = None) -> Problem:
    """A Problem at a position in the query: ``offset`` (a character of the SQL) or ``sql_line``.

    With neither, the problem points at the query's key in the YAML. With a position, it points
    at the SQL itself: its line and column in the YAML (also inside a block scalar) or in the
    .sql file the query names.
    """
    report = ref.report
    key = format_path(ref.path)
    if offset is None and sql_line > 1:
        lines = ref.sql.split("\n")
        offset = sum(len(line) + 1 for line in lines[: min(sql_line, len(lines)) - 1])
    if offset is None:
        return report.source.problem(ref.path, message)
    sql_file = report.sql_files.get(ref.path)
    if sql_file is not None:
        root = report.path.parent.parent
        display = str(sql_file.relative_to(root)) if sql_file.is_relative_to(root) else str(sql_file)
        line, column = sql_position(ref.sql, offset)
        return Problem(message, file=display, line=line, column=column, key=key)
    position = report.source.value_position(ref.path, offset)
    if position is not None:
        return Problem(message, file=report.display, line=position[0], column=position[1], key=key)
    return Problem(message, file=report.display, key=key,
                   line=report.source.value_line(ref.path, sql_position(ref.sql, offset)[0]))


def _caret_offset(text: str, sql: str) -> int | None:
    """Offset in ``sql`` of the token DuckDB underlines with ``^`` in its error text."""
    found = LINE_MARK.search(text)
    if not found:
        return None
    reported = int(found.group(1)) - 1
    shown = found.group(2)
    caret = len(found.group(3)) - len(f"LINE {found.group(1)}: ")
    if shown.startswith("..."):
        shown, caret = shown[3:], caret - 3
    shown = shown.removesuffix("...")
    lines = sql.split("\n")
    matches = [i for i, line in enumerate(lines) if shown and shown in line]
    if matches:
        index = min(matches, key=lambda i: abs(i - reported))
        column = lines[index].index(shown) + max(caret, 0)
    elif 0 <= reported < len(lines):
        index, column = reported, min(max(caret, 0), len(lines[reported]))
    else:
        return None
    return sum(len(line) + 1 for line in lines[:index]) + column


def _name_offset(sql: str, name: str, before: str = "", after: str = "") -> int | None:
    """Offset of the identifier ``name`` in ``sql`` (outside strings and comments)."""
    masked = mask(sql)
    word = rf'(?<![\w$])"?{re.escape(name)}"?(?!\w)'
    for pattern in ([rf"(?:{before})\s+({word})"] if before else []) + [rf"({word}){after}", f"({word})"]:
        found = re.search(pattern, masked, re.I)
        if found:
            return found.start(1)
    return None


def _detail(head: str) -> str:
    """DuckDB's message without its 'X Error: ' prefix, on one short line."""
    text = one_line(re.sub(r"^[A-Za-z ]+ Error: ", "", head.strip())).rstrip(".!")
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def describe_duckdb_error(exc: Exception, ref: QueryRef, tables: list[str]) -> Problem:
    """One located line for a DuckDB error: syntax, unknown table or column, conversion, S3 read."""
    return describe_engine_error(str(exc), type(exc).__name__, ref, tables)


ERROR_KINDS = {"Parser Error": "ParserException", "Binder Error": "BinderException",
               "Catalog Error": "CatalogException", "Conversion Error": "ConversionException"}


def describe_engine_error(text: str, kind: str, ref: QueryRef, tables: list[str]) -> Problem:
    """One located line for an engine's error text (DuckDB's, here or on Athena); ``kind`` is DuckDB's exception
    name, worked out from the text's 'Parser Error: …' when empty."""
    if not kind:
        named = re.match(r"\s*([A-Za-z ]+ Error):", text)
        kind = ERROR_KINDS.get(named.group(1), "") if named else ""
    sql = ref.sql
    head = text.split("\n\nLINE ", 1)[0].strip()
    offset = _caret_offset(text, sql)
    stream = STREAM_FAILED.search(head)
    if stream:
        return locate(ref, f"{ref.label}: {read_failure(ref, stream.group(1), stream.group(2))}")
    message, spot = _explain(kind, head, sql, tables)
    offset = spot if offset is None else offset
    return locate(ref, f"{ref.label}: {message}{position_note(sql, offset)}", offset=offset)


Explained = tuple[str, int | None]  # (message, offset of the offending name when DuckDB gave no position)


def _explain(kind_name: str, head: str, sql: str, tables: list[str]) -> Explained:
    """The message for a DuckDB error, and where in the SQL the name it complains about is."""
    for explain in (_refused, _unknown_table, _unknown_column, _unknown_function, _not_grouped):
        found = explain(head, sql, tables)
        if found is not None:
            return found
    if kind_name == "ParserException":
        return _syntax_error(head, sql)
    named = re.search(r'(?:column|table|named) "([^"]+)"', head)
    return f"SQL error: {_detail(head.split(chr(10))[0])}", _name_offset(sql, named.group(1)) if named else None


def _refused(head: str, sql: str, tables: list[str]) -> Explained | None:
    """What the locked connection stopped (sqlpolicy refuses most of it before anything runs)."""
    path = re.search(r'Cannot access (?:file|directory) "([^"]*)"', head)
    if path:
        return f"reading '{path.group(1)}' is not allowed: {SOURCES_ONLY}", _text_offset(sql, path.group(1))
    start = len(sql) - len(sql.lstrip())
    if "the configuration has been locked" in head:
        return f"changing DuckDB settings is not allowed: {READ_ONLY}", start
    if re.search(r"(?:external|extensions?) .*disabled", head, re.I):
        return f"loading extensions is not allowed: {READ_ONLY}", start
    return None


def _text_offset(sql: str, text: str) -> int | None:
    """Offset of the string literal ``'text'`` in ``sql``, if it is there."""
    found = sql.find(f"'{text}'")
    return found if found >= 0 else None


def _unknown_table(head: str, sql: str, tables: list[str]) -> Explained | None:
    """A table no data source defines: name the defined ones and where to add it."""
    table = re.search(r"Table with name (\S+) does not exist", head)
    if not table:
        return None
    name = table.group(1).strip('"')
    spot = _name_offset(sql, name, before="FROM|JOIN|,")
    name = shorten(name)
    if not tables:
        return f"table '{name}' is not defined: this report has no data_source or data_sources", spot
    return (f"table '{name}' is not defined by any data source{did_you_mean(name, tables)}; defined tables: "
            f"{', '.join(tables)}; add it under data_sources", spot)


def _unknown_column(head: str, sql: str, tables: list[str]) -> Explained | None:
    """A column none of the query's tables has, with the closest one DuckDB offers."""
    column = re.search(r'Referenced column "([^"]+)" not found in FROM clause', head)
    if not column:
        return None
    name = column.group(1)
    offered = re.findall(r'"[^"]+"(?:\."[^"]+")?', head.split("Candidate bindings:", 1)[-1])
    candidates = list(dict.fromkeys(c.split(".")[-1].strip('"') for c in offered))
    hint = did_you_mean(name, candidates) or (f" (columns: {', '.join(candidates)})" if candidates else "")
    return f"column '{shorten(name)}' is not in the tables this query reads{hint}", _name_offset(sql, name)


def _unknown_function(head: str, sql: str, tables: list[str]) -> Explained | None:
    """A function DuckDB does not know, with DuckDB's own suggestion."""
    function = re.search(r"Function with name (\S+) does not exist", head)
    if not function:
        return None
    name = function.group(1).strip('"')
    suggestion = re.search(r'Did you mean "([^"]+)"', head)
    hint = f" (did you mean '{suggestion.group(1)}'?)" if suggestion else ""
    return f"function '{shorten(name)}' does not exist{hint}", _name_offset(sql, name, after=r"\s*\(")


def _not_grouped(head: str, sql: str, tables: list[str]) -> Explained | None:
    """A selected column that is neither grouped nor aggregated."""
    grouping = re.search(r'column "([^"]+)" must appear in the GROUP BY clause', head)
    if not grouping:
        return None
    name = grouping.group(1)
    return (f"column '{shorten(name)}' must be in GROUP BY or inside an aggregate function (e.g. "
            f"ANY_VALUE({shorten(name)}))", _name_offset(sql, name))


def _syntax_error(head: str, sql: str) -> Explained:
    """'SQL syntax error near "BY"' (DuckDB's caret gives the position)."""
    near = re.search(r'syntax error at or near "(.*)"', head)
    if near:
        return f'SQL syntax error near "{shorten(near.group(1))}"', None
    if "at end of input" in head:
        return "SQL syntax error: the query ends too early (is something missing at the end?)", len(sql.rstrip())
    return f"SQL syntax error: {_detail(head)}", None


def read_failure(ref: QueryRef, table: str, detail: str) -> str:
    """'reading data source 's3://…' (table 'sales') failed: …' with the S3 noise removed."""
    written = ref.report.config.tables_by_name().get(table)
    source = f"data source '{written}' (table '{table}')" if written else f"table '{table}'"
    return f"reading {source} failed: {read_detail(detail)}"


def timeout_message(label: str, seconds: float) -> str:
    """'chart 'x': stopped after 120 s …' for a query or check the time limit interrupted."""
    return (f"{label}: stopped after {seconds:g} s, the limit for one query (query_timeout_seconds in "
            "site_src/site.yaml); aggregate or filter earlier in the SQL, or raise the limit")


def read_error(ref: QueryRef, exc: Exception) -> str:
    """One line for an error raised while reading a source, naming the report's S3 sources."""
    urls = [u for u in ref.report.config.tables_by_name().values() if u.startswith("s3://")]
    named = f" from {', '.join(urls)}" if urls else ""
    return f"reading the data{named} failed: {type(exc).__name__}: {read_detail(exc)}"


__all__ = ["QueryRef", "bound_parameters", "describe_duckdb_error", "describe_engine_error", "locate", "read_error",
           "read_failure", "timeout_message"]
