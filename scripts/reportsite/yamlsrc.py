"""Load YAML while remembering where every key and list item came from.

PyYAML's composed node tree carries source marks; we walk it ourselves so that
later stages can turn a key path like ``("charts", 2, "params", "x")`` back
into ``file:line:column``, and a character inside a scalar (an SQL token in a
``query: |`` block) back into its own line and column. Duplicate keys, which
PyYAML silently accepts, are reported here; syntax errors become one plain line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, Problem

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
    """``("charts", 2, "params", "x")`` → ``charts[2].params.x``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_text(text: str, file: str) -> Located:
    """Parse one YAML document from text; raise ConfigError with file:line on any syntax problem."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    located = Located(data=None, file=file, lines=text.splitlines())
    try:
        node = loader.get_single_node()
        if node is None:
            return located
        located.keys[()] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
        located.data = _build(node, (), located, loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise ConfigError.at(f"not valid YAML: {_one_line(str(exc))}", file) from None
    finally:
        loader.dispose()
    return located


def load_file(path: Path, display: str) -> Located:
    """Read and parse a YAML file; reject binary, non-UTF-8 and empty files with a located message."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError.at("is UTF-16 text; save the file as UTF-8", display)
    if b"\x00" in raw:
        raise ConfigError.at("is a binary file, not YAML text", display)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError.at(
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded); save the file as UTF-8",
            display,
            line,
            column,
        ) from None
    return load_text(text, display)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> ConfigError:
    """A control character PyYAML refuses to read, located by line and column."""
    position = exc.position
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return ConfigError.at(f"the control character U+{code:04X} is not allowed in YAML text; remove it",
                          file, line, column)


_FOUND = re.compile(r"but (?:found|got) (.+)$")


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> ConfigError:
    """One plain line for a PyYAML syntax error, at the most useful position."""
    message, mark = _explain(exc)
    text = f"YAML syntax error: {message}"
    if mark is None:
        return ConfigError.at(text, file)
    return ConfigError.at(text, file, mark.line + 1, mark.column + 1)


def _explain(exc: yaml.MarkedYAMLError) -> tuple[str, Any]:
    """Translate PyYAML's wording into what an author should do; return (message, mark)."""
    problem = _one_line(exc.problem or "syntax error")
    context = _one_line(exc.context or "")
    where, start = exc.problem_mark or exc.context_mark, exc.context_mark
    found_match = _FOUND.search(problem)
    found = found_match.group(1) if found_match else ""
    if "'\\t'" in problem:
        return "a tab character is not allowed for indentation in YAML; indent with spaces", where
    if "cannot start any token" in problem:
        char = problem.split("'")[1] if "'" in problem else "?"
        return f"a value cannot start with '{char}'; put the value in quotes", where
    if "end of stream" in problem and "quoted scalar" in context and start is not None:
        return "this quoted value is never closed; add the closing quote", start
    if "could not find expected ':'" in problem and start is not None:
        return "this line has no ':' after its key (write 'key: value')", start
    if problem.startswith("mapping values are not allowed"):
        return ("unexpected ':' (is this line indented too far, or does a value containing ': ' need "
                "quotes?)"), where
    quote = _unclosed_quote(exc) if exc.__class__.__name__ == "ParserError" else None
    if quote is not None:
        return "this quoted value is never closed on its line; add the closing quote", quote
    if "flow sequence" in context or "flow mapping" in context:
        return _explain_flow(context, found, where, start)
    if problem.startswith("expected <block end>"):
        return _explain_block(found), where
    if "single document" in context:
        return "the file holds more than one YAML document ('---'); a report is one document", where
    if "chomping or indentation indicators" in problem:
        return ("only a digit, '-' or '+' may follow '|' or '>' on its line; start the text on the next line, "
                "indented"), where
    if problem.startswith("expected the node content"):
        return f"a value is missing here (found {found or 'nothing'})", where
    if problem.startswith("found undefined alias"):
        name = problem.split("'")[1] if "'" in problem else ""
        return f"'*{name}' refers to an anchor '&{name}' that is not defined above it", where
    if exc.__class__.__name__ == "ConstructorError":
        return _explain_constructor(problem), where
    detail = f"{problem} ({context})" if context else problem
    return detail, where


