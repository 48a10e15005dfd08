"""One pass for many pages: a query run once for every value it is bound to, instead of once per value.

A report with a page per value (``for_each``) or filters runs each item's query with its ``$names`` bound to
every value or choice. Here the names that change from page to page become columns of a values table (one
row per distinct binding, typed as DuckDB types the same Python value when it is bound) and the query runs
once, for all of them:

    SELECT v.__rs_i, q.*
    FROM values AS v, LATERAL (SELECT s.*, row_number() OVER (ORDER BY <the query's own keys>) AS __rs_o
                               FROM (<the query, $customer replaced by v.__rs_p_customer>) AS s) AS q
    ORDER BY v.__rs_i, q.__rs_o

The parameters are found by DuckDB's own parser (their positions in the text; nothing else of the SQL is
rewritten), and the result is split by ``__rs_i``: each value's rows, in the order its own query gives them
(the row number ``__rs_o`` follows the query's ORDER BY; without one, the order is DuckDB's, as it is for one
value).

A query's own top-N (``ORDER BY day DESC, id DESC LIMIT 100``) becomes, inside LATERAL, a row number per
binding over every row the binding selects, a sort of them all. DuckDB replaces such a row number by a top-N
aggregate (``arg_max`` with N: a heap per binding, no sort) only when it orders by one key, so a top-N whose keys
all sort one way is written with one key that orders the same: ``ORDER BY (day IS NOT NULL, day, id IS NOT NULL,
id) DESC`` (each key's NULLs placed by the flag before it, as its NULLS FIRST/LAST says). Its rows are the same
(pinned by the differential tests; ``topn``); a query DuckDB will not run so is run in one pass as written.

What cannot be proven the same falls back to one run per value, with the reason: a parameter in LIMIT or
OFFSET, an ORDER BY on something that is not a column of the result, a result with two columns of one name,
a value of a type a values table cannot hold, DuckDB refusing the rewritten query.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reportsite.query import topn
from reportsite.query.sqlpolicy import parse, unparse

PREFIX = "__rs_"
INDEX = f"{PREFIX}i"
ORDINAL = f"{PREFIX}o"
VALUES = f"{PREFIX}values"
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Rewrite:
    """The query for every binding at once: run it with the values table registered as ``VALUES``."""

    sql: str
    names: tuple[str, ...]  # the varying $names, in the values table's column order
    hidden: tuple[str, ...] = ()  # sort keys added to the result, left out when it is split
    one_key: bool = False  # the query's top-N sorts by one key that orders as its several keys do


@dataclass(frozen=True)
class NotBatched:
    """Why a query keeps running once per value."""

    reason: str


def column(name: str) -> str:
    """The values table's column for ``$name``."""
    return f"{PREFIX}p_{name}"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def value_type(value: Any) -> tuple[str, Any] | None:
    """(the DuckDB type of ``value`` bound as a parameter, the Arrow type that gives it), or None when a values
    table cannot hold it exactly."""
    import pyarrow as pa

    if value is None:
        return "NULL", pa.null()
    if isinstance(value, bool):
        return "BOOLEAN", pa.bool_()
    if isinstance(value, int):
        if INT32[0] <= value <= INT32[1]:
            return "INTEGER", pa.int32()
        return ("BIGINT", pa.int64()) if INT64[0] <= value <= INT64[1] else None
    if isinstance(value, float):
        return "DOUBLE", pa.float64()
    if isinstance(value, str):
        return "VARCHAR", pa.string()
    if isinstance(value, decimal.Decimal):
        _, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int) or value.is_nan():
            return None
        scale = max(-exponent, 0)
        width = max(len(digits) + max(exponent, 0), scale + 1)
        return (f"DECIMAL({width},{scale})", pa.decimal128(width, scale)) if width <= 38 else None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return "TIMESTAMP", pa.timestamp("us")
        return "TIMESTAMP WITH TIME ZONE", pa.timestamp("us", tz="UTC")
    if isinstance(value, dt.date):
        return "DATE", pa.date32()
    if isinstance(value, dt.time) and value.tzinfo is None:
        return "TIME", pa.time64("us")
    if isinstance(value, bytes):
        return "BLOB", pa.binary()
    return None


