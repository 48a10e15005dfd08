"""What report SQL may do, checked before anything runs: one read-only statement over the report's tables.

A report's queries may read the tables its data sources define, and compute with them. Refused, each
with a located message: more than one statement; anything but a query (COPY, EXPORT, ATTACH, INSTALL,
LOAD, SET, PRAGMA, CALL, CREATE …); table functions that read files or run other SQL (``read_text``,
``read_csv('…')``, ``glob``, ``query`` …); a file, http(s) or s3:// path used as a table; ``getenv``.
The locked connection (``sandbox``) stops the same things at run time; this module says so earlier,
at the offending token, in words an analyst can act on.

Functions that tell about the build machine rather than the data (``current_setting`` shows its folders,
memory and cores, ``getenv`` its secrets, ``version`` its software) are refused too: what a query returns is
published. A table named with a dot (``FROM customers.parquet``, ``FROM other.schema_table``) is refused
unless it is one of the report's tables; a path-like name is never taken for a CTE (a CTE of that name
may be defined in another scope, where DuckDB would read the file instead). DuckDB's dynamic PIVOT (no
``IN`` list) is reviewed as the static PIVOT it becomes (``pivots``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from reportsite.config.project import Report
from reportsite.errors import ConfigError, Problem
from reportsite.query import pivots, sandbox
from reportsite.query.located import QueryRef, locate
from reportsite.query.sqltext import READ_ONLY, SOURCES_ONLY, mask, position_note

# Table functions that only compute: everything else (file readers, query(), catalog and settings
# functions) is refused.
COMPUTING_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest", "json_each", "json_tree"})
FILE_READERS = frozenset({"glob", "sniff_csv", "read_csv", "read_csv_auto", "read_parquet", "parquet_scan",
                          "read_json", "read_json_auto", "read_ndjson", "read_text", "read_blob"})
MACHINE = "it shows the build machine, not the data"
REFUSED_SCALARS = {
    "getenv": "reading environment variables (getenv) is not allowed",
    "current_setting": f"current_setting() is not allowed ({MACHINE}: its folders, memory and settings)",
    "getvariable": f"getvariable() is not allowed ({MACHINE})",
    "version": f"version() is not allowed ({MACHINE}: its software)",
}
CATALOG_VIEWS = frozenset({"information_schema", "pg_catalog"})
UNKNOWN_LOCATION = 2**64 - 1
PATH_LIKE = re.compile(r"[/\\.:~]")
KEYWORD = re.compile(r"[\s(]*([A-Za-z]+)")
DATA_FILE = re.compile(r"\.(parquet|parq|pq|csv|tsv|json|ndjson|jsonl|gz|zst|xlsx)$")


@dataclass(frozen=True)
class Refusal:
    """Why a query may not run, and where in its text (a character offset), when known."""

    message: str
    offset: int | None = None


_PARSER_LOCK = threading.Lock()
_parser: Any = None


def _parser_call(sql: str, argument: str) -> Any:
    """One call of a DuckDB parser function on a locked connection of its own (no table is read)."""
    global _parser
    with _PARSER_LOCK:
        if _parser is None:
            _parser = sandbox.connect([])
            sandbox.lock(_parser)
        return _parser.execute(sql, [argument]).fetchall()[0][0]


def parse(sql: str) -> dict[str, Any]:
    """DuckDB's syntax tree of a SELECT as JSON."""
    tree: dict[str, Any] = json.loads(_parser_call("SELECT json_serialize_sql(?::VARCHAR)", sql))
    return tree


def unparse(tree: dict[str, Any]) -> str:
    """SQL text for a syntax tree of ``parse`` (DuckDB's own writer: ``json_deserialize_sql``)."""
    return str(_parser_call("SELECT json_deserialize_sql(?::JSON)", json.dumps(tree)))