def _unclosed_quote(exc: yaml.MarkedYAMLError) -> Any:
    """The mark of a double quote left open on an earlier line (a common cause of confusing errors)."""
    mark = exc.problem_mark
    if mark is None or not mark.buffer:
        return None
    lines = str(mark.buffer).split("\n")[: mark.line]
    for number, line in enumerate(lines):
        code = line.split(" #", 1)[0]
        if code.lstrip().startswith("#"):
            continue
        quotes = [i for i, c in enumerate(code) if c == '"' and (i == 0 or code[i - 1] != "\\")]
        if len(quotes) % 2 == 1 and "'" not in code[: quotes[-1]]:
            return yaml.Mark("", 0, number, quotes[-1], None, None)
    return None


def _explain_flow(context: str, found: str, where: Any, start: Any) -> tuple[str, Any]:
    """An unclosed or malformed [...] list or {...} mapping, at its opening bracket when it never closes."""
    kind, close = ("list", "]") if "sequence" in context else ("mapping", "}")
    opener = "[" if close == "]" else "{"
    if start is not None and (found == "'<stream end>'" or (where is not None and where.line > start.line)):
        return f"this {kind} starting with '{opener}' is never closed with '{close}'", start
    return f"expected ',' or '{close}' inside this {opener}...{close} {kind}, found {found}", where


def _explain_block(found: str) -> str:
    """What an unexpected token in block (indented) YAML usually means."""
    if found in ("'-'", "'<block sequence start>'"):
        return "a list item ('- ') is not allowed here; check its indentation and the key above it"
    if found in ("'{'", "'['"):
        return f"unexpected {found}; put a value that starts with {found} in quotes, or fix the indentation"
    if found in ("'?'", "'<block mapping start>'"):
        return "bad indentation: this key does not line up with the keys above it"
    if found == "'<scalar>'":
        return "unexpected text; is a ':' missing, or should the whole value be in quotes?"
    return f"bad indentation or structure: unexpected {found}"


def _explain_constructor(problem: str) -> str:
    """A tag PyYAML's safe loader refuses (!!python/..., custom !tags)."""
    tag = re.search(r"tag '([^']+)'", problem)
    if tag:
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return f"the YAML tag '{name}' is not supported; write a plain value"
    return problem


def _construct(node: yaml.Node, loader: yaml.SafeLoader, located: Located, path: KeyPath) -> Any:
    """Construct a scalar, turning an impossible value (a date like 2025-02-30) into a located problem."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        located.problems.append(Problem(
            f"'{node.value}' looks like a date but is not a valid one ({exc}); put it in quotes if it is text",
            located.file, node.start_mark.line + 1, node.start_mark.column + 1, format_path(path) or None))
        return str(node.value)


COLLECTION_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def _build(node: yaml.Node, path: KeyPath, located: Located, loader: yaml.SafeLoader) -> Any:
    """Python data for ``node``, recording the mark of every key, item and scalar on the way."""
    expected_tag = COLLECTION_TAGS.get(type(node))
    if expected_tag and node.tag != expected_tag:
        raise yaml.constructor.ConstructorError(None, None, f"found an unsupported tag '{node.tag}'",
                                                node.start_mark)
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, located, loader)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            item_path = (*path, index)
            located.keys[item_path] = Mark(item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_build(item, item_path, located, loader))
        return items
    located.values[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1, node.style,
                                node.end_mark.line + 1, node.end_mark.column + 1)
    return _construct(node, loader, located, path)


def _build_mapping(node: yaml.MappingNode, path: KeyPath, located: Located, loader: yaml.SafeLoader) -> Any:
    """A dict from a mapping node; duplicate and non-text keys become problems."""
    own = {id(key) for key, _ in node.value}
    loader.flatten_mapping(node)  # resolve '<<: *anchor' merge keys; the mapping's own keys override them
    result: dict[Any, Any] = {}
    merged: set[str] = set()
    for key_node, value_node in node.value:
        key_mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        key = _construct(key_node, loader, located, path) if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str | int | float | bool) or key is None:
            located.problems.append(Problem("a key must be a plain word", located.file, key_mark.line,
                                            key_mark.column, format_path(path) or None))
            continue
        key = key if isinstance(key, str) else str(key)
        key_path = (*path, key)
        if id(key_node) not in own:
            merged.add(key)
        elif key in merged:
            merged.discard(key)
            result.pop(key, None)
        if key in result:
            first = located.keys[key_path]
            located.problems.append(Problem(
                f"duplicate key '{key}' (first defined on line {first.line}); remove one of them",
                located.file, key_mark.line, key_mark.column, format_path(key_path)))
            continue
        located.keys[key_path] = key_mark
        result[key] = _build(value_node, key_path, located, loader)
    return result
