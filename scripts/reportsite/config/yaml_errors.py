"""YAML syntax errors as one plain line each, at the line and column a person would look at."""

from __future__ import annotations

import re
from typing import Any

import yaml

from reportsite.errors import ConfigError


def one_line(text: str) -> str:
    return " ".join(text.split())


def reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> ConfigError:
    """A control character PyYAML refuses to read, located by line and column."""
    position = exc.position
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return ConfigError.at(f"the control character U+{code:04X} is not allowed in YAML text; remove it",
                          file, line, column)


_FOUND = re.compile(r"but (?:found|got) (.+)$")


def syntax_error(exc: yaml.MarkedYAMLError, file: str) -> ConfigError:
    """One plain line for a PyYAML syntax error, at the most useful position."""
    message, mark = _explain(exc)
    text = f"YAML syntax error: {message}"
    if mark is None:
        return ConfigError.at(text, file)
    return ConfigError.at(text, file, mark.line + 1, mark.column + 1)


def _explain(exc: yaml.MarkedYAMLError) -> tuple[str, Any]:
    """Translate PyYAML's wording into what an author should do; return (message, mark)."""
    problem = one_line(exc.problem or "syntax error")
    context = one_line(exc.context or "")
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


__all__ = ["one_line", "reader_error", "syntax_error"]