def review(sql: str, tables: Mapping[str, str]) -> list[Refusal]:
    """Every reason ``sql`` may not run; ``tables`` maps the report's table names to their sources as written.

    SQL that does not parse is left to DuckDB, whose syntax error is reported, located, when it runs
    (on the locked connection).
    """
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return []
    if len(statements) > 1:
        second = _statement_starts(sql)[1:2]
        return [Refusal(f"{READ_ONLY}; this one has {len(statements)} statements (remove the ';' and what "
                        "follows it)", second[0] if second else None)]
    if not statements:
        return []
    start = _statement_starts(sql)[0]
    keyword = KEYWORD.match(_masked(sql), start)
    word = keyword.group(1).upper() if keyword else "this"
    spot = keyword.start(1) if keyword else start
    if statements[0].type == duckdb.StatementType.MULTI and pivots.insertions(sql):
        return _dynamic_pivot(sql, tables, spot)
    if statements[0].type != duckdb.StatementType.SELECT:
        return [Refusal(f"{word} is not allowed: {READ_ONLY}", spot)]
    tree = parse(sql)
    if tree.get("error"):
        if tree.get("error_type") == "parser":
            return []
        return [Refusal(f"this statement cannot be checked ({tree.get('error_message')}): {READ_ONLY}", spot)]
    return _refusals(tree, sql, tables)


def _dynamic_pivot(sql: str, tables: Mapping[str, str], spot: int) -> list[Refusal]:
    """A statement with a dynamic PIVOT, reviewed as the static one it becomes (see ``pivots``)."""
    import duckdb

    static, points = pivots.static_text(sql)
    try:
        statements = duckdb.extract_statements(static)
    except duckdb.Error:
        statements = []
    tree = parse(static) if len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT else {}
    if not tree or tree.get("error"):
        return [Refusal("this PIVOT cannot be checked: list the values it makes columns of (ON col IN ('a', "
                        f"'b') USING …); {READ_ONLY}", spot)]
    found = [Refusal(r.message, pivots.original_offset(r.offset, points)) for r in _refusals(tree, static, tables)]
    for start, query in pivots.subqueries(sql):  # ON col IN (SELECT …): the values' query, on its own
        found += [Refusal(r.message, None if r.offset is None else start + r.offset) for r in review(query, tables)]
    return found


def _masked(sql: str) -> str:
    return mask(sql)


def _statement_starts(sql: str) -> list[int]:
    """Offsets where each statement's text starts (after a top-level ';' outside strings and comments)."""
    masked = _masked(sql)
    starts, at = [], 0
    for piece in masked.split(";"):
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            starts.append(at + lead)
        at += len(piece) + 1
    return starts or [0]


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in the syntax tree, parents before children."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def _refusals(tree: dict[str, Any], sql: str, tables: Mapping[str, str]) -> list[Refusal]:
    nodes = list(_nodes(tree))
    ctes = {str(item.get("key", "")).lower() for node in nodes if isinstance(node.get("cte_map"), dict)
            for item in node["cte_map"].get("map", [])}
    own = {t.lower() for t in tables}
    known = own | {c for c in ctes if not PATH_LIKE.search(c)}  # a CTE named like a path is never one
    found: list[Refusal] = []
    for node in nodes:
        refusal = None
        if node.get("type") == "TABLE_FUNCTION" and isinstance(node.get("function"), dict):
            refusal = _table_function(node, tables)
        elif node.get("type") == "BASE_TABLE":
            refusal = _qualified_table(node, own, tables) or _path_as_table(node, known, tables)
        elif node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in REFUSED_SCALARS:
            refusal = Refusal(f"{REFUSED_SCALARS[str(node['function_name']).lower()]}: {SOURCES_ONLY}",
                              _location(node))
        if refusal is not None:
            found.append(Refusal(refusal.message, characters(sql, refusal.offset)))
    return found


def _table_function(node: dict[str, Any], tables: Mapping[str, str]) -> Refusal | None:
    function = node["function"]
    name = str(function.get("function_name", "")).lower()
    if name in COMPUTING_TABLE_FUNCTIONS and not function.get("schema"):
        return None
    where = _location(node)
    path = _first_text(function.get("arguments") or [])
    if _reads_files(name) and path is not None:
        hint = _table_hint(path, tables) if name != "glob" else ""
        return Refusal(f"reading '{path}' is not allowed: {SOURCES_ONLY}{hint}", where)
    if _reads_files(name):
        return Refusal(f"reading files with {name}() is not allowed: {SOURCES_ONLY}{_tables_note(tables)}", where)
    return Refusal(f"the table function {name}() is not allowed: {SOURCES_ONLY}{_tables_note(tables)}", where)


def _reads_files(name: str) -> bool:
    return name in FILE_READERS or name.startswith(("read_", "parquet_")) or name.endswith("_scan")


