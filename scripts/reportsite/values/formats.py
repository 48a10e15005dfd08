"""How the site writes numbers, money, percentages, dates and times: by site.yaml's ``locale``,
``currency`` and ``timezone`` (Babel's CLDR data). Every Python-side display goes through here: metric
cards, table cells, "Data as of", parameter values in titles. Pure: no I/O.

- Numbers keep their significant digits: 1234.5678 → 1,234.57 · 0.000123 → 0.000123 · 12.0 → 12.
- Years and ids print without separators (2013, 1141), by the column's name (see ``plain_by_name``).
- Dates are calendar days, never shifted; aware timestamps are shown in the site's zone with a short
  zone label when it is not UTC; naive timestamps are shown as written (``timevalues``).
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import functools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportsite.values import cards
from reportsite.values.cards import Change
from reportsite.values.jsonvalues import json_value
from reportsite.values.timevalues import zone
from reportsite.values.words import ENGLISH, Words

KINDS = ("number", "currency", "percent", "plain", "date", "datetime", "text")
NUMERIC_KINDS = frozenset({"number", "currency", "percent"})
EMPTY = "—"
SHORTEN_FROM = 1_000_000  # cards write 1.2M from here on
COMPACT_BELOW = decimal.Decimal("1e15")  # CLDR's short forms end at trillions (999T)
SCIENTIFIC_ABOVE = decimal.Decimal("1e21")  # floats this large have no meaningful digits left to show
SCIENTIFIC_BELOW = decimal.Decimal("1e-12")
YEAR_RANGE = (1900, 2100)
YEAR_NAMES = frozenset({"year", "yr", "yyyy", "fy", "fiscal_year", "fiscalyear", "financial_year"})
YEAR_WORDS = frozenset({"year", "years", "yr", "yyyy", "fy", "vintage"})
ID_WORDS = frozenset({"id", "ids", "uuid", "code", "zip", "zipcode", "postal", "postcode", "plz", "number", "no",
                      "nr", "num", "sku", "ean", "upc", "gtin", "isbn", "key", "ref", "phone", "account", "acct",
                      "invoice", "iban"})
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words(name: str) -> list[str]:
    """The words of a column name, lower case: 'CustomerID' → ['customer', 'id'], 'fiscal_yr' → [.., 'yr']."""
    return [w.lower() for w in WORD.findall(name)]


def id_like(name: str) -> bool:
    """Names of identifiers and codes, whose digits are not amounts: id, order_id, CustomerID, zip,
    postal_code, invoice_no, sku."""
    found = words(name)
    return bool(found) and (found[-1] in ID_WORDS or found[0] == "id")


def year_like(name: str, values: Iterable[Any] = ()) -> bool:
    """A year column: named year, yr, fiscal_year…; or a name with 'year' in it whose whole numbers all
    lie between 1900 and 2100 (order_year, year_opened)."""
    if name.lower() in YEAR_NAMES:
        return True
    if not YEAR_WORDS.intersection(words(name)):
        return False
    numbers = [v for v in values if v is not None and not _nan(v)]
    return bool(numbers) and all(_is_number(v) and float(v).is_integer() and YEAR_RANGE[0] <= v <= YEAR_RANGE[1]
                                 for v in numbers)


def plain_by_name(name: str, values: Iterable[Any] = ()) -> bool:
    """Whether a column of whole numbers is written without separators (years and ids)."""
    return id_like(name) or year_like(name, values)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, decimal.Decimal) and value.is_nan()


def _decimal(value: int | float | decimal.Decimal) -> decimal.Decimal:
    """The number as a Decimal of its shortest written form (0.1 stays 0.1); -0 becomes 0."""
    number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(repr(value) if isinstance(value, float)
                                                                             else value)
    return number if number else decimal.Decimal(0)


def _group(digits: str, size: int, symbol: str) -> str:
    """'1234567' → '1'234'567'."""
    head, groups = digits, list[str]()
    while len(head) > size:
        head, tail = head[:-size], head[-size:]
        groups.insert(0, tail)
    return symbol.join([head, *groups])


def fraction_digits(number: decimal.Decimal) -> int:
    """How many decimals a number needs: none when whole, at most 2 from 1 up, three significant digits
    below 1 (0.000123)."""
    if number == number.to_integral_value():
        return 0
    if abs(number) >= 1:
        return 2
    return min(-abs(number).adjusted() + 2, 14)


@functools.lru_cache(maxsize=32)
def babel_locale(name: str) -> Any:
    from babel import Locale

    return Locale.parse(name.replace("-", "_"))


@functools.lru_cache(maxsize=32)
def _symbols(locale: str, currency: str) -> tuple[str, str]:
    """The locale's group separator and the currency's symbol in it."""
    from babel.numbers import get_currency_symbol, get_group_symbol

    return get_group_symbol(babel_locale(locale)), get_currency_symbol(currency, babel_locale(locale))


@functools.lru_cache(maxsize=256)
def _pattern(locale: str, kind: str, fraction: tuple[int, int]) -> Any:
    """The locale's number, currency or percent pattern with these many decimals (min, max)."""
    found = babel_locale(locale)
    source = {"number": found.decimal_formats[None], "percent": found.percent_formats[None],
              "currency": found.currency_formats["standard"]}[kind]
    pattern = copy.copy(source)
    pattern.frac_prec = fraction
    return pattern


