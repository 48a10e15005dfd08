"""Load YAML while remembering where every key and list item came from.

PyYAML's composed node tree carries source marks; we walk it ourselves and record them (``positions``), so
later stages can turn a key path like ``("charts", 2, "params", "x")`` back into ``file:line:column``.
Duplicate keys, which PyYAML silently accepts, are reported here; syntax errors become one plain line
(``yaml_errors``). Reading is bounded: file size, nesting, values and aliases.
"""

from __future__ import annotations

import math
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from reportsite.config.positions import KeyPath, Located, Mark, format_path, shorten
from reportsite.config.yaml_errors import one_line, reader_error, syntax_error
from reportsite.errors import ConfigError, Problem

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
        raise reader_error(exc, text, file) from None
    located = Located(data=None, file=file, lines=text.splitlines())
    try:
        node = loader.get_single_node()
        if node is None:
            return located
        located.keys[()] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
        located.data = _build(node, (), located, loader)
    except yaml.MarkedYAMLError as exc:
        raise syntax_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise ConfigError.at(f"not valid YAML: {one_line(str(exc))}", file) from None
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