def signatures(bindings: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[tuple[str, ...] | None]:
    """Each binding's DuckDB types for ``names`` ("NULL" for a NULL): bindings of one signature share a pass,
    in which a name that is NULL in all of them is bound as a NULL, as it is for one page. None where a value
    has no type a values table holds."""
    out: list[tuple[str, ...] | None] = []
    for binding in bindings:
        types = [value_type(binding[name]) for name in names]
        out.append(None if any(t is None for t in types) else tuple(t[0] for t in types if t is not None))
    return out


def values_table(bindings: Sequence[Mapping[str, Any]], names: Sequence[str]) -> Any:
    """The values table: ``__rs_i`` (the binding's position) and one typed column per varying name, whose
    values share one type and are never NULL (see ``signatures``)."""
    import pyarrow as pa

    columns = {INDEX: pa.array(range(len(bindings)), pa.int32())}
    for name in names:
        values = [binding[name] for binding in bindings]
        found = value_type(values[0])
        assert found is not None and all(v is not None for v in values)
        kind = found[1]
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            values = [v.astimezone(dt.UTC) for v in values]
        columns[column(name)] = pa.array(values, kind)
    return pa.table(columns)


def rewrite(sql: str, varying: Sequence[str], columns: Sequence[str], one_key: bool = True) -> Rewrite | NotBatched:
    """The batched form of ``sql`` whose ``$names`` in ``varying`` change per binding; ``columns`` are the
    names of the query's result (in order), as DuckDB gives them for one binding.

    The query is read by DuckDB's parser and written back by DuckDB (``json_deserialize_sql``) with each varying
    ``$name`` a column of the values table, after proving that DuckDB writes the unchanged query back the same.
    A sort key that is not a column of the result (``ORDER BY day DESC, id`` showing no id) is added to it as a
    hidden column, ``__rs_k1``…, which the split leaves out. With ``one_key``, a top-N's keys become one (see
    the module's text) where they all sort one way.
    """
    duplicated = sorted({c for c in columns if list(columns).count(c) > 1})
    if duplicated:
        return NotBatched(f"its result has more than one column named '{duplicated[0]}'")
    if any(c.lower().startswith(PREFIX) for c in columns):
        return NotBatched(f"its result has a column whose name starts with {PREFIX}, which one pass reserves")
    found = _with_columns(sql, varying)
    if isinstance(found, NotBatched):
        return found
    tree, names = found
    node = tree["statements"][0]["node"]
    before = len(node.get("select_list") or [])
    order = _order_keys(node, list(columns))
    if isinstance(order, NotBatched):
        return order
    hidden = tuple(item["alias"] for item in (node.get("select_list") or [])[before:])
    merged = one_key and topn.one_sort_key(node)
    over = f"ORDER BY {', '.join(order)}" if order else ""
    batched = (
        f"SELECT {quoted(PREFIX + 'v')}.{quoted(INDEX)}, {quoted(PREFIX + 'q')}.*\n"
        f"FROM {quoted(VALUES)} AS {quoted(PREFIX + 'v')}, LATERAL (\n"
        f"SELECT {quoted(PREFIX + 's')}.*, row_number() OVER ({over}) AS {quoted(ORDINAL)} FROM (\n"
        f"{unparse(tree)}\n) AS {quoted(PREFIX + 's')}) AS {quoted(PREFIX + 'q')}\n"
        f"{{cap}}ORDER BY {quoted(PREFIX + 'v')}.{quoted(INDEX)}, {quoted(PREFIX + 'q')}.{quoted(ORDINAL)}"
    )
    return Rewrite(batched, names, hidden, merged)


def lateral(sql: str, varying: Sequence[str]) -> str | NotBatched:
    """The query for every binding, unordered (enough to plan which columns it reads: S3 planning)."""
    found = _with_columns(sql, varying)
    if isinstance(found, NotBatched):
        return found
    return (f"SELECT * FROM {quoted(VALUES)} AS {quoted(PREFIX + 'v')}, LATERAL (\n{unparse(found[0])}\n) "
            f"AS {quoted(PREFIX + 'q')}")


def _with_columns(sql: str, varying: Sequence[str]) -> tuple[dict[str, Any], tuple[str, ...]] | NotBatched:
    """DuckDB's syntax tree of ``sql`` with each varying ``$name`` a column of the values table, and the names
    replaced; proven first that DuckDB writes the unchanged query back the same."""
    if PREFIX in sql.lower():
        return NotBatched(f"it uses a name starting with {PREFIX}, which one pass reserves")
    tree = parse(sql)
    if tree.get("error"):
        return NotBatched(f"DuckDB's parser cannot read it ({tree.get('error_message')})")
    if len(tree.get("statements") or []) != 1:
        return NotBatched("it is not one statement")
    if _shape(parse(unparse(tree)), alias=True) != _shape(tree, alias=True):
        return NotBatched("DuckDB does not write this query back the same, so it cannot be rewritten safely")
    _fold_null_checks(tree, varying)
    names: list[str] = []
    for path, parameter in list(_parameters(tree["statements"][0]["node"])):
        name = str(parameter.get("identifier"))
        if name not in varying:
            continue
        if any(part in ("limit", "offset") for part in path):
            return NotBatched(f"${name} is used in LIMIT or OFFSET")
        kept: dict[str, Any] = {k: parameter[k] for k in ("alias", "query_location", "query_location_length")
                                if k in parameter}  # the alias too: SELECT $customer AS who
        parameter.clear()
        parameter.update({"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "", **kept,
                          "column_names": [f"{PREFIX}v", column(name)]})
        names.append(name)
    return tree, tuple(dict.fromkeys(names))


def sort_keys(sql: str, columns: Sequence[str]) -> tuple[list[str], bool] | None:
    """The result columns a query's top-level ORDER BY sorts by, and whether they are all its keys (False when
    it also sorts by something it does not show); None when it has no ORDER BY (its row order is DuckDB's)."""
    tree = parse(sql)
    if tree.get("error") or len(tree.get("statements") or []) != 1:
        return None
    node = tree["statements"][0]["node"]
    orders = [o for m in node.get("modifiers") or [] if m.get("type") == "ORDER_MODIFIER" for o in m.get("orders")]
    if not orders:
        return None
    keys, complete = [], True
    for order in orders:
        expression = order.get("expression") or {}
        if expression.get("class") == "STAR" and expression.get("columns"):
            keys += list(columns)
        elif (name := _result_column(expression, node, list(columns))) is not None:
            keys.append(name)
        else:
            complete = False
    return keys, complete


def with_cap(rewritten: Rewrite, limit: int | None) -> str:
    """The batched SQL keeping at most ``limit`` rows of each binding (all of them when None)."""
    cap = "" if limit is None else f"WHERE {quoted(PREFIX + 'q')}.{quoted(ORDINAL)} <= {int(limit)}\n"
    return rewritten.sql.replace("{cap}", cap)


def split(table: Any, count: int, offset: int = 0, hidden: Sequence[str] = ()) -> list[Any]:
    """A batched result (ordered by ``__rs_i`` from ``offset``) as one table per binding: slices, no copies,
    without the index, the row number and the ``hidden`` sort keys."""
    import pyarrow.compute as pc

    sizes = [0] * count
    if table.num_rows:
        runs = pc.value_counts(table.column(INDEX))  # the index is sorted: one run per binding with rows
        for position, size in zip(runs.field("values").to_pylist(), runs.field("counts").to_pylist(), strict=True):
            sizes[position - offset] = size
    rest = table.drop_columns([INDEX, ORDINAL, *hidden])
    parts, start = [], 0
    for size in sizes:
        parts.append(rest.slice(start, size))
        start += size
    return parts


def _fold_null_checks(node: Any, varying: Sequence[str]) -> None:
    """``$name IS NULL`` is false and ``$name IS NOT NULL`` true for a varying name: its values are never NULL
    (a binding with a NULL runs in a pass of its own, the NULL bound as it is for one page). DuckDB can then
    join on ``region = $region`` instead of testing ``$region IS NULL OR region = $region`` row by value."""
    if isinstance(node, list):
        for child in node:
            _fold_null_checks(child, varying)
        return
    if not isinstance(node, dict):
        return
    children = node.get("children") or []
    if (node.get("class") == "OPERATOR" and node.get("type") in ("OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL")
            and len(children) == 1 and children[0].get("class") == "PARAMETER"
            and children[0].get("identifier") in varying):
        location = {k: node[k] for k in ("query_location", "query_location_length") if k in node}
        value = "false" if node["type"] == "OPERATOR_IS_NULL" else "true"
        alias = node.get("alias", "")
        node.clear()
        node.update({"class": "CONSTANT", "type": "VALUE_CONSTANT", "alias": alias, **location,
                     "literal": {"kind": "BOOLEAN", "text": value}})
        return
    for child in node.values():
        _fold_null_checks(child, varying)


def _parameters(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every PARAMETER in the syntax tree, with the keys leading to it."""
    if isinstance(node, dict):
        if node.get("class") == "PARAMETER":
            yield path, node
        for key, child in node.items():
            yield from _parameters(child, (*path, key))
    elif isinstance(node, list):
        for child in node:
            yield from _parameters(child, path)


def _order_keys(node: dict[str, Any], columns: list[str]) -> list[str] | NotBatched:
    """The top-level ORDER BY as keys over the result's columns (``"__rs_s"."col" DESC NULLS FIRST``); a key
    that is no column of the result is added to a plain SELECT's list as a hidden column."""
    keys: list[str] = []
    hidden = 0
    for modifier in node.get("modifiers") or []:
        if modifier.get("type") != "ORDER_MODIFIER":
            continue
        for order in modifier.get("orders") or []:
            expression = order.get("expression") or {}
            if expression.get("class") == "STAR" and expression.get("columns"):  # ORDER BY ALL
                names = columns
            elif (name := _result_column(expression, node, columns)) is not None:
                names = [name]
            elif _can_hide(node):
                hidden += 1
                name = f"{PREFIX}k{hidden}"
                node["select_list"].append({**json.loads(json.dumps(expression)), "alias": name})
                names = [name]
            else:
                return NotBatched("its ORDER BY uses something that is not a column of its result")
            direction = {"ASCENDING": " ASC", "DESCENDING": " DESC"}.get(order.get("type", ""), "")
            nulls = {"NULLS FIRST": " NULLS FIRST", "NULLS LAST": " NULLS LAST",
                     "NULLS_FIRST": " NULLS FIRST", "NULLS_LAST": " NULLS LAST"}.get(order.get("null_order", ""), "")
            keys += [f"{quoted(PREFIX + 's')}.{quoted(n)}{direction}{nulls}" for n in names]
    return keys


def _can_hide(node: dict[str, Any]) -> bool:
    """Whether a sort key can be added to the select list without changing the rows: a plain SELECT, no
    DISTINCT (whose keys are all shown anyway) and no GROUP BY ALL (which would group by it too)."""
    return (node.get("type") == "SELECT_NODE" and node.get("aggregate_handling") == "STANDARD_HANDLING"
            and not any(m.get("type") == "DISTINCT_MODIFIER" for m in node.get("modifiers") or []))


def _result_column(expression: dict[str, Any], node: dict[str, Any], columns: list[str]) -> str | None:
    """The result column an ORDER BY key means: a position, an output name, or an expression of the select list."""
    if expression.get("class") == "CONSTANT":
        literal = expression.get("literal") or {}
        text = str(literal.get("text", literal.get("value", "")))
        if text.isdigit() and 1 <= int(text) <= len(columns):
            return columns[int(text) - 1]
        return None
    names = expression.get("column_names") if expression.get("class") == "COLUMN_REF" else None
    if names and len(names) == 1:
        lowered = [c.lower() for c in columns]
        if names[0].lower() in lowered and lowered.count(names[0].lower()) == 1:
            return columns[lowered.index(names[0].lower())]
    select = node.get("select_list") if node.get("type") == "SELECT_NODE" else None
    if not select or len(select) != len(columns) or any(item.get("class") == "STAR" for item in select):
        return None
    wanted = _shape(expression)
    matches = [columns[i] for i, item in enumerate(select) if _shape(item) == wanted]
    return matches[0] if len(matches) == 1 else None


def _shape(expression: Any, alias: bool = False) -> str:
    """Syntax without positions (and without aliases unless ``alias``): to match an ORDER BY key to the select
    list, and to compare a query with DuckDB's writing of it."""
    dropped = ("query_location", "query_location_length") + (() if alias else ("alias",))

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in dropped}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(expression), sort_keys=True)


__all__ = ["INDEX", "ORDINAL", "VALUES", "NotBatched", "Rewrite", "column", "lateral", "quoted", "rewrite",
           "signatures", "sort_keys", "split", "value_type", "values_table", "with_cap"]
