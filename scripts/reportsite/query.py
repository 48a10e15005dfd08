"""Run report SQL on DuckDB with bound parameters; map failures to located one-line messages.

A failing query is reported at the exact source position of the offending SQL
token: inside the report's YAML (also inside a ``query: |`` block) or inside the
``.sql`` file the query names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .config import Report
from .errors import Problem, QueryError, did_you_mean, one_line
from .yamlsrc import format_path, shorten

PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
LINE_MARK = re.compile(r"LINE (\d+): ([^\n]*)\n( *)\^")
MASKED = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.S)
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


def mask(sql: str) -> str:
    """The SQL with string literals and comments blanked out (same length, so offsets still match)."""
    return MASKED.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), sql)


def bound_parameters(sql: str, parameters: Mapping[str, Any], ref: QueryRef) -> dict[str, Any]:
    """The parameters a query mentions as ``$name``; each unknown name is a problem at its position."""
    found = list(PLACEHOLDER.finditer(mask(sql)))
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


def sql_position(sql: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset`` in ``sql``."""
    line = sql.count("\n", 0, offset) + 1
    return line, offset - (sql.rfind("\n", 0, offset) + 1) + 1


def position_note(sql: str, offset: int | None) -> str:
    """`` (SQL line 4, column 8)`` for an offset, else an empty string."""
    if offset is None:
        return ""
    line, column = sql_position(sql, offset)
    return f" (SQL line {line}, column {column})"


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
    text = str(exc)
    sql = ref.sql
    head = text.split("\n\nLINE ", 1)[0].strip()
    offset = _caret_offset(text, sql)
    stream = STREAM_FAILED.search(head)
    if stream:
        return locate(ref, f"{ref.label}: {read_failure(ref, stream.group(1), stream.group(2))}")
    message, spot = _explain(type(exc).__name__, head, sql, tables)
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
    from .sqlpolicy import READ_ONLY, SOURCES_ONLY

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
    from .sources import read_detail

    written = ref.report.config.tables_by_name().get(table)
    source = f"data source '{written}' (table '{table}')" if written else f"table '{table}'"
    return f"reading {source} failed: {read_detail(detail)}"


def _statement(sql: str) -> str:
    """The SQL to send: trailing space and semicolons removed; leading lines kept so positions match."""
    return sql.rstrip().rstrip(";").rstrip()


@dataclass
class Session:
    """A report's locked connection (``sandbox``), its table names, and the time limit for each query.

    ``reopen`` makes a fresh locked connection over the same tables with a lower memory footprint
    (see ``memory``): a query that runs out of memory is run once more on it, and the session keeps
    using it for the rest of the report.
    """

    con: Any
    tables: list[str]
    timeout: float | None = None
    reopen: Callable[[], Any] | None = None
    low_footprint: bool = False
    retried: list[str] = field(default_factory=list)  # labels of queries retried after running out of memory
    count: int = 0  # statements run
    reviewed: dict[str, list[Any]] = field(default_factory=dict)  # SQL text → its refusals (a for_each report
    # runs the same SQL once per page)

    def fetch(self, ref: QueryRef, parameters: Mapping[str, Any], limit: int | None = None) -> Any:
        """The query's result as an Arrow table (at most ``limit + 1`` rows when a limit is given)."""
        def run() -> Any:
            relation = self._relation(ref, parameters)
            if limit is not None:
                relation = relation.limit(limit + 1)
            return relation.to_arrow_table()

        return self._twice(ref, run)

    def stream(self, ref: QueryRef, parameters: Mapping[str, Any], batch_rows: int = 65536) -> Iterator[Any]:
        """The query's result as Arrow record batches (for CSV downloads of large tables); the first item
        is the result's schema. A failure before the first batch is retried with a lower footprint."""
        def run() -> tuple[Any, Any]:
            reader = self._relation(ref, parameters).to_arrow_reader(batch_rows)
            try:
                return reader, reader.read_next_batch()
            except StopIteration:
                return reader, None

        reader, first = self._twice(ref, run)
        yield reader.schema
        if first is not None:
            yield first
        with self._guard(ref):
            yield from reader

    def _twice(self, ref: QueryRef, run: Callable[[], Any]) -> Any:
        """``run()`` under the guard; once more on the low-footprint connection if it ran out of memory."""
        try:
            with self._guard(ref):
                return run()
        except _RetryLowFootprint:
            with self._guard(ref):
                return run()

    def switch_to_low_footprint(self, exc: BaseException) -> bool:
        """After an out-of-memory error: move to a low-footprint connection (True), unless already on one."""
        from . import memory

        if self.reopen is None or self.low_footprint or not memory.is_out_of_memory(exc):
            return False
        old, self.con = self.con, self.reopen()
        self.low_footprint = True
        old.close()
        return True

    def close(self) -> None:
        self.con.close()

    def _relation(self, ref: QueryRef, parameters: Mapping[str, Any]) -> Any:
        from .sqlpolicy import review

        sql = _statement(ref.sql)
        if sql not in self.reviewed:
            self.reviewed[sql] = review(sql, ref.report.config.tables_by_name())
        refusals = self.reviewed[sql]  # config refused these already: the same
        if refusals:                                                    # check guards every caller
            raise QueryError([locate(ref, f"{ref.label}: {r.message}{position_note(sql, r.offset)}", offset=r.offset)
                              for r in refusals])
        params = bound_parameters(sql, parameters, ref)
        self.count += 1
        return self.con.sql(sql, params=params or None)

    @contextmanager
    def _guard(self, ref: QueryRef) -> Iterator[None]:
        """Run under the time limit; every failure becomes one located QueryError (or a retry, once, when
        the query ran out of memory)."""
        import duckdb

        from . import memory
        from .sandbox import time_limit

        with time_limit(self.con, self.timeout) as limit:
            try:
                yield
            except QueryError:
                raise
            except Exception as exc:
                if limit.expired:
                    raise QueryError(locate(ref, timeout_message(ref.label, limit.seconds))) from None
                if isinstance(exc, duckdb.Error) and memory.is_out_of_memory(exc):
                    if self.switch_to_low_footprint(exc):
                        self.retried.append(ref.label)
                        raise _RetryLowFootprint from None
                    raise QueryError(locate(ref, memory.out_of_memory_message(ref.label, memory.memory_limit()))
                                     ) from None
                if isinstance(exc, duckdb.Error):
                    raise QueryError(describe_duckdb_error(exc, ref, self.tables)) from None
                # an unexpected reader failure, named with its source
                raise QueryError(locate(ref, f"{ref.label}: {_read_error(ref, exc)}")) from None


class _RetryLowFootprint(Exception):
    """The query ran out of memory and the session moved to a low-footprint connection: run it again."""


def timeout_message(label: str, seconds: float) -> str:
    """'chart 'x': stopped after 120 s …' for a query or check the time limit interrupted."""
    return (f"{label}: stopped after {seconds:g} s, the limit for one query (query_timeout_seconds in "
            "site_src/site.yaml); aggregate or filter earlier in the SQL, or raise the limit")


def _read_error(ref: QueryRef, exc: Exception) -> str:
    """One line for an error raised while reading a source, naming the report's S3 sources."""
    from .sources import read_detail

    urls = [u for u in ref.report.config.tables_by_name().values() if u.startswith("s3://")]
    named = f" from {', '.join(urls)}" if urls else ""
    return f"reading the data{named} failed: {type(exc).__name__}: {read_detail(exc)}"
