"""The words the site adds, in the reader's language: gettext catalogs (Babel), compiled as package data.

Every text a page, a script, a download or a smoke message adds ("All", "Last 30 days", "Download CSV",
"1–25 of 91") is an English ``msgid`` looked up in ``values/locales/<lang>/LC_MESSAGES/reportsite.mo``
(shipped for en, de, de_CH, fr, it, es, nl and pt; ``catalog_tool`` extracts, updates and compiles them).
site.yaml's ``language`` picks the catalog (default: from ``locale``: de-CH reads de_CH, then de), and
``labels`` overrides any single string. Placeholders are Python's named ones (``%(count)s``); plural
forms follow CLDR (Babel writes each catalog's Plural-Forms, and the scripts pick a form with the
browser's ``Intl.PluralRules``, mapped here to the catalog's forms).
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "reportsite"
SHIPPED = ("en", "de", "fr", "it", "es", "nl", "pt")  # complete catalogs (de_CH adds Swiss spellings to de)
CATEGORIES = ("zero", "one", "two", "few", "many", "other")  # CLDR plural categories
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
LONE_PERCENT = re.compile(r"%(?!\(\w+\)s|%)")


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


def tag(text: str) -> str:
    """A language or locale tag as a catalog's folder name: 'de-CH' → 'de_CH', 'PT' → 'pt'."""
    parts = re.split(r"[-_]", text.strip())
    return "_".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def chain(language: str) -> list[str]:
    """The catalogs a language reads, most specific first: 'de-CH' → ['de_CH', 'de']."""
    parts = tag(language).split("_")
    return ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]


def has_catalog(language: str) -> bool:
    """Whether the words of ``language`` (or of its base language) are shipped."""
    return chain(language)[-1] in SHIPPED


def shown_language(language: str | None, locale: str) -> str:
    """The language the site's words are in: ``language`` as given, else the locale's (de-CH); a locale
    whose language has no catalog reads English."""
    if language:
        return language
    return locale if has_catalog(locale) else "en"


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    found: gettext.NullTranslations | None = None
    for name in reversed(chain(language)):  # the base language first: the specific one falls back to it
        path = LOCALES / name / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not path.is_file():
            continue
        with path.open("rb") as handle:
            loaded = gettext.GNUTranslations(handle)
        if found is not None:
            loaded.add_fallback(found)
        found = loaded
    return found or gettext.NullTranslations()


@functools.cache
def _plural_category(language: str, number: float) -> str:
    from babel import Locale

    try:
        return str(Locale.parse(tag(language)).plural_form(number))
    except (ValueError, LookupError):
        return "one" if number == 1 else "other"


@functools.cache
def _category_forms(language: str) -> dict[str, int]:
    """For the scripts: which of the catalog's plural forms each CLDR category reads (fr: one → 0, many → 1,
    other → 2), found by trying numbers with both rules."""
    translations = _translations(language)
    rule = getattr(translations, "plural", None)
    forms: dict[str, int] = {}
    for number in [*range(0, 1001), 1_000_000, 2_000_000, 0.5, 1.5]:
        category = _plural_category(language, number)
        if category not in forms:
            forms[category] = int(rule(int(number))) if rule else (0 if number == 1 else 1)
    return forms


def fill(text: str, values: Mapping[str, Any]) -> str:
    """``%(name)s`` placeholders filled (``%%`` is a percent sign); unknown names stay as written."""
    if "%" not in text:
        return text
    filled = PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)
    return filled.replace("%%", "%")


def as_format(label: str) -> str:
    """A label from site.yaml as a format string: '{count} Seiten' → '%(count)s Seiten'; a lone '%' kept."""
    text = re.sub(r"\{(\w+)\}", r"%(\1)s", label)
    return LONE_PERCENT.sub("%%", text)


Label = str | dict[str, str]


