"""DuckDB's dynamic PIVOT (``PIVOT t ON col USING sum(x)``, no ``IN`` list) made reviewable.

DuckDB finds a dynamic PIVOT's columns by first running a query for the ON expression's distinct values,
so the statement is not one SELECT (``extract_statements`` calls it MULTI) and its syntax tree cannot be
serialised for ``sqlpolicy``'s review. The review reads instead the same text with each dynamic ON expression
bracketed and followed by ``IN (NULL)``: the static PIVOT DuckDB would run once it knows the values. Nothing else of the
text changes, so every table, table function and function call the review looks for is still there, at
offsets that ``original_offset`` maps back. The statement itself then runs unchanged on the locked
connection (``sandbox``), so the value discovery runs there too, under the same time limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

OPEN, STATIC = "(", ") IN (NULL)"  # ON (expr) IN (NULL): the brackets keep IN off the last operand
_HIDDEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.S)
_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|[A-Za-z_][A-Za-z0-9_$]*|\d+(?:\.\d*)?|[^\s\w]")
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")
_ENDS_LIST = frozenset({"USING", "GROUP", "ORDER", "LIMIT", "OFFSET", "QUALIFY", "WINDOW", "HAVING", "WHERE",
                        "UNION", "EXCEPT", "INTERSECT", "AS"})


def _masked(sql: str) -> str:
    """Comments blanked, and the insides of strings and quoted names (same length, quotes kept), so no word
    or bracket inside them is read as SQL."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        if text[0] in "'\"":
            return text[0] + re.sub(r"[^\n]", "x", text[1:-1]) + text[-1]
        return re.sub(r"[^\n]", " ", text)

    return _HIDDEN.sub(blank, sql)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """(upper-cased token, start, end) for each word, number, string, quoted name and punctuation mark."""
    return [(m.group(0).upper(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _step(word: str) -> int:
    return 1 if word in _OPEN else -1 if word in _CLOSE else 0


Edit = tuple[int, int, str]  # replace sql[start:end] with the text


def edits(sql: str) -> list[Edit]:
    """Where the text changes to make each dynamic PIVOT static: ``(expr) IN (NULL)`` for each ON expression
    without an IN list, ``NULL`` for each IN list that is a query (``ON k IN (SELECT …)``)."""
    tokens = _tokens(_masked(sql))
    found: list[Edit] = []
    for index, (word, _, _) in enumerate(tokens):
        if word in ("PIVOT", "PIVOT_WIDER") and not _standard(tokens, index + 1):
            found.extend(_dynamic_items(tokens, index + 1))
    return sorted(found)


def insertions(sql: str) -> list[int]:
    """Offsets where ``static_text`` changes the text (none: no dynamic PIVOT)."""
    return [start for start, _, _ in edits(sql)]


def subqueries(sql: str) -> list[tuple[int, str]]:
    """Each PIVOT IN list that is a query, with its offset: reviewed as a statement of its own."""
    return [(start, sql[start:end]) for start, end, text in edits(sql) if text == "NULL"]


def _standard(tokens: list[tuple[str, int, int]], at: int) -> bool:
    """``… PIVOT (sum(x) FOR col IN (…))``: the SQL-standard form, always static."""
    if at >= len(tokens) or tokens[at][0] != "(":
        return False
    return any(depth == 0 and word == "FOR" for word, depth in _level(tokens, at + 1))


def _level(tokens: list[tuple[str, int, int]], at: int) -> Iterator[tuple[str, int]]:
    """Tokens from ``at`` to the bracket that closes the level ``at`` is on, with their depth below it."""
    depth = 0
    for word, _, _ in tokens[at:]:
        if word == ")" and depth == 0:
            return
        yield word, depth
        depth += _step(word)


QUERY_STARTS = frozenset({"SELECT", "FROM", "WITH", "VALUES", "PIVOT", "UNPIVOT", "PIVOT_WIDER", "PIVOT_LONGER",
                          "TABLE", "("})


def _dynamic_items(tokens: list[tuple[str, int, int]], at: int) -> list[Edit]:
    """The edits of one PIVOT's ON list: items without an IN list, and IN lists that are queries."""
    depth, index = 0, at
    while index < len(tokens):  # find ON on this level
        word = tokens[index][0]
        if depth == 0 and word in (";", ")"):
            return []
        if depth == 0 and word == "ON":
            break
        depth += _step(word)
        index += 1
    else:
        return []
    found: list[Edit] = []
    depth, has_in, first, last_end = 0, False, None, None
    position = index + 1
    while position < len(tokens):
        word, begin, end = tokens[position]
        if depth == 0 and (word in _ENDS_LIST or word in (")", ";", ",")):
            if first is not None and last_end is not None and not has_in:
                found += [(first, first, OPEN), (last_end, last_end, STATIC)]
            if word != ",":
                return found
            has_in, first, last_end = False, None, None
            position += 1
            continue
        first = begin if first is None else first
        if depth == 0 and word == "IN":
            has_in = True
            following = tokens[position + 1:position + 3]
            if len(following) == 2 and following[0][0] == "(" and following[1][0] in QUERY_STARTS:
                close = _closing(tokens, position + 1)
                if close is None:
                    return found
                found.append((following[0][2], tokens[close][1], "NULL"))
                position, last_end = close + 1, tokens[close][2]
                continue
        depth += _step(word)
        last_end = end
        position += 1
    if first is not None and last_end is not None and not has_in:
        found += [(first, first, OPEN), (last_end, last_end, STATIC)]
    return found


def _closing(tokens: list[tuple[str, int, int]], opening: int) -> int | None:
    """The index of the bracket that closes the one at ``opening``."""
    depth = 0
    for index in range(opening, len(tokens)):
        depth += _step(tokens[index][0])
        if depth == 0:
            return index
    return None


def static_text(sql: str) -> tuple[str, list[Edit]]:
    """The text with each dynamic PIVOT made static (see ``edits``), and the edits made."""
    changes = edits(sql)
    out, previous = [], 0
    for start, end, text in changes:
        out.append(sql[previous:start])
        out.append(text)
        previous = end
    out.append(sql[previous:])
    return "".join(out), changes


def original_offset(offset: int | None, changes: list[Edit]) -> int | None:
    """An offset into ``static_text``'s text, as an offset into the text the analyst wrote."""
    if offset is None:
        return None
    shift = 0  # how much longer the new text is than the old, before the current point
    for start, end, text in changes:
        new_start = start + shift
        if offset < new_start:
            break
        if offset < new_start + len(text):
            return start
        shift += len(text) - (end - start)
    return offset - shift


__all__ = ["edits", "insertions", "original_offset", "static_text", "subqueries"]
