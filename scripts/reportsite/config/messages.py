"""Turn pydantic validation errors into one located, plain-English line each.

Every line says what was found and what was expected, in the words of someone
writing YAML (text, a list, a mapping), never in Python's.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from reportsite.config.models import SOURCE_MAPPING
from reportsite.config.positions import KeyPath, Located, format_path, shorten
from reportsite.errors import Problem, did_you_mean

EMPTY_FILE = "the file is empty; a report needs at least 'title' and one of metrics, charts, tables or text"
ONLY_COMMENTS = ("the file holds only comments; a report needs at least 'title' and one of metrics, charts, "
                 "tables or text")
SCALAR_TYPES = {"string_type", "int_type", "float_type", "bool_type", "date_type", "datetime_type", "none_required"}
# What a literal (enum) field is called in messages, by field name (and by model for 'type').
NOUNS = {"type": "chart type", "y_format": "format", "update_frequency": "update_frequency",
         "width": "width", "severity": "severity", "format": "format"}


BOUNDS = {"greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than"),
          "less_than_equal": ("le", "at most"), "less_than": ("lt", "less than")}


def kind(value: Any) -> str:
    """How a YAML value looks to its author: 'a list', 'a mapping', 'text', ..."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({number(value)})"
    if isinstance(value, str):
        return f"text ('{value}')" if len(value) < 40 and "\n" not in value else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.datetime):
        return f"a date and time ({value.isoformat(sep=' ')})"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    return type(value).__name__


def number(value: int | float) -> str:
    """A number as written in a message; a 30-digit one as 1e+30, so a huge value cannot fill the line."""
    text = str(value) if not isinstance(value, int) or abs(value) < 10**20 else f"{value:.3g}"
    return text if len(text) <= 24 else f"{value:.3g}"



def summary(description: str | None) -> str:
    """The first sentence of a field description, as a phrase: 'The SQL to run. …' → 'the SQL to run'."""
    if not description:
        return ""
    first = description.split(". ", 1)[0].rstrip(".")
    return first[:1].lower() + first[1:]


def _unwrap(annotation: Any) -> Any:
    """list[X] → X, dict[str, X] → X, X | None → X (for walking models along an error path)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (list, dict):
        return _unwrap(get_args(annotation)[-1])
    if origin in (types.UnionType, typing.Union):
        members = [_unwrap(a) for a in get_args(annotation) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        return _unwrap(models[0]) if models else annotation
    return annotation


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _model_at(model: type[BaseModel], path: KeyPath) -> Any:
    """The model (or annotation) that describes the value at ``path``."""
    current: Any = model
    dict_key = False
    for part in path:
        if dict_key:  # a key of a mapping field (a table name under data_sources): its value's model follows
            dict_key = False
            continue
        if _is_model(current) and isinstance(part, str):
            field = current.model_fields.get(part)
            if field is None:
                return None
            dict_key = get_origin(field.annotation) is dict
            current = _unwrap(field.annotation)
    return current


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[KeyPath, bool]:
    """The prefix of ``loc`` that exists in the data, and whether all of it does."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if part == SOURCE_MAPPING and isinstance(current, dict) and part not in current:
            continue  # the tag of a union member, not a key of the file
        exists = (part in current) if isinstance(current, dict) else (
            isinstance(current, list) and isinstance(part, int) and part < len(current))
        if not exists:
            return tuple(path), False
        current = current[part]
        path.append(part)
    return tuple(path), True


