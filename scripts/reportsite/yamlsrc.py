"""Load YAML while remembering where every key and list item came from.

PyYAML's composed node tree carries source marks; we walk it ourselves so that
later stages can turn a key path like ``("charts", 2, "params", "x")`` back
into ``file:line:column``. Duplicate keys, which PyYAML silently accepts, are
reported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, Problem

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"


@dataclass
class Located:
    """A parsed YAML document and the source position of each key path."""

    data: Any
    file: str
    keys: dict[KeyPath, Mark] = field(default_factory=dict)
    values: dict[KeyPath, Mark] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # found while parsing, e.g. duplicate keys

    def mark(self, path: KeyPath) -> Mark | None:
        """Position of the key at ``path``, or of its nearest ancestor that exists."""
        path = tuple(path)
        while path:
            if path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return self.keys.get((), None)

    def problem(self, path: KeyPath, message: str) -> Problem:
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
        first = mark.line + (1 if mark.style in ("|", ">") else 0)
        return first + max(offset, 1) - 1


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
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise ConfigError.at(f"not valid YAML: {exc}", file) from None
    finally:
        loader.dispose()
    located = Located(data=None, file=file)
    if node is None:
        return located
    located.keys[()] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
    located.data = _build(node, (), located, loader, located.problems)
    return located


def load_file(path: Path, display: str) -> Located:
    """Read and parse a YAML file; reject binary, non-UTF-8 and empty files with a located message."""
    raw = path.read_bytes()
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
    located = load_text(text, display)
    return located


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> ConfigError:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or "syntax error").strip()
    if "found character '\\t'" in problem:
        problem = "a tab character is not allowed for indentation in YAML; indent with spaces"
    elif exc.context:
        problem = f"{problem} ({exc.context})"
    message = f"YAML syntax error: {problem}"
    if mark is None:
        return ConfigError.at(message, file)
    return ConfigError.at(message, file, mark.line + 1, mark.column + 1)


def _build(
    node: yaml.Node, path: KeyPath, located: Located, loader: yaml.SafeLoader, problems: list[Problem]
) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                problems.append(
                    Problem(
                        "a key must be a plain word",
                        located.file,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        format_path(path) or None,
                    )
                )
                continue
            key = str(key) if not isinstance(key, str) else key
            key_path = (*path, key)
            key_mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = located.keys[key_path]
                problems.append(
                    Problem(
                        f"duplicate key '{key}' (first defined on line {first.line}); remove one of them",
                        located.file,
                        key_mark.line,
                        key_mark.column,
                        format_path(key_path),
                    )
                )
                continue
            located.keys[key_path] = key_mark
            result[key] = _build(value_node, key_path, located, loader, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            item_path = (*path, index)
            located.keys[item_path] = Mark(item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_build(item, item_path, located, loader, problems))
        return items
    located.values[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1, node.style)
    return loader.construct_object(node, deep=True)
