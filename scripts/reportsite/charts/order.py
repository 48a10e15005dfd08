"""The natural order of categories: hours 9, 10 … 23 (not 10 … 23, 9), Monday … Sunday, January … December.

A category axis keeps the query's order (ORDER BY revenue DESC means biggest first), except where the values
have an order of their own that the data may not follow: numbers and numbers written as text ('09', '10'),
weekday names (from the week's first day in the site's locale) and month names, in English or in the
locale's language. Ids (customer_id, sku) are labels, not quantities: they keep the query's order.
"""

from __future__ import annotations

import decimal
import functools
import re
from collections.abc import Sequence
from typing import Any

NUMERIC_TEXT = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?\s*$")
ENGLISH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                  "october", "november", "december")


def _number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


@functools.cache
def _names(locale: str) -> tuple[dict[str, int], dict[str, int], int]:
    """Weekday names (0 = Monday) and month names (0 = January), full and short, English and the locale's, lower
    case; and the locale's first day of the week (0 = Monday)."""
    from babel import Locale

    found = Locale.parse(locale.replace("-", "_"))
    days = {name: i for i, name in enumerate(ENGLISH_DAYS)}
    days.update({name[:3]: i for i, name in enumerate(ENGLISH_DAYS)})
    months = {name: i for i, name in enumerate(ENGLISH_MONTHS)}
    months.update({name[:3]: i for i, name in enumerate(ENGLISH_MONTHS)})
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for index, name in (found.days.get(context, {}).get(width) or {}).items():
                days.setdefault(str(name).lower().rstrip("."), int(index))
            for index, name in (found.months.get(context, {}).get(width) or {}).items():
                months.setdefault(str(name).lower().rstrip("."), int(index) - 1)
    return days, months, int(found.first_week_day)


def first_weekday(locale: str) -> int:
    """The first day of the week in ``locale`` (0 = Monday, 6 = Sunday: en-US)."""
    return _names(locale)[2]


def natural_order(values: Sequence[Any], locale: str = "en-US", id_like: bool = False) -> list[Any] | None:
    """The distinct values in their natural order, or None when they have none (or are ids): the axis then keeps
    the query's order."""
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    if len(distinct) < 2 or id_like:
        return None
    if all(_number(v) for v in distinct):
        return sorted(distinct)
    if not all(isinstance(v, str) for v in distinct):
        return None
    if all(NUMERIC_TEXT.match(v) for v in distinct):
        return sorted(distinct, key=lambda v: (float(v.strip().replace(",", ".")), v))
    days, months, first = _names(locale)
    keys = [v.strip().lower().rstrip(".") for v in distinct]
    if all(k in days for k in keys):
        return [v for _, v in sorted(zip([(days[k] - first) % 7 for k in keys], distinct, strict=True),
                                     key=lambda pair: pair[0])]
    if all(k in months for k in keys):
        return [v for _, v in sorted(zip([months[k] for k in keys], distinct, strict=True), key=lambda pair: pair[0])]
    return None


__all__ = ["first_weekday", "natural_order"]
