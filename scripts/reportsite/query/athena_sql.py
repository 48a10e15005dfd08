"""The text Athena runs: a report query as written, with the report's tables and parameters made Athena's.

- **Tables.** A report names its tables (``FROM sales``); on Athena each is a common table expression put in
  front of the query, ``"sales" AS NOT MATERIALIZED (SELECT * FROM read_parquet([...]))`` for S3 objects or
  ``(SELECT * FROM "db"."orders")`` for a Glue table, inserted after the query's own ``WITH`` when it has one.
  The query's text is otherwise sent as written, so the engine's error positions still point into it.
- **Parameters.** Athena binds positional ``?`` parameters from ``ExecutionParameters``, each a single constant
  (``'east'``, ``DATE '2026-10-01'``): every ``$name`` becomes ``?`` and its value such a constant
  (``literal``), proven on the local DuckDB to read back as the bound value (``prove``).
- **One pass.** The values table of a one-pass statement (``batch``) is a ``VALUES`` list in a common table
  expression of the same statement, its literals proven the same way; a values table too long for one statement
  (Athena takes at most 256 KB of text) is sent in as few statements as fit (``chunks``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reportsite.query import batch
from reportsite.query.engine import EngineError
from reportsite.query.sqltext import mask
from reportsite.values.tokens import PARAMETER

MAX_TEXT = 262_144  # StartQueryExecution's QueryString limit, in bytes
HEADROOM = 4_096  # kept free for the parameters' and tables' part of a chunked one-pass statement
WITH = re.compile(r"\s*WITH(\s+RECURSIVE)?\b", re.I)


def literal(value: Any) -> str:
    """``value`` as one SQL constant of the DuckDB type it is bound as (``batch.value_type``)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value) if math.isfinite(value) else {"inf": "Infinity", "-inf": "-Infinity"}.get(repr(value),
                                                                                                      "NaN")
        return f"DOUBLE '{text}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, decimal.Decimal):
        found = batch.value_type(value)
        if found is None:
            raise EngineError(f"the value {value} cannot be sent to Athena as a DECIMAL", plain=True)
        return f"{found[0]} '{format(value, 'f')}'"
    if isinstance(value, dt.datetime):
        kind = "TIMESTAMP" if value.tzinfo is None else "TIMESTAMPTZ"
        return f"{kind} '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, dt.time):
        return f"TIME '{value.isoformat()}'"
    if isinstance(value, bytes):
        return "BLOB '" + "".join(f"\\x{b:02X}" for b in value) + "'"
    raise EngineError(f"a value of type {type(value).__name__} cannot be sent to Athena", plain=True)


def positional(sql: str, params: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """``sql`` with every ``$name`` (outside strings and comments) as ``?``, and the values in their order."""
    values: list[Any] = []
    pieces: list[str] = []
    last = 0
    for match in PARAMETER.finditer(mask(sql)):
        name = match.group(1)
        if params is None or name not in params:
            raise EngineError(f"parameter ${name} has no value", plain=True)
        pieces += [sql[last:match.start()], "?"]
        values.append(params[name])
        last = match.end()
    return "".join([*pieces, sql[last:]]), values


def prove(con: Any, literals: Sequence[str], values: Sequence[Any]) -> None:
    """Every literal read back on the local DuckDB as its value (else nothing is sent)."""
    if not literals:
        return
    for start in range(0, len(literals), 500):
        part = literals[start:start + 500]
        got = con.sql("SELECT " + ", ".join(part)).fetchall()[0]
        for text, back, value in zip(part, got, values[start:start + 500], strict=True):
            if not _same(back, value):
                raise EngineError(f"the value {value!r} does not read back the same in Athena's SQL ({text})",
                                  plain=True)


def _same(back: Any, value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return isinstance(back, float) and math.isnan(back)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:  # the same instant (a wall time in a zone's
        return isinstance(back, dt.datetime) and back.tzinfo is not None and back.timestamp() == value.timestamp()
        # repeated hour never compares equal across zones)
    return type(back) is type(value) and bool(back == value)  # 1.5 reads back as a DECIMAL: not the same


def with_tables(sql: str, tables: Mapping[str, str], extra: Sequence[str] = ()) -> str:
    """``sql`` with each report table (name → the SQL it reads) and ``extra`` common table expressions in front."""
    parts = [f"{batch.quoted(name)} AS NOT MATERIALIZED (SELECT * FROM {relation})"
             for name, relation in tables.items()] + list(extra)
    if not parts:
        return sql
    found = WITH.match(mask(sql))
    if found:
        return f"{sql[:found.end()]} {', '.join(parts)},{sql[found.end():]}"
    return f"WITH {', '.join(parts)}\n{sql}"


def values_cte(values: Any) -> tuple[str, list[str], list[Any]]:
    """The one-pass values table as a common table expression; also its literals and values (to ``prove``)."""
    names = list(values.column_names)
    columns = values.to_pydict()
    kinds = [batch.value_type(columns[name][0])[0] if values.num_rows else "INTEGER"  # type: ignore[index]
             for name in names]
    literals: list[str] = []
    flat: list[Any] = []
    rows = []
    for row in range(values.num_rows):
        cells = [literal(columns[name][row]) for name in names]
        literals += cells
        flat += [columns[name][row] for name in names]
        rows.append("(" + ", ".join(cells) + ")")
    casts = ", ".join(f"CAST(v{i} AS {kind}) AS {batch.quoted(name)}"
                      for i, (name, kind) in enumerate(zip(names, kinds, strict=True)))
    aliases = ", ".join(f"v{i}" for i in range(len(names)))
    empty = ", ".join(f"CAST(NULL AS {k}) AS {batch.quoted(n)}" for n, k in zip(names, kinds, strict=True))
    body = f"SELECT {casts} FROM (VALUES {', '.join(rows)}) AS v({aliases})" if rows else f"SELECT {empty} LIMIT 0"
    return f"{batch.quoted(batch.VALUES)} AS NOT MATERIALIZED ({body})", literals, flat


def chunks(values: Any, room: int) -> Iterator[Any]:
    """The values table in slices whose VALUES lists fit in ``room`` bytes of statement text (one slice when the
    whole table fits)."""
    start = 0
    while start < values.num_rows:
        size = values.num_rows - start
        while size > 1:
            length = len(values_cte(values.slice(start, size))[0].encode())
            if length <= room:
                break
            size = max(1, min(size - 1, int(size * room / length * 0.95)))  # rows take about the same room
        yield values.slice(start, size)
        start += size


__all__ = ["HEADROOM", "MAX_TEXT", "chunks", "literal", "positional", "prove", "values_cte", "with_tables"]
