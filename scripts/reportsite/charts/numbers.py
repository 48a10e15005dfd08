"""How numbers read in charts: Vega's format locale from CLDR (Babel), axis labels and tooltip formats.

Vega formats with d3-format specifiers in the page's locale (passed to vega-embed as ``formatLocale``),
so the decimal mark, grouping and currency symbol follow ``locale`` and ``currency`` in site.yaml.
Axis labels of large values are shortened the way the locale writes them ("$1.2M", "1,2 Mio. €");
tooltips keep the digits that matter.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from typing import Any

Style = str  # number | currency | percent | plain | date | datetime


def babel_locale(locale: str) -> Any:
    from babel import Locale

    return Locale.parse(locale.replace("-", "_"))


@functools.cache
def currency_affixes(locale: str, currency: str) -> tuple[str, str]:
    """The text before and after an amount of ``currency`` in ``locale``: ('$', '') · ('', '\u00a0€') ·
    ('CHF\u00a0', '')."""
    from babel.numbers import get_currency_symbol

    loc = babel_locale(locale)
    pattern = loc.currency_formats["standard"].pattern.split(";")[0]
    symbol = get_currency_symbol(currency, loc)
    before, _, rest = pattern.partition("#") if "#" in pattern else pattern.partition("0")
    after = re.sub(r"[#0,.]", "", rest)
    prefix = before.replace("¤", symbol)
    suffix = after.replace("¤", symbol)
    if prefix and prefix[-1].isalpha():
        prefix += "\u00a0"  # CLDR's currency spacing: 'CHF 12', not 'CHF12'
    if suffix and suffix[0].isalpha():
        suffix = "\u00a0" + suffix
    return prefix, suffix


@functools.cache
def format_locale(locale: str, currency: str) -> dict[str, Any]:
    """d3-format locale definition (decimal, thousands, grouping, currency) for vega-embed."""
    loc = babel_locale(locale)
    symbols = loc.number_symbols.get("latn", loc.number_symbols) if hasattr(loc, "number_symbols") else {}
    pattern = loc.decimal_formats[None].pattern
    groups = pattern.split(".")[0].split(",")
    grouping = [len(groups[-1])] + ([len(groups[-2])] if len(groups) > 2 and len(groups[-2]) != len(groups[-1])
                                    else [])
    return {"decimal": symbols.get("decimal", "."), "thousands": symbols.get("group", ","),
            "grouping": grouping if grouping != [0] else [3], "currency": list(currency_affixes(locale, currency)),
            "minus": "\u2212", "percent": symbols.get("percentSign", "%")}


@functools.cache
def compact_steps(locale: str) -> list[tuple[float, str]]:
    """(divisor, suffix) for shortened numbers in ``locale``, largest first: [(1e12, 'T'), (1e9, 'B'), …]."""
    loc = babel_locale(locale)
    patterns = loc.compact_decimal_formats.get("short", {}).get("other", {})
    steps: list[tuple[float, str]] = []
    for magnitude, pattern in patterns.items():
        text = pattern.pattern if hasattr(pattern, "pattern") else str(pattern)
        digits = text.count("0")
        suffix = re.sub(r"0+", "", text).replace("'", "")
        if digits == 1 and suffix.strip():
            steps.append((float(magnitude), suffix))
    return sorted(steps, reverse=True)


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def axis_label_expr(style: Style, locale: str, currency: str, value: str = "datum.value",
                    values: list[Any] | None = None) -> str:
    """A Vega expression for an axis label: shortened in the locale's words for large values; percentages
    with the decimals their size needs (0.0123% stays 0.0123%, not 0%)."""
    prefix, suffix = currency_affixes(locale, currency) if style == "currency" else ("", "")
    if style == "percent":
        largest = max((abs(v) for v in _numbers(values or [])), default=1.0)
        decimals = 0 if largest >= 0.1 or largest == 0 else min(6, 1 - math.floor(math.log10(largest * 100)))
        return f"format({value}, '.{decimals}~%')"
    if style == "plain":
        return f"format({value}, 'd')"
    size = f"abs({value})"
    small = f"format({size}, '{'$' if style == 'currency' else ''},.4~r')"
    expression = small
    for divisor, word in reversed(compact_steps(locale)):
        if divisor < 1e4 and not word.strip():
            continue
        number = f"format({size} / {divisor:g}, ',.3~r')"
        text = f"{_quoted(prefix)} + {number} + {_quoted(word)} + {_quoted(suffix)}"
        expression = f"{size} >= {divisor:g} ? ({text}) : ({expression})"
    signed = f"({value} < 0 ? '\u2212' : '') + ({expression})"  # −$1.2M, not $−1.2M
    return signed.replace("'' + ", "").replace(" + ''", "")


def label_chars(style: Style, values: list[Any], locale: str, currency: str) -> int:
    """About how many characters the widest label of a value axis over ``values`` has (the page script fits the
    number of ticks to the axis' length with it)."""
    numbers = _numbers(values)
    largest = max((abs(v) for v in numbers), default=0.0)
    prefix, suffix = currency_affixes(locale, currency) if style == "currency" else ("", "")
    if style == "percent":
        return 6
    if style == "plain":
        return len(str(int(largest))) if math.isfinite(largest) else 4
    word = ""
    for divisor, suffix_word in compact_steps(locale):
        if largest >= divisor and (divisor >= 1e4 or suffix_word.strip()):
            largest, word = largest / divisor, suffix_word
            break
    digits = len(f"{largest:,.0f}") + (2 if largest < 100 else 0)
    return len(prefix) + digits + len(word) + len(suffix) + (1 if any(v < 0 for v in numbers) else 0)


def tooltip_format(style: Style, values: list[Any]) -> str:
    """A d3-format specifier that keeps the digits that matter for these values."""
    if style == "percent":
        return ".1~%" if _smallest(values) >= 0.001 else ".3~%"
    if style == "plain":
        return "d" if all(float(v).is_integer() for v in _numbers(values)) else "~f"
    grouping = "$," if style == "currency" else ","
    if style == "currency":
        return f"{grouping}.2f" if any(not float(v).is_integer() for v in _numbers(values)) else f"{grouping}.0f"
    numbers = _numbers(values)
    if all(float(v).is_integer() for v in numbers):
        return ",d"
    smallest = _smallest(values)
    decimals = 2 if smallest >= 1 or smallest == 0 else min(12, 1 - math.floor(math.log10(smallest)) + 1)
    return f",.{decimals}~f"


def _numbers(values: list[Any]) -> list[float]:
    return [float(v) for v in values if isinstance(v, int | float | decimal.Decimal) and not isinstance(v, bool)
            and math.isfinite(float(v))]


def _smallest(values: list[Any]) -> float:
    nonzero = [abs(v) for v in _numbers(values) if v]
    return min(nonzero) if nonzero else 0.0


__all__ = ["axis_label_expr", "compact_steps", "currency_affixes", "format_locale", "label_chars", "tooltip_format"]
