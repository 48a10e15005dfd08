"""How values are named outside SQL: URL tokens of filter choices and pages, and the ``$name`` of a parameter."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")  # $name in SQL, titles and text


def token_of(value: Any) -> str:
    """How a value is written in the URL: text as it is, dates in ISO 8601, numbers plainly."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


__all__ = ["PARAMETER", "token_of"]