def _value_at(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _expected(error_type: str, ctx: dict[str, Any], model: Any) -> str | None:
    """What a value of this kind should have been, for a type error."""
    if error_type == "string_type":
        return "text"
    if error_type in ("int_type", "int_parsing", "int_from_float"):
        return "a whole number"
    if error_type in ("float_type", "float_parsing"):
        return "a number"
    if error_type in ("bool_type", "bool_parsing"):
        return "true or false"
    if error_type == "list_type":
        return "a list (items starting with '- ')"
    if error_type in ("dict_type", "model_type", "model_attributes_type"):
        if _is_model(model):
            return f"a mapping with the keys {', '.join(model.model_fields)}"
        return "a mapping of name: value"
    if error_type in BOUNDS:
        name, words = BOUNDS[error_type]
        limit = ctx.get(name)
        return f"{words} {limit:g}" if isinstance(limit, float) else f"{words} {limit}"
    return None


def _missing(model: type[BaseModel], path: KeyPath, loc: tuple[Any, ...]) -> str:
    """'missing required key 'query' (the SQL to run)': the key and the first sentence of its description."""
    name = str(loc[len(path)] if len(loc) > len(path) else loc[-1])
    parent = _model_at(model, path)
    info = parent.model_fields.get(name) if _is_model(parent) else None
    what = summary(info.description) if info else ""
    return f"missing required key '{name}'" + (f" ({what})" if what else "")


def _unknown_key(model: type[BaseModel], path: KeyPath) -> str:
    """'unknown key 'x'', a hint where it belongs, and the keys allowed at that level."""
    parent = _model_at(model, path[:-1])
    allowed = list(parent.model_fields) if _is_model(parent) else []
    name = str(path[-1])
    hint = did_you_mean(shorten(name, 200), allowed) or (_nested_hint(parent, name) if _is_model(parent) else "")
    return f"unknown key '{shorten(name)}'{hint}; expected one of: {', '.join(allowed)}"


def _nested_hint(parent: type[BaseModel], name: str) -> str:
    """' (did you mean 'params.x'?)' when the key belongs one level down, e.g. a chart's x or format."""
    for field_name, info in parent.model_fields.items():
        child = _unwrap(info.annotation)
        if _is_model(child) and did_you_mean(name, child.model_fields):
            match = did_you_mean(name, child.model_fields).split("'")[1]
            if get_origin(info.annotation) is list:
                return f" ('{match}' belongs inside an item of {field_name})"
            return f" (did you mean '{field_name}.{match}'?)"
    return ""


def _literal(path: KeyPath, value: Any, ctx: dict[str, Any]) -> str:
    """A value outside a fixed list (chart type, format, ...), with the closest allowed one."""
    allowed = [a.strip("'") for a in str(ctx.get("expected", "")).replace(" or ", ", ").split(", ")]
    name = str(path[-1]) if path else "value"
    what = NOUNS.get(name, name.replace("_", " "))
    if not isinstance(value, str):
        return f"expected one of: {', '.join(allowed)}; found {kind(value)}"
    hint = did_you_mean(shorten(value, 200), allowed)
    return f"unknown {what} '{shorten(value)}'{hint}; expected one of: {', '.join(allowed)}"


def _wrong_type(error: dict[str, Any], model: type[BaseModel], path: KeyPath, value: Any) -> str:
    """'expected X, found Y' for a value of the wrong kind or out of bounds."""
    expected = _expected(error["type"], error.get("ctx") or {}, _model_at(model, path))
    if expected is None:
        text = str(error["msg"]).replace("Input should be", "expected")
        return f"{text}, found {kind(value)}"
    shown = number(value) if isinstance(value, int | float) else shorten(str(value))
    found = shown if error["type"] in BOUNDS else kind(value)
    message = f"expected {expected}, found {found}"
    if expected == "text" and isinstance(value, bool | dt.date):
        message += "; put the value in quotes"
    return message


def _describe(errors: list[dict[str, Any]], located: Located, model: type[BaseModel], path: KeyPath,
              complete: bool) -> list[str]:
    """The messages for all pydantic errors that point at one place in the data."""
    first = errors[0]
    error_type = first["type"]
    value = _value_at(located.data, path)
    if error_type == "missing":
        return list(dict.fromkeys(_missing(model, path, tuple(e["loc"])) for e in errors))
    if error_type == "extra_forbidden":
        return [_unknown_key(model, path)]
    if error_type == "literal_error":
        return [_literal(path, value, first.get("ctx") or {})]
    if error_type == "value_error":
        return [str(first["msg"]).removeprefix("Value error, ")]
    if error_type == "string_pattern_mismatch" and first["loc"][-1] == "[key]":
        return [f"table name '{shorten(str(path[-1]))}' must be letters, digits and underscores, not starting "
                "with a digit"]
    if not complete and all(e["type"] in SCALAR_TYPES for e in errors):
        return [f"expected a single value (text, a number, true/false or a date), found {kind(value)}"]
    return [_wrong_type(first, model, path, value)]


def from_validation(exc: ValidationError, located: Located, model: type[BaseModel]) -> list[Problem]:
    """One Problem per distinct mistake, in file order."""
    groups: dict[tuple[KeyPath, bool, str], list[dict[str, Any]]] = {}
    for error in exc.errors():
        path, complete = _data_path(located.data, tuple(error["loc"]))
        if error["type"] == "string_pattern_mismatch" and error["loc"][-1] == "[key]":
            complete = False
        kind_key = "missing" if error["type"] == "missing" else "other"
        groups.setdefault((path, complete, kind_key), []).append(dict(error))
    problems: list[Problem] = []
    seen: set[tuple[KeyPath, str]] = set()
    for (path, complete, _), errors in groups.items():
        for message in _describe(errors, located, model, path, complete):
            if (path, message) not in seen:
                seen.add((path, message))
                problems.append(located.problem(path, message))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


__all__ = ["EMPTY_FILE", "ONLY_COMMENTS", "format_path", "from_validation", "kind", "summary"]
