"""A top-N's several sort keys as one key that sorts the rows the same way (for ``batch``'s one pass).

In one pass, a query's own ``ORDER BY … LIMIT n`` becomes a row number per binding over every row the binding
selects. DuckDB turns such a row number into a top-N aggregate (``arg_max`` with n: a small heap per binding, no
sort) only when it orders by one key. ``ORDER BY day DESC, id DESC`` orders as ``ORDER BY (day IS NOT NULL, day,
id IS NOT NULL, id) DESC``: a row value compares field by field, and the flag before each key puts its NULLs
first or last as that key says (among rows whose key is NULL the flag ties, the NULL fields tie, and the next
key decides, as in the several-key sort).
"""

from __future__ import annotations

import json
from typing import Any

from reportsite.query.sqlpolicy import parse


def one_sort_key(node: dict[str, Any]) -> bool:
    """Make a top-N's ORDER BY one key that sorts the rows as its keys do, where that is certain: a plain SELECT
    (no DISTINCT, whose sort keys must be shown), a LIMIT without OFFSET, two or more keys that all sort the same
    way, none a position or name that cannot be traced to what it sorts by, none with a collation, window or
    subquery. Each key ``k`` becomes ``k IS [NOT] NULL, k`` in a row value: the flag puts its NULLs first or last
    as the key says, and among its NULLs the next key decides, as in the several-key sort. Whether it changed the
    tree is returned."""
    modifiers = node.get("modifiers") or []
    limits = [m for m in modifiers if m.get("type") == "LIMIT_MODIFIER"]
    orders = [m for m in modifiers if m.get("type") == "ORDER_MODIFIER"]
    if (node.get("type") != "SELECT_NODE" or len(limits) != 1 or limits[0].get("offset") is not None
            or limits[0].get("limit") is None or len(orders) != 1
            or any(m.get("type") == "DISTINCT_MODIFIER" for m in modifiers)):
        return False
    keys = orders[0].get("orders") or []
    directions = {"DESCENDING" if k.get("type") == "DESCENDING" else "ASCENDING" for k in keys}
    if len(keys) < 2 or len(directions) != 1:
        return False
    descending = directions == {"DESCENDING"}
    fields: list[dict[str, Any]] = []
    for key in keys:
        expression = sorted_by(key.get("expression") or {}, node)
        if expression is None:
            return False
        nulls_first = key.get("null_order") in ("NULLS FIRST", "NULLS_FIRST")
        flag = "OPERATOR_IS_NULL" if nulls_first == descending else "OPERATOR_IS_NOT_NULL"
        fields.append({"class": "OPERATOR", "type": flag, "alias": "", "children": [expression]})
        fields.append(json.loads(json.dumps(expression)))
    row = parse("SELECT 1 ORDER BY row(1, 2)")["statements"][0]["node"]["modifiers"][0]["orders"][0]["expression"]
    row = {k: v for k, v in row.items() if k not in ("query_location", "query_location_length")}
    row["arguments"] = [{"name": "", "expression": field} for field in fields]
    orders[0]["orders"] = [{"type": "DESCENDING" if descending else "ASCENDING", "null_order": "NULLS LAST",
                            "expression": row}]
    return True


def sorted_by(expression: dict[str, Any], node: dict[str, Any]) -> dict[str, Any] | None:
    """What an ORDER BY key sorts by, as an expression that means the same inside a row value: a position or a
    name of the select list becomes that item's expression; None where that is not certain."""
    select = node.get("select_list") or []
    item: dict[str, Any] | None = None
    if expression.get("class") == "CONSTANT":  # a position: of the result's columns, which a * makes many
        literal = expression.get("literal") or {}
        text = str(literal.get("text", literal.get("value", "")))
        if (not text.isdigit() or not 1 <= int(text) <= len(select)
                or any(i.get("class") == "STAR" for i in select)):
            return None
        item = select[int(text) - 1]
    elif expression.get("class") == "COLUMN_REF" and len(expression.get("column_names") or []) == 1:
        name = str(expression["column_names"][0]).lower()
        named = [i for i in select if str(i.get("alias") or "").lower() == name]
        if len(named) > 1:
            return None
        item = named[0] if named else None
    if item is not None and item.get("class") == "STAR":
        return None
    found = json.loads(json.dumps(item if item is not None else expression))
    found["alias"] = ""
    text = json.dumps(found)
    if any(f'"class": "{kind}"' in text for kind in ("COLLATE", "WINDOW", "SUBQUERY", "STAR", "PARAMETER")):
        return None
    return found


__all__ = ["one_sort_key", "sorted_by"]
