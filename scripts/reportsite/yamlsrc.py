"""Load YAML while remembering where every key and list item came from.

PyYAML's composed node tree carries source marks; we walk it ourselves so that
later stages can turn a key path like ``("charts", 2, "params", "x")`` back
into ``file:line:column``, and a character inside a scalar (an SQL token in a
``query: |`` block) back into its own line and column. Duplicate keys, which
PyYAML silently accepts, are reported here; syntax errors become one plain line.
"""

from __future__ import annotations

import math
import re
import stat
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
    """``("charts", 2, "params", "x")`` → ``charts[2].params.x`` (long or unprintable keys shortened, escaped)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in shorten(part))
            out += f".{shown}" if out else shown
    return out


MAX_FILE_BYTES = 1_000_000  # the largest YAML or SQL file read (1 MB)
MAX_DEPTH = 100  # the deepest nesting of lists and mappings
MAX_VALUES = 10_000  # the most keys, items and values a document may hold as written
MAX_ALIAS_VALUES = 10_000  # the most values aliases may add to a document
MAX_NUMBER_LENGTH = 100  # the longest number written as digits (longer ones are mistakes, and slow to convert)
INVALID_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


class Unreadable(Exception):
    """Why a file cannot be read, as the end of a sentence about it: 'is too large (...)'."""

    def __init__(self, reason: str, missing: bool = False) -> None:
        super().__init__(reason)
        self.missing = missing  # the file does not exist


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, reading at most ``limit + 1`` of them; Unreadable when it is not one or too large."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise Unreadable("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("is not a regular file (a device, pipe or socket)")
        if info.st_size > limit:
            raise Unreadable(too_large(info.st_size, limit))
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise Unreadable("does not exist", missing=True) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise Unreadable(f"cannot be read ({reason})") from None
    if len(raw) > limit:  # it grew since stat
        raise Unreadable(too_large(None, limit))
    return raw


def too_large(size: int | None, limit: int) -> str:
    found = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
    return f"is too large ({found}); a file may be at most {limit / 1e6:g} MB ({limit:,} bytes)"


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with '…' (so a 100 kB value does not fill a message)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def invalid_character(text: str) -> str | None:
    """A problem for text a page cannot hold (a lone surrogate, a control character), or None."""
    found = INVALID_CHARACTER.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return f"the text contains an invalid character (a lone surrogate U+{code:04X}); remove it"
    if code in (0xFFFE, 0xFFFF):
        return f"the text contains an invalid character (U+{code:04X}, which is not a character); remove it"
    return f"the text contains the control character U+{code:04X}; remove it"


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader refusing what would take unbounded time or memory to build.

    PyYAML composes aliases into references to one node, and its composer recurses once per level of
    nesting, so the checks happen while composing, before anything is expanded: nesting deeper than
    MAX_DEPTH, more than MAX_VALUES values, an alias inside its own anchor (a recursive structure) and
    aliases that would add more than MAX_ALIAS_VALUES values when the document is built are each a
    located ConfigError. Deep [ or { nesting is also refused by the scanner, which otherwise looks ahead
    over every open bracket.
    """

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.depth = 0
        self.open_anchors: set[str] = set()
        self.sizes: dict[int, int] = {}  # id(collection node) -> number of values it expands to
        self.own_keys: dict[int, set[int]] = {}  # id(mapping node) -> ids of its key nodes before merging
        self.added = 0  # values aliases add so far
        self.count = 0  # values composed so far

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # the block collections around a bracket each hold an indentation level (at most: a '- ' list right
        # under its key holds none), so this never refuses what the composer below would accept
        if self.flow_level + len(self.indents) >= MAX_DEPTH:
            raise ConfigError.at(f"the YAML is nested more than {MAX_DEPTH} levels deep", self.file,
                                 self.line + 1, self.column + 1)
        super().fetch_flow_collection_start(token_class)  # type: ignore[misc]

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event, parent, index)
        self.count += 1
        if self.count > MAX_VALUES:
            raise self._error(f"the YAML holds more than {MAX_VALUES:,} values (keys, list items and values); "
                              "split it into smaller reports", event)
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(f"the YAML is nested more than {MAX_DEPTH} levels deep", event)
        if event.anchor:
            self.open_anchors.add(event.anchor)
        node = super().compose_node(parent, index)
        self.open_anchors.discard(event.anchor or "")
        self.depth -= 1
        if isinstance(node, yaml.MappingNode):
            self.own_keys[id(node)] = {id(key) for key, _ in node.value}
            children = [child for pair in node.value for child in pair]
        else:
            children = node.value
        self.sizes[id(node)] = 1 + sum(self.sizes.get(id(child), 1) for child in children)
        return node

    def _alias(self, event: Any, parent: Any, index: Any) -> Any:
        if event.anchor in self.open_anchors:
            raise self._error(f"'*{event.anchor}' refers to the anchor '&{event.anchor}' that contains it; "
                              "an alias cannot include itself", event)
        node = super().compose_node(parent, index)
        self.added += self.sizes.get(id(node), 1)
        if self.added > MAX_ALIAS_VALUES:
            raise self._error(f"YAML aliases here expand to more than {MAX_ALIAS_VALUES:,} values; write the "
                              "values out or use fewer aliases", event)
        return node

    def _error(self, message: str, event: Any) -> ConfigError:
        return ConfigError.at(message, self.file, event.start_mark.line + 1, event.start_mark.column + 1)


