"""How metric cards write their numbers: the change against the previous value, and one unit for a row of cards.

- A change reads with comparable precision whatever its kind: one decimal (▲ 22.9%, ▼ 0.3 pp), or the first
  significant digit when one decimal would round it to zero (▼ 0.04 pp), never ▼ 0.297 pp beside ▼ 22.9%.
- Cards shown together shorten alike: when one card needs a unit (2.3 Mio.), a card of the same page whose value
  is within a tenth of that unit is written in it too (0.29 Mio., not 286'397 beside 2.3 Mio.).
"""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Formats = Any  # values.formats.Formats (which imports this module)

SHORTEN_FROM = 1_000_000  # a card writes 1.2M from here on (formats.SHORTEN_FROM)
COMPACT_BELOW = decimal.Decimal("1e15")


@dataclass(frozen=True)
class Change:
    """A metric's change against its previous value, as shown and as read aloud."""

    text: str  # ▲ 5.3% · ▼ 2.5 pp · ▲ $1,200 · no change
    tone: str  # good | bad | neutral
    spoken: str  # up 5.3%, better
    direction: str  # up | down | flat


def _number(value: Any) -> decimal.Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(repr(value) if isinstance(value, float)
                                                                             else value)
    return None if number.is_nan() or number.is_infinite() else number


def change_digits(amount: decimal.Decimal) -> int:
    """Decimals for a change of ``amount`` (in percent or percentage points): one, or as many as its first
    significant digit needs when one would show zero."""
    size = abs(amount)
    if not size or size >= decimal.Decimal("0.05"):
        return 1
    return min(-size.adjusted(), 12)


def change(formats: Formats, value: Any, previous: Any, kind: str = "number", better: str = "higher") -> Change | None:
    """The change from ``previous`` to ``value``: relative (▲ 5.3%); in percentage points for percent metrics
    (▼ 2.5 pp); as the difference itself when the previous value is zero or the sign flips (▲ $1,200). None when
    either is not a number."""
    now, before = _number(value), _number(previous)
    if now is None or before is None:
        return None
    words = formats.words
    difference = now - before
    if not difference:
        same = words.gettext("no change")
        return Change(same, "neutral", same, "flat")
    up = difference > 0
    good = up == (better == "higher")
    size = abs(difference)
    if kind == "percent":
        points = size * 100
        amount = formats.number(points, max_fraction=change_digits(points))
        shown = words.gettext("%(amount)s pp", amount=amount)
        spoken = words.gettext("%(amount)s percentage points", amount=amount)
    elif not before or ((now < 0) != (before < 0) and now):
        shown = spoken = formats.short(size, kind)
    else:
        ratio = size / abs(before)
        shown = spoken = formats.percent(ratio, max_fraction=change_digits(ratio * 100))
    phrases = {(True, True): words.gettext("up %(change)s, better", change=spoken),
               (True, False): words.gettext("up %(change)s, worse", change=spoken),
               (False, True): words.gettext("down %(change)s, better", change=spoken),
               (False, False): words.gettext("down %(change)s, worse", change=spoken)}
    return Change(f"{'▲' if up else '▼'} {shown}", "good" if good else "bad", phrases[up, good],
                  "up" if up else "down")


def unit_of(formats: Formats, values: Iterable[Any]) -> int | None:
    """The unit a page's amounts share: the smallest the locale writes any of them in (10**6 for 2.3 Mio.), None
    when none is large enough to be shortened."""
    steps = [step for step in _steps(formats.locale) if step >= SHORTEN_FROM]
    used = []
    for value in values:
        number = _number(value)
        if number is None or abs(number) >= COMPACT_BELOW or abs(number).to_integral_value() < SHORTEN_FROM:
            continue
        used.append(max(s for s in steps if s <= abs(number).to_integral_value()))
    return min(used) if used else None


def in_unit(formats: Formats, value: Any, kind: str, unit: int) -> str | None:
    """``value`` written in ``unit`` (0.29 Mio., CHF 0.29 Mio.) when it lies within a tenth of it and below it;
    None otherwise (it keeps its own form)."""
    number = _number(value)
    if number is None or kind not in ("number", "currency") or not unit / 10 <= abs(number) < unit:
        return None
    pattern = _pattern(formats.locale, unit, kind)
    if pattern is None:
        return None
    scaled = number / unit
    digits = max(1, -scaled.copy_abs().adjusted() + 1)  # two significant digits: 0.29, 0.10
    shown = formats.number(abs(scaled).quantize(decimal.Decimal(1).scaleb(-digits)), min_fraction=digits,
                           max_fraction=digits)
    text = pattern.replace("0", shown, 1)
    if kind == "currency":
        text = formats.space_currency(text.replace("¤", formats.currency_symbol))
    return ("-" if number < 0 else "") + text


def _steps(locale: str) -> list[int]:
    from babel import Locale

    found = Locale.parse(locale.replace("-", "_")).compact_decimal_formats.get("short", {}).get("other", {})
    steps = [int(magnitude) for magnitude, pattern in found.items() if str(pattern.pattern).count("0") == 1]
    return sorted(steps) or [SHORTEN_FROM]


def _pattern(locale: str, unit: int, kind: str) -> str | None:
    """The locale's short pattern for ``unit`` with one digit ('0 Mio.', '¤0M'), quotes removed."""
    from babel import Locale

    found = Locale.parse(locale.replace("-", "_"))
    table = found.compact_currency_formats if kind == "currency" else found.compact_decimal_formats
    pattern = table.get("short", {}).get("other", {}).get(str(unit))
    if pattern is None:
        return None
    text = str(pattern.pattern).split(";")[0]
    if text.count("0") != 1:
        return None
    return re.sub(r"'([^']*)'", r"\1", text)


def align(cards: Iterable[Any], formats: Formats) -> None:
    """Cards shown together shorten alike (see the module): rewrite ``shown`` (and the previous value's) of the
    cards within a tenth of the unit the others need. Each card has value, previous, format, shown and
    previous_shown."""
    cards = list(cards)
    numeric = [c for c in cards if c.format in ("number", "currency")]
    unit = unit_of(formats, [c.value for c in numeric])
    if unit is None:
        return
    for card in numeric:
        mine = card_formats(card, formats)
        shown = in_unit(mine, card.value, card.format, unit)
        if shown is not None:
            card.shown = shown
        if card.previous_shown is not None:
            before = in_unit(mine, card.previous, card.format, unit)
            if before is not None:
                card.previous_shown = before


def card_formats(card: Any, formats: Formats) -> Formats:
    return formats.with_currency(getattr(card, "currency", None))


__all__ = ["Change", "align", "change", "change_digits", "in_unit", "unit_of"]
