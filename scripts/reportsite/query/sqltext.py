"""Report SQL as text: strings and comments masked, positions as lines and columns, the statement to send,
and the two rules every refusal quotes."""

from __future__ import annotations

import re

SOURCES_ONLY = "a query can read only the report's data sources"
READ_ONLY = "a query must be one read-only SELECT (or WITH … SELECT, VALUES, FROM …)"


MASKED = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.S)


def mask(sql: str) -> str:
    """The SQL with string literals and comments blanked out (same length, so offsets still match)."""
    return MASKED.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), sql)


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


def statement(sql: str) -> str:
    """The SQL to send: trailing space and semicolons removed; leading lines kept so positions match."""
    return sql.rstrip().rstrip(";").rstrip()


__all__ = ["MASKED", "READ_ONLY", "SOURCES_ONLY", "mask", "position_note", "sql_position", "statement"]
