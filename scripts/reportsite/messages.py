"""Turn pydantic validation errors into one located, plain-English line each."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .errors import Problem, did_you_mean
from .yamlsrc import KeyPath, Located, format_path

EMPTY_FILE = "the file is empty; a report needs at least 'title' and one of metrics, charts, tables or text"


def kind(value: Any) -> str:
    """How a YAML value looks to its author: 'a list', 'a mapping', 'text', ..."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ('{value}')" if len(value) < 40 else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def suggest(word: str, choices: Iterable[str]) -> str:
    return did_you_mean(word, choices)


def _unwrap(annotation: Any) -> Any:
    """list[X] → X, dict[str, X] → X, X | None → X (for walking models along an error path)."""
    origin = get_origin(annotation)
    if origin in (list, dict):
        return _unwrap(get_args(annotation)[-1])
    if origin in (types.UnionType, typing.Union):
        members = [a for a in get_args(annotation) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        return _unwrap(models[0]) if models else annotation
    return annotation


def _model_at(model: type[BaseModel], path: KeyPath) -> Any:
    current: Any = model
    for part in path:
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = _unwrap(field.annotation)
    return current


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[KeyPath, bool]:
    """The prefix of ``loc`` that exists in the data, and whether all of it does."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            return tuple(path), False
        path.append(part)
    return tuple(path), True


def _value_at(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _expected(error_type: str, ctx: dict[str, Any], model: Any) -> str | None:
    if error_type in ("string_type",):
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
        if isinstance(model, type) and issubclass(model, BaseModel):
            keys = ", ".join(model.model_fields)
            return f"a mapping with keys like {keys}"
        return "a mapping of name: value"
    return None


def from_validation(exc: ValidationError, located: Located, model: type[BaseModel]) -> list[Problem]:
    """One Problem per distinct location, in file order."""
    problems: dict[KeyPath, Problem] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        path, complete = _data_path(located.data, loc)
        if path in problems:
            continue
        error_type = error["type"]
        ctx = error.get("ctx") or {}
        if error_type == "missing":
            missing = loc[len(path)] if len(loc) > len(path) else loc[-1]
            field_model = _model_at(model, path)
            doc = ""
            if isinstance(field_model, type) and issubclass(field_model, BaseModel):
                info = field_model.model_fields.get(str(missing))
                doc = f" ({info.description})" if info and info.description else ""
            message = f"missing required key '{missing}'{doc}"
        elif error_type == "extra_forbidden":
            parent = _model_at(model, path[:-1])
            allowed = list(parent.model_fields) if isinstance(parent, type) else []
            name = str(path[-1])
            message = f"unknown key '{name}'{did_you_mean(name, allowed)}; expected one of: {', '.join(allowed)}"
        elif error_type == "literal_error":
            value = _value_at(located.data, path) if complete else None
            allowed = [a.strip("'") for a in str(ctx.get("expected", "")).replace(" or ", ", ").split(", ")]
            what = str(path[-1]).replace("_", " ") if path else "value"
            message = (
                f"unknown {what} '{value}'{did_you_mean(str(value), allowed)}; expected one of: "
                f"{', '.join(allowed)}"
            )
        elif error_type == "value_error":
            message = str(error["msg"]).removeprefix("Value error, ")
        else:
            expected = _expected(error_type, ctx, _model_at(model, path))
            value = _value_at(located.data, path) if complete else None
            if expected:
                message = f"expected {expected}, found {kind(value)}"
            else:
                message = f"{error['msg']}, found {kind(value)}".replace("Input should be", "expected")
        if error_type == "missing" or not complete:
            problems[path] = located.problem(path, message)
        else:
            problems[path] = located.problem(path, message)
    ordered = sorted(problems.values(), key=lambda p: (p.line or 0, p.column or 0))
    return ordered


__all__ = ["EMPTY_FILE", "format_path", "from_validation", "kind", "suggest"]