def _path_as_table(node: dict[str, Any], known: set[str], tables: Mapping[str, str]) -> Refusal | None:
    """``FROM 'secrets.csv'`` or ``FROM 'https://…'``: DuckDB would read the file by its name."""
    name = str(node.get("table_name", ""))
    if node.get("schema_name") or node.get("catalog_name") or name.lower() in known or not PATH_LIKE.search(name):
        return None
    return Refusal(f"reading '{name}' is not allowed: {SOURCES_ONLY}{_table_hint(name, tables)}", _location(node))


def _qualified_table(node: dict[str, Any], own: set[str], tables: Mapping[str, str]) -> Refusal | None:
    """``FROM customers.parquet`` (an unquoted file name reads as schema.table) or ``FROM other.t``: only the
    report's own tables may be named with a schema (``main.sales``)."""
    schema, catalog = str(node.get("schema_name") or ""), str(node.get("catalog_name") or "")
    if not schema and not catalog:
        return None
    name = str(node.get("table_name", ""))
    written = ".".join(part for part in (catalog, schema, name) if part)
    if name.lower() in own and schema.lower() in ("", "main") and catalog.lower() in ("", "memory"):
        return None
    if schema.lower() in CATALOG_VIEWS and not catalog and not DATA_FILE.search(written.lower()):
        return None  # the in-memory catalog's views: the report's own tables and columns
    if DATA_FILE.search(written.lower()):
        hint = _table_hint(written, tables)
        return Refusal(f"reading '{written}' is not allowed: {SOURCES_ONLY}{hint}", _location(node))
    return Refusal(f"'{written}' is not one of the report's tables: {SOURCES_ONLY}{_tables_note(tables)}",
                   _location(node))


def _first_text(arguments: list[Any]) -> str | None:
    """The first argument when it is a text constant (or a list of them): the path a reader would open."""
    if not arguments:
        return None
    expression = arguments[0].get("expression") if isinstance(arguments[0], dict) else None
    literal = expression.get("literal") if isinstance(expression, dict) else None
    if isinstance(literal, dict) and literal.get("kind") == "STRING":
        return str(literal.get("text"))
    if isinstance(expression, dict) and expression.get("function_name") == "list_value":
        return _first_text(expression.get("children") or expression.get("arguments") or [])
    return None


def _table_hint(path: str, tables: Mapping[str, str]) -> str:
    """'; query the table 'sales' instead' when the path names one of the report's own sources; for another
    data file, how to declare it."""
    leaf = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    for table, written in tables.items():
        if leaf and leaf == written.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower():
            return f"; query the table '{table}' instead"
    if DATA_FILE.search(leaf) and not re.match(r"https?://", path, re.I):
        return "; declare it under data_sources and query it by its table name"
    return ""


def _tables_note(tables: Mapping[str, str]) -> str:
    if not tables:
        return " (this report defines no tables: add data_source or data_sources)"
    return f" (its tables: {', '.join(tables)})"


def _location(node: dict[str, Any]) -> int | None:
    where = node.get("query_location")
    return where if isinstance(where, int) and where != UNKNOWN_LOCATION else None


def characters(sql: str, byte_offset: int | None) -> int | None:
    """DuckDB reports byte offsets into the UTF-8 text; positions in the YAML count characters."""
    if byte_offset is None:
        return None
    return len(sql.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))


def review_report(report: Report) -> list[Problem]:
    """Located problems for every metric, chart and table query of a report that may not run."""
    problems: list[Problem] = []
    tables = report.config.tables_by_name()
    for key, label in report.queries():
        ref = QueryRef(report, key, label)
        try:
            sql = ref.sql
        except OSError:
            continue  # a missing .sql file is reported by config
        for refusal in review(sql, tables):
            note = position_note(sql, refusal.offset)
            problems.append(locate(ref, f"{ref.label}: {refusal.message}{note}", offset=refusal.offset))
    return problems


def refused_sql(report: Report) -> ConfigError | None:
    """The report's queries that may not run (more than one statement, not read-only, reading beyond the data
    sources), as one located error; reviewed before any of a build's queries run."""
    problems = review_report(report)
    return ConfigError(problems) if problems else None


__all__ = ["READ_ONLY", "SOURCES_ONLY", "Refusal", "characters", "parse", "refused_sql", "review", "review_report",
           "unparse"]