@dataclass(frozen=True)
class Formats:
    """The site's way of writing values (site.yaml's locale, currency and timezone)."""

    locale: str = "en-US"
    currency: str = "USD"
    timezone: str = "UTC"
    words: Words = field(default=ENGLISH, compare=False)  # the site's words (language and labels)

    @classmethod
    def of(cls, site: Any, currency: str | None = None) -> Formats:
        """The formats of a SiteConfig (``currency``: a report's own, instead of the site's)."""
        return cls(site.locale, currency or site.currency, site.timezone, Words.of(site))

    def with_currency(self, currency: str | None) -> Formats:
        """The same formats for amounts in another currency (a report's or a column's own)."""
        if not currency or currency == self.currency:
            return self
        return Formats(self.locale, currency, self.timezone, self.words)

    @property
    def _babel(self) -> Any:
        return babel_locale(self.locale)

    # Numbers -----------------------------------------------------------------------------------------

    def _apply(self, kind: str, number: decimal.Decimal, fraction: tuple[int, int], group: bool = True) -> str:
        pattern = _pattern(self.locale, kind, fraction)
        symbol = _symbols(self.locale, self.currency)[0]
        quoted = group and "'" in symbol  # Babel drops "'" pairs as pattern quotes: 1'234'567 → 1234567
        text = str(pattern.apply(number, self._babel, currency=self.currency, currency_digits=False,
                                 group_separator=group and not quoted))
        if quoted:
            size = pattern.grouping[0]
            text = re.sub(r"\d+", lambda m: _group(m.group(0), size, symbol), text, count=1)  # the whole part
        return self._space_currency(text) if kind == "currency" else text

    @property
    def currency_symbol(self) -> str:
        """The currency's symbol in the locale: $, €, CHF."""
        return str(_symbols(self.locale, self.currency)[1])

    def space_currency(self, text: str) -> str:
        """'CHF1,234.50' → 'CHF 1,234.50' (CLDR's currency spacing, which Babel leaves out)."""
        return self._space_currency(text)

    def _space_currency(self, text: str) -> str:
        """'CHF1,234.50' → 'CHF 1,234.50' (CLDR's currency spacing, which Babel leaves out)."""
        symbol = _symbols(self.locale, self.currency)[1]
        if symbol[-1:].isalpha():
            text = re.sub(rf"({re.escape(symbol)})(?=\d)", "\\1\u00a0", text)
        if symbol[:1].isalpha():
            text = re.sub(rf"(?<=\d)({re.escape(symbol)})", "\u00a0\\1", text)
        return text

    def _scientific(self, number: decimal.Decimal) -> str:
        from babel.numbers import format_scientific

        return str(format_scientific(number, "0.##E0", locale=self._babel))

    def number(self, value: int | float | decimal.Decimal, min_fraction: int = 0,
               max_fraction: int | None = None) -> str:
        """1,234,567 · 1,234.57 · 0.000123 · 12 (1.234,57 in de-DE)."""
        number = _decimal(value)
        if number and ((abs(number) >= SCIENTIFIC_ABOVE and isinstance(value, float))
                       or abs(number) < SCIENTIFIC_BELOW):
            return self._scientific(number)
        most = fraction_digits(number) if max_fraction is None else max_fraction
        return self._apply("number", number, (min_fraction, max(most, min_fraction)))

    def plain(self, value: int | float | decimal.Decimal) -> str:
        """A year or an id: digits only, no separators (2013, 1141)."""
        number = _decimal(value)
        if number == number.to_integral_value():
            return str(int(number))
        return self._apply("number", number, (0, fraction_digits(number)), group=False)

    def money(self, value: int | float | decimal.Decimal, cents: bool = True) -> str:
        """$1,234.56 · 1.234,56 € · CHF 1,234.56; tiny amounts keep their digits ($0.00042)."""
        from babel.numbers import get_currency_precision

        number = _decimal(value)
        digits = get_currency_precision(self.currency) if cents else 0
        most = digits
        if number and abs(number) < decimal.Decimal(1).scaleb(-digits):
            most = max(digits, fraction_digits(number))
        return self._apply("currency", number, (digits, most))

    def percent(self, value: int | float | decimal.Decimal, min_fraction: int = 0,
                max_fraction: int | None = None) -> str:
        """A fraction as a percentage: 0.253 → 25.3% (25,3 % in de-DE); 0.000012 → 0.0012%."""
        number = _decimal(value)
        hundred = number * 100
        most = 1 if abs(hundred) >= 1 or not hundred else fraction_digits(hundred)
        most = most if max_fraction is None else max_fraction
        return self._apply("percent", number, (min(min_fraction, most), most))

    def short(self, value: Any, kind: str = "number") -> str:
        """A card's value: 1.2M · $58.1T · 58,1 Bio. € for large numbers, else the whole value
        ($44.46; $800 and $12,346 without cents)."""
        if not _is_number(value) or _nan(value) or kind not in NUMERIC_KINDS:
            return self.value(value, kind)
        from babel.numbers import format_compact_currency, format_compact_decimal

        number = _decimal(value)
        size = abs(number)
        if kind == "percent":
            return self.percent(number)
        if size >= COMPACT_BELOW:  # beyond trillions: 1.5E18 (1.5E18 CHF)
            return self._scientific(number) + (f"\u00a0{self.currency}" if kind == "currency" else "")
        if size.to_integral_value() >= SHORTEN_FROM:
            number = number.to_integral_value()  # 999,999.99 is 1M (CLDR has no short form below a million)
            if kind == "currency":
                return self._space_currency(format_compact_currency(number, self.currency, locale=self._babel,
                                                                    fraction_digits=1))
            return str(format_compact_decimal(number, locale=self._babel, fraction_digits=1))
        if kind == "currency":  # cents only where there are some, and below 1,000
            return self.money(number, cents=size < 1000 and number != number.to_integral_value())
        return self.number(number, max_fraction=0 if size >= 1000 else None)

    # Dates and times ---------------------------------------------------------------------------------

    def date(self, value: dt.date) -> str:
        """Jan 5, 2026 · 05.01.2026 · 5 Jan 2026."""
        from babel.dates import format_date

        return str(format_date(value, "medium", locale=self._babel))

    def datetime(self, value: dt.datetime, seconds: bool | None = None) -> str:
        """Jan 5, 2026, 7:00 AM CET: an aware time in the site's zone, labelled when the zone is not UTC;
        a naive time as written."""
        from babel.dates import format_date, format_time

        label = ""
        if value.tzinfo is not None:
            moment = value.astimezone(zone(self.timezone))
            label = "" if self.timezone in ("UTC", "Etc/UTC") else (moment.tzname() or "")
            value = moment.replace(tzinfo=None)
        with_seconds = bool(value.second or value.microsecond) if seconds is None else seconds
        clock = format_time(value.time(), "medium" if with_seconds else "short", locale=self._babel)
        text = self._babel.datetime_formats["medium"].replace("{1}", format_date(value.date(), "medium",
                                                                                 locale=self._babel))
        text = re.sub(r"'([^']*)'", r"\1", text.replace("{0}", clock))  # {1} 'at' {0} → … at …
        return f"{text} {label}" if label else text

    def moment(self, value: Any, seconds: bool | None = None) -> str:
        """A date, a datetime or an ISO text of one, written as a date or a time (``seconds``: always,
        never, or None when it has some)."""
        if isinstance(value, str):
            try:
                value = (dt.date.fromisoformat(value) if len(value.strip()) == 10
                         else dt.datetime.fromisoformat(value.strip()))
            except ValueError:
                return value
        if isinstance(value, dt.datetime):
            return self.datetime(value, seconds)
        if isinstance(value, dt.date):
            return self.date(value)
        return self.value(value)

    # Any value ---------------------------------------------------------------------------------------

    def value(self, value: Any, kind: str = "number", min_fraction: int = 0) -> str:
        """A value written in full, by its kind: number, currency, percent, plain, date, datetime or text.
        Nothing (NULL, NaN) is '—'. Dates and times are written as such whatever the kind."""
        text = self.cell(value, kind, min_fraction)
        return EMPTY if text is None else text

    def cell(self, value: Any, kind: str = "number", min_fraction: int = 0) -> str | None:
        """Like ``value``, but None for nothing (a table shows it as a light dash)."""
        if value is None or _nan(value):
            return None
        if isinstance(value, bool):
            return self.words.gettext("true") if value else self.words.gettext("false")
        if isinstance(value, dt.datetime):
            return self.datetime(value)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, float) and math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if _is_number(value):
            if kind == "currency":
                return self.money(value)
            if kind == "percent":
                return self.percent(value, min_fraction)
            if kind in ("plain", "text"):
                return self.plain(value)
            return self.number(value, min_fraction)
        if isinstance(value, str):
            return self.moment(value) if kind in ("date", "datetime") else value
        return _text(value)

    def column(self, values: Sequence[Any], kind: str) -> list[str | None]:
        """A table column's cells: numbers share their decimals (12.50 beside 100.25), up to two."""
        shared = self.shared_fraction(values, kind)
        return [self.cell(v, kind, shared) for v in values]

    @staticmethod
    def shared_fraction(values: Sequence[Any], kind: str) -> int:
        """The decimals a column's numbers share (``column``): the most any of them needs, up to two."""
        if kind not in ("number", "percent"):
            return 0
        numbers = [_decimal(v) * (100 if kind == "percent" else 1) for v in values
                   if _is_number(v) and not _nan(v) and not (isinstance(v, float) and math.isinf(v))]
        needed = [min(fraction_digits(n), 2) for n in numbers if abs(n) >= 1]
        return min(max(needed, default=0), 1 if kind == "percent" else 2)

    def parameter(self, name: str, value: Any) -> str:
        """A $name in a title: dates and numbers the site's way; years and ids as written."""
        if _is_number(value) and plain_by_name(name, [value]):
            return self.plain(value)
        if isinstance(value, int) and not isinstance(value, bool) and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
            return str(value)  # 2025 in a title is a year, not 2,025
        return self.value(value)

    def change(self, value: Any, previous: Any, kind: str = "number", better: str = "higher") -> Change | None:
        """The change from ``previous`` to ``value`` (``cards.change``): ▲ 5.3% · ▼ 2.5 pp · ▲ $1,200."""
        return cards.change(self, value, previous, kind, better)


def _text(value: Any) -> str:
    """Lists, structs, maps and other values as compact JSON-like text."""
    value = json_value(value)
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def column_kind(name: str, arrow_type: Any, values: Sequence[Any], declared: str | None = None) -> str:
    """How a table column is shown: its declared format, else by its type (dates, times, numbers, text)
    and, for whole numbers, its name (years and ids plain)."""
    import pyarrow as pa

    if declared:
        return declared
    types = pa.types
    if types.is_timestamp(arrow_type):
        return "datetime"
    if types.is_date(arrow_type):
        return "date"
    if types.is_integer(arrow_type) or types.is_floating(arrow_type) or types.is_decimal(arrow_type):
        whole = all(_decimal(v) == _decimal(v).to_integral_value() for v in values
                    if _is_number(v) and not _nan(v) and not (isinstance(v, float) and math.isinf(v)))
        return "plain" if whole and plain_by_name(name, values) else "number"
    return "text"


__all__ = ["EMPTY", "KINDS", "NUMERIC_KINDS", "Change", "Formats", "babel_locale", "column_kind", "fraction_digits",
           "id_like", "plain_by_name", "words", "year_like"]
