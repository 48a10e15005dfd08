"""Run a report query both ways on real data: once per binding, and in one pass for all of them, and compare.

The one-pass side is the build's own path (``Session.prefetch`` then ``fetch``/``stream``); the plain side is a
second session that runs every binding on its own. Rows compare equal in value (floating-point sums within
1e-9 relative: the order in which DOUBLEs are added changes their last digits, also between two plain runs on
different thread counts) and in order wherever the query fixes it: exactly when its ORDER BY keys are all
shown and never tie; as a multiset of rows whose shown sort keys come in the same order otherwise; as a
multiset when it has no ORDER BY (DuckDB's order is then unspecified, for one binding as for many).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportsite.config.project import Report
from reportsite.query import batch, sandbox
from reportsite.query.located import QueryRef
from reportsite.query.session import Session
from reportsite.query.sqltext import statement
from reportsite.sources import kinds


@dataclass
class Compared:
    label: str
    bindings: int
    batched: bool  # at least one pass covered several bindings
    notes: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)


def session_for(report: Report, data_root: str, timezone: str = "UTC") -> Session:
    """A locked session over the report's sources, as the build makes it."""
    resolved = kinds.resolve_sources(report, data_root)
    readable = [f.url for s in resolved for f in s.files]
    con = sandbox.connect(readable, None, timezone)
    for source in resolved:
        kinds.register(con, source)
    sandbox.lock(con)
    return Session(con, [s.table for s in resolved], 120)


def both_ways(one_pass: Session, plain: Session, ref: QueryRef, bindings: Sequence[Mapping[str, Any]],
              stream: bool = False, limit: int | None = None) -> Compared:
    """The query per binding both ways; a mismatch is described in words."""
    before = one_pass.passes
    one_pass.prefetch(ref, bindings, limit, stream)
    batched = one_pass.passes > before
    compared = Compared(ref.label, len(bindings), batched, list(one_pass.notes))
    one_pass.notes.clear()
    for binding in bindings:
        errors = []
        results = []
        for session in (one_pass, plain):
            try:
                results.append(session.materialize(ref, binding, limit, stream))
                errors.append(None)
            except Exception as exc:  # both ways must fail alike
                results.append(None)
                errors.append(f"{type(exc).__name__}: {exc}")
        if errors[0] or errors[1]:
            if errors[0] != errors[1]:
                compared.mismatches.append(f"{binding}: one pass {errors[0]!r}, plain {errors[1]!r}")
            continue
        problem = differ(results[0], results[1], statement(ref.sql), limit)
        if problem:
            compared.mismatches.append(f"{binding}: {problem}")
    one_pass.shared.clear()
    return compared


def unbound(one_pass: Session, plain: Session, ref: QueryRef, copies: int = 3) -> Compared:
    """A query that mentions no value, run as one pass over ``copies`` bindings (each gets the same rows): the
    rewrite, its ordering and the split on data of every shape, against one plain run."""
    import pyarrow as pa

    sql = statement(ref.sql)
    expected = plain.materialize(ref, {}, None, True)
    plan = batch.rewrite(sql, [], expected.column_names)
    compared = Compared(ref.label, copies, not isinstance(plan, batch.NotBatched))
    if isinstance(plan, batch.NotBatched):
        compared.notes.append(plan.reason)
        return compared
    one_pass.con.register(batch.VALUES, pa.table({batch.INDEX: pa.array(range(copies), pa.int32())}))
    table = one_pass.con.sql(batch.with_cap(plan, None)).to_arrow_table()
    for number, rows in enumerate(batch.split(table, copies, hidden=plan.hidden)):
        problem = differ(rows, expected, sql)
        if problem:
            compared.mismatches.append(f"copy {number}: {problem}")
    return compared


def differ(got: Any, expected: Any, sql: str, limit: int | None = None) -> str | None:
    """Why two results are not the same rows (in the order the query fixes), or None. Capped at ``limit + 1``
    rows, a query whose order is not fixed may keep any of its rows (the build only counts them then)."""
    if got.column_names != expected.column_names:
        return f"columns {got.column_names} != {expected.column_names}"
    if got.equals(expected):  # the same rows in the same order pass every comparison below (most results are)
        return None
    a, b = got.to_pylist(), expected.to_pylist()
    if len(a) != len(b):
        return f"{len(a)} rows != {len(b)} rows"
    keys = batch.sort_keys(sql, expected.column_names)
    total = keys is not None and keys[1] and not _ties(b, keys[0])
    if total:
        return None if all(same(x, y) for x, y in zip(a, b, strict=True)) else "rows differ in value or order"
    if limit is not None and len(b) > limit:
        return None  # capped, and which rows is not fixed: the same count is all there is to compare
    if Counter(map(canonical, a)) != Counter(map(canonical, b)):
        return "rows differ"
    if keys is not None and keys[0]:
        shown = [[canonical(row[k]) for k in keys[0]] for row in a]
        if shown != [[canonical(row[k]) for k in keys[0]] for row in b]:
            return f"order of {keys[0]} differs"
    return None


def _ties(rows: list[dict[str, Any]], keys: list[str]) -> bool:
    seen = [tuple(canonical(row[k]) for k in keys) for row in rows]
    return len(set(seen)) != len(seen)


def canonical(value: Any) -> Any:
    """A value as compared: floats to 10 significant digits, containers recursively."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else float(f"{value:.10g}")
    if isinstance(value, dict):
        return tuple(sorted((k, canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(canonical(v) for v in value)
    return value


def same(x: Mapping[str, Any], y: Mapping[str, Any]) -> bool:
    return all(close(x[k], y[k]) for k in x)


def close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(close(u, v) for u, v in zip(a, b, strict=True))
    return bool(a == b)


def variants(value: Any) -> list[Any]:
    """A report parameter and values of its type beside it (to run a query that has no filter or page in one
    pass over several values)."""
    if isinstance(value, bool) or value is None:
        return [value]
    if isinstance(value, int):
        return [value, value + 1, value * 2 + 3]
    if isinstance(value, float):
        return [value, value * 2, value / 3]
    if isinstance(value, decimal.Decimal):
        return [value, value + 1]
    if isinstance(value, dt.datetime):
        return [value, value - dt.timedelta(days=40)]
    if isinstance(value, dt.date):
        return [value, value - dt.timedelta(days=40), value.replace(day=1)]
    if isinstance(value, str):
        return [value, value + " x", ""]
    return [value]


def data_root(root: Path) -> str:
    from reportsite.config.project import load_site, resolved_data_root

    return resolved_data_root(load_site(root), root)


__all__ = ["Compared", "both_ways", "canonical", "data_root", "differ", "session_for", "unbound", "variants"]
