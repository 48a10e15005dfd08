"""Where every key, list item and scalar of a YAML document came from: key paths back to ``file:line:column``,
and a character inside a scalar (an SQL token in a ``query: |`` block) back to its own line and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportsite.errors import Problem

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """A 1-based source position; for scalar values also their style and end."""

    line: int  # 1-based
    column: int  # 1-based
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    end_line: int | None = None  # 1-based line where the scalar ends
    end_column: int | None = None  # 1-based column just after the scalar


@dataclass
class Located:
    """A parsed YAML document and the source position of each key path."""

    data: Any
    file: str
    keys: dict[KeyPath, Mark] = field(default_factory=dict)
    values: dict[KeyPath, Mark] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # found while parsing, e.g. duplicate keys
    lines: list[str] = field(default_factory=list)  # the source text, one entry per line

    def mark(self, path: KeyPath) -> Mark | None:
        """Position of the key at ``path``, or of its nearest ancestor that exists."""
        path = tuple(path)
        while path:
            if path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return self.keys.get((), None)

    def problem(self, path: KeyPath, message: str) -> Problem:
        """A Problem located at the key ``path`` (or its nearest existing ancestor)."""
        mark = self.mark(path)
        return Problem(
            message,
            file=self.file,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            key=format_path(path) or None,
        )

    def value_line(self, path: KeyPath, offset: int = 1) -> int | None:
        """Source line of line ``offset`` (1-based) inside the scalar value at ``path``."""
        mark = self.values.get(tuple(path))
        if mark is None:
            found = self.mark(path)
            return found.line if found else None
        text = self.scalar(path)
        if text is not None:
            lines = text.split("\n")
            index = min(max(offset, 1), len(lines)) - 1
            start = sum(len(line) + 1 for line in lines[:index])
            position = self.value_position(path, start)
            if position is not None:
                return position[0]
        if mark.style not in ("|", ">"):
            return mark.line
        return mark.line + max(offset, 1)

    def scalar(self, path: KeyPath) -> str | None:
        """The text of the scalar value at ``path``, if it is text."""
        node: Any = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node if isinstance(node, str) else None

    def value_position(self, path: KeyPath, offset: int) -> tuple[int, int] | None:
        """Source (line, column) of character ``offset`` of the text value at ``path``, when it can be mapped."""
        mark = self.values.get(tuple(path))
        text = self.scalar(path)
        if mark is None or text is None or not self.lines:
            return None
        pieces = scalar_pieces(mark, self.lines, text)
        return map_offset(pieces, offset) if pieces else None


Piece = tuple[int, int, str, int]  # (line, column, text, separator length after it)


def scalar_pieces(mark: Mark, lines: list[str], value: str) -> list[Piece] | None:
    """Split a scalar's value into the source fragments it came from, or None if that is not exact."""
    if mark.style in ("|", ">"):
        pieces = _block_pieces(mark, lines)
        sep = "\n" if mark.style == "|" else " "
    else:
        pieces = _flow_pieces(mark, lines)
        sep = " "
    if not pieces:
        return None
    joined = sep.join(text for _, _, text in pieces)
    if joined.rstrip("\n ") != value.rstrip("\n "):
        return None
    return [(line, column, text, len(sep)) for line, column, text in pieces]


def map_offset(pieces: list[Piece], offset: int) -> tuple[int, int]:
    """The (line, column) of character ``offset`` of the joined pieces."""
    start = 0
    for line, column, text, sep in pieces:
        if offset < start + len(text) + sep or (line, column, text, sep) == pieces[-1]:
            return line, column + max(offset - start, 0)
        start += len(text) + sep
    line, column, _, _ = pieces[-1]
    return line, column


def _block_pieces(mark: Mark, lines: list[str]) -> list[tuple[int, int, str]]:
    """Content lines of a ``|`` or ``>`` block scalar with their indentation removed."""
    index = mark.line  # 0-based index of the first content line (the header is on mark.line)
    last = (mark.end_line or len(lines)) - 1
    content = [i for i in range(index, min(last + 1, len(lines))) if lines[i].strip()]
    if not content:
        return []
    indent = len(lines[content[0]]) - len(lines[content[0]].lstrip(" "))
    outside = [i for i in content if len(lines[i]) - len(lines[i].lstrip(" ")) < indent]
    last = max(i for i in content if not outside or i < outside[0])
    return [(i + 1, indent + 1, lines[i][indent:]) for i in range(index, last + 1)]


def _flow_pieces(mark: Mark, lines: list[str]) -> list[tuple[int, int, str]]:
    """Fragments of a plain or quoted scalar, possibly folded over several lines."""
    quote = 1 if mark.style in ("'", '"') else 0
    first, last = mark.line - 1, (mark.end_line or mark.line) - 1
    if first >= len(lines) or last >= len(lines):
        return []
    end_column = (mark.end_column or len(lines[last]) + 1) - 1 - quote
    if first == last:
        start = mark.column - 1 + quote
        return [(mark.line, start + 1, lines[first][start:end_column])]
    pieces = [(mark.line, mark.column + quote, lines[first][mark.column - 1 + quote:].rstrip())]
    for i in range(first + 1, last + 1):
        text = lines[i][:end_column] if i == last else lines[i]
        stripped = text.lstrip()
        pieces.append((i + 1, len(text) - len(stripped) + 1, stripped.rstrip()))
    return pieces


def format_path(path: KeyPath) -> str:
    """``("charts", 2, "params", "x")`` → ``charts[2].params.x`` (long or unprintable keys shortened, escaped)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in shorten(part))
            out += f".{shown}" if out else shown
    return out


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with '…' (so a 100 kB value does not fill a message)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["KeyPath", "Located", "Mark", "format_path", "map_offset", "scalar_pieces", "shorten"]