@dataclass(frozen=True)
class Words:
    """The site's words: a language's catalog with site.yaml's ``labels`` on top."""

    language: str = "en"
    labels: tuple[tuple[str, Any], ...] = ()  # (msgid, text or {category: text}), as site.yaml writes them

    @classmethod
    def of(cls, site: Any) -> Words:
        """The words of a SiteConfig (its language, else its locale's; its labels)."""
        language = shown_language(getattr(site, "language", None), getattr(site, "locale", "en-US"))
        labels = getattr(site, "labels", None) or {}
        return cls.make(language, labels)

    @classmethod
    @functools.cache
    def _make(cls, language: str, labels: tuple[tuple[str, Any], ...]) -> Words:
        return cls(language, labels)

    @classmethod
    def make(cls, language: str, labels: Mapping[str, Label] | None = None) -> Words:
        frozen = tuple(sorted((k, v if isinstance(v, str) else tuple(sorted(v.items())))
                              for k, v in (labels or {}).items()))
        return cls._make(language, frozen)

    @functools.cached_property
    def _labels(self) -> dict[str, Any]:
        return {key: as_format(value) if isinstance(value, str) else {k: as_format(v) for k, v in value}
                for key, value in self.labels}

    @property
    def base(self) -> str:
        """The language without its region: 'de' for de-CH (the html lang of the words)."""
        return chain(self.language)[-1]

    def gettext(self, message: str, /, **values: Any) -> str:
        """``message`` in the site's language (or its label), placeholders filled (``%%`` is a percent sign)."""
        return fill(self.raw(message), values)

    def raw(self, message: str) -> str:
        """The translation (or label) as a format string, placeholders kept (for Jinja's own formatting)."""
        label = self._labels.get(message)
        if isinstance(label, dict):
            label = label.get("other") or next(iter(label.values()))
        return str(label) if label is not None else str(_translations(self.language).gettext(message))

    def ngettext(self, singular: str, plural: str, count: float, /, **values: Any) -> str:
        """The form for ``count`` (CLDR's plural rules), placeholders filled; ``%(count)s`` defaults to it."""
        label = self._labels.get(singular)
        if isinstance(label, str):
            text = label
        elif isinstance(label, dict):
            text = label.get(_plural_category(self.language, count)) or label.get("other") or singular
        else:
            text = _translations(self.language).ngettext(singular, plural, int(count) if float(count).is_integer()
                                                         else 2)
        return fill(text, {"count": count, **values})

    def raw_plural(self, singular: str, plural: str, count: float) -> str:
        """The plural form for ``count`` with its placeholders (for Jinja's own formatting)."""
        label = self._labels.get(singular)
        if isinstance(label, str):
            return label
        if isinstance(label, dict):
            return label.get(_plural_category(self.language, count)) or label.get("other") or singular
        return _translations(self.language).ngettext(singular, plural, int(count) if float(count).is_integer()
                                                     else 2)

    def for_scripts(self, messages: Iterable[tuple[str, str | None]]) -> dict[str, Any]:
        """The translations a page's scripts need: msgid → text, or {CLDR category: text} for plurals
        (``messages``: (singular, plural or None))."""
        found: dict[str, Any] = {}
        for singular, plural in messages:
            if plural is None:
                found[singular] = self.gettext(singular)
                continue
            forms = {}
            label = self._labels.get(singular)
            for category, index in _category_forms(self.language).items():
                if isinstance(label, dict):
                    forms[category] = label.get(category) or label.get("other") or singular
                elif isinstance(label, str):
                    forms[category] = label
                else:
                    sample = 1 if index == 0 and category == "one" else _sample(self.language, category)
                    forms[category] = _translations(self.language).ngettext(singular, plural, sample)
            found[singular] = forms
        return found


@functools.cache
def _sample(language: str, category: str) -> int:
    for number in [*range(0, 1001), 1_000_000, 2_000_000]:
        if _plural_category(language, number) == category:
            return number
    return 2


ENGLISH = Words()


def messages_in(text: str, source: str = "javascript") -> list[tuple[str, str | None]]:
    """The messages a script (or Python source) marks with _(), gettext(), ngettext(): (singular, plural)."""
    from babel.messages.extract import extract_javascript, extract_python

    extract = extract_javascript if source == "javascript" else extract_python
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found: list[tuple[str, str | None]] = []
    for _line, _function, message, _comments in extract(io.BytesIO(text.encode("utf-8")), keywords, [], {}):
        texts = list(message) if isinstance(message, tuple | list) else [message]
        if not texts or not isinstance(texts[0], str):
            continue
        plural = texts[1] if _function == "ngettext" and len(texts) > 1 and isinstance(texts[1], str) else None
        found.append((texts[0], plural))
    return list(dict.fromkeys(found))


@functools.cache
def known_messages() -> dict[str, tuple[bool, frozenset[str]]]:
    """Every message the site has (from the catalog template): its English text → (counts things, placeholders)."""
    from babel.messages.pofile import read_po

    path = LOCALES / f"{DOMAIN}.pot"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        template = read_po(handle)
    found: dict[str, tuple[bool, frozenset[str]]] = {}
    for message in template:
        if not message.id:
            continue
        ids = [str(i) for i in message.id] if isinstance(message.id, tuple | list) else [str(message.id)]
        found[ids[0]] = (len(ids) > 1, frozenset(PLACEHOLDER.findall(" ".join(ids))))
    return found


__all__ = [
    "CATEGORIES",
    "ENGLISH",
    "LOCALES",
    "N_",
    "SHIPPED",
    "Words",
    "as_format",
    "chain",
    "fill",
    "has_catalog",
    "known_messages",
    "messages_in",
    "shown_language",
    "tag",
]