def load_text(text: str, file: str) -> Located:
    """Parse one YAML document from text; raise ConfigError with file:line on any syntax problem."""
    try:
        loader = BoundedLoader(text, file)
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
    except RecursionError:  # a safety net: the checks above keep nesting far below Python's limit
        raise ConfigError.at(f"the YAML is nested more than {MAX_DEPTH} levels deep", file) from None
    finally:
        loader.dispose()
    return located


def load_file(path: Path, display: str) -> Located:
    """Read and parse a YAML file; reject large, binary, non-UTF-8 and empty files with a located message."""
    try:
        raw = read_limited(path)
    except Unreadable as exc:
        raise ConfigError.at(str(exc), display) from None
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
    if context.startswith("found duplicate anchor") and start is not None:
        name = context.split("'")[1] if "'" in context else ""
        return f"the anchor '&{name}' is already defined on line {start.line + 1}; rename one of them", where
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


def _construct(node: yaml.Node, loader: BoundedLoader, located: Located, path: KeyPath) -> Any:
    """Construct a scalar; an impossible value (a date like 2025-02-30, a 200-digit number, text with a lone
    surrogate) becomes a located problem and a harmless stand-in."""
    where = (located.file, node.start_mark.line + 1, node.start_mark.column + 1, format_path(path) or None)
    if node.tag in NUMBER_TAGS and len(node.value) > MAX_NUMBER_LENGTH:
        located.problems.append(Problem(f"this number is {len(node.value):,} characters long; a number may have "
                                        f"at most {MAX_NUMBER_LENGTH} (put it in quotes if it is text)", *where))
        return 0
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        located.problems.append(Problem(
            f"'{shorten(node.value)}' looks like a date but is not a valid one ({exc}); put it in quotes if it is "
            "text", *where))
        return str(node.value)
    if isinstance(value, float) and not math.isfinite(value):
        what = "not a number" if math.isnan(value) else "too large" if node.value[-1:].isdigit() else "infinite"
        located.problems.append(Problem(f"the number '{shorten(node.value)}' is {what}; write a number between "
                                        "-1e308 and 1e308 (put it in quotes if it is text)", *where))
        return 0.0
    if isinstance(value, str) and INVALID_CHARACTER.search(value):
        value = SURROGATE_PAIR.sub(_joined_pair, value)  # "\ud83d\ude42", as JSON writes 🙂, is one character
        problem = invalid_character(value)
        if problem:
            located.problems.append(Problem(problem, *where))
            return INVALID_CHARACTER.sub("\ufffd", value)
    return value


SURROGATE_PAIR = re.compile(r"[\ud800-\udbff][\udc00-\udfff]")


def _joined_pair(match: re.Match[str]) -> str:
    high, low = (ord(c) for c in match.group())
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
COLLECTION_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def _build(node: yaml.Node, path: KeyPath, located: Located, loader: BoundedLoader) -> Any:
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


def _build_mapping(node: yaml.MappingNode, path: KeyPath, located: Located, loader: BoundedLoader) -> Any:
    """A dict from a mapping node; duplicate and non-text keys become problems.

    Merge keys (``<<: *anchor``) are resolved in place by PyYAML, so the mapping's own keys are those the
    composer saw. Own keys override merged ones, and where several merged mappings give a key the first one
    listed wins, as YAML specifies; neither is a duplicate.
    """
    own = loader.own_keys.get(id(node)) or {id(key) for key, _ in node.value}
    loader.flatten_mapping(node)  # resolve '<<: *anchor' merge keys; the mapping's own keys override them
    result: dict[Any, Any] = {}
    merged: set[str] = set()
    for key_node, value_node in node.value:
        key_mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        before = len(located.problems)
        key = _construct(key_node, loader, located, path) if isinstance(key_node, yaml.ScalarNode) else None
        if len(located.problems) > before:
            continue  # a key that is not valid (a 200-digit number, a lone surrogate) is reported once, then left out
        if not isinstance(key, str | int | float | bool) or key is None:
            located.problems.append(Problem("a key must be a plain word", located.file, key_mark.line,
                                            key_mark.column, format_path(path) or None))
            continue
        key = key if isinstance(key, str) else str(key)
        key_path = (*path, key)
        if id(key_node) not in own:
            if key in merged:
                result.pop(key, None)
            merged.add(key)
        elif key in merged:
            merged.discard(key)
            result.pop(key, None)
        if key in result:
            first = located.keys[key_path]
            located.problems.append(Problem(
                f"duplicate key '{shorten(key)}' (first defined on line {first.line}); remove one of them",
                located.file, key_mark.line, key_mark.column, format_path(key_path)))
            continue
        located.keys[key_path] = key_mark
        result[key] = _build(value_node, key_path, located, loader)
    return result
