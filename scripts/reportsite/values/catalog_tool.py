"""Keep the message catalogs in step with the code: extract, update and compile (Babel).

``python -m reportsite.values.catalog_tool`` (``make messages``) reads every message the package, the
templates and the scripts mark (``_()``, ``gettext()``, ``ngettext()``, ``N_()``), writes
``locales/reportsite.pot``, merges it into each language's ``reportsite.po`` (new messages arrive empty, for a
translator; removed ones are dropped) and compiles every ``.po`` to the ``.mo`` the site reads.
``--check`` changes nothing and lists what is missing: a message a catalog does not translate (every plural
form), a translation whose placeholders differ from its message's, a ``.mo`` older than its ``.po``.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reportsite.values.words import DOMAIN, LOCALES, PLACEHOLDER, SHIPPED

PACKAGE = Path(__file__).resolve().parents[1]
REPO = PACKAGE.parents[1]
# Where messages are marked, and how each kind of file is read.
SOURCES = [
    (PACKAGE, "*.py", "python"),
    (PACKAGE / "smoke", "*.js", "javascript"),
    (REPO / "site_src" / "templates", "*.html", "jinja2"),
    (REPO / "site_src" / "static", "*.js", "javascript"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
CATALOGS = (*SHIPPED, "de_CH")  # de_CH holds only the Swiss spellings (ss for ß); the rest falls back to de
FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "extensions": "jinja2.ext.i18n"}


def files() -> Iterator[tuple[Path, str]]:
    for folder, pattern, method in SOURCES:
        for path in sorted(folder.rglob(pattern)):
            if "locales" not in path.parts and path.name != "catalog_tool.py":
                yield path, method


def extract() -> Any:
    """Every marked message, as a Babel catalog (the template)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract as extract_from

    template = Catalog(domain=DOMAIN, project="reportsite", fuzzy=False)
    for path, method in files():
        options = JINJA_OPTIONS if method == "jinja2" else {}
        function = "jinja2.ext:babel_extract" if method == "jinja2" else method
        with path.open("rb") as handle:
            for line, message, comments, context in extract_from(function, handle, KEYWORDS, ["Translators:"],
                                                                options, strip_comment_tags=True):
                template.add(message, None, [(str(path.relative_to(REPO)), line)], auto_comments=comments,
                             context=context, flags=("python-format",) if _formatted(message) else ())
    return template


def _formatted(message: str | tuple[str, ...]) -> bool:
    texts = message if isinstance(message, tuple) else (message,)
    return any(PLACEHOLDER.search(t) for t in texts)


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Any:
    from babel.messages.pofile import read_po

    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def write(catalog: Any, path: Path) -> None:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)
    text = re.sub(rb'"POT-Creation-Date: [^"]*\\n"\n', b"", buffer.getvalue())  # no date: same input, same file
    text = re.sub(rb'"Generated-By: [^"]*\\n"\n', b"", text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)


def compiled(language: str) -> bytes:
    from babel.messages.mofile import write_mo

    catalog = read(language)
    catalog.creation_date = catalog.revision_date = FIXED_DATE  # the same .po compiles to the same bytes
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update() -> list[str]:
    """Write the template, merge it into every catalog, compile them; what was done, one line each."""
    from babel.messages.catalog import Catalog

    template = extract()
    write(template, LOCALES / f"{DOMAIN}.pot")
    done = [f"{len(template)} messages in {DOMAIN}.pot"]
    for language in CATALOGS:
        path = po_path(language)
        catalog = read(language) if path.exists() else Catalog(locale=language, domain=DOMAIN)
        if language == "de_CH":
            catalog = _swiss(catalog)
        else:
            catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
            catalog.obsolete.clear()
        write(catalog, path)
        path.with_suffix(".mo").write_bytes(compiled(language))
        done.append(f"{language}: {len(missing(language))} missing")
    return done


def _swiss(current: Any) -> Any:
    """de_CH: the German messages that spell ß, with ss (Swiss orthography)."""
    from babel.messages.catalog import Catalog

    german = read("de")
    swiss = Catalog(locale="de_CH", domain=DOMAIN)
    swiss.plural_forms  # noqa: B018 - the header comes from the locale
    for message in german:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any("ß" in s for s in strings):
            swapped = tuple(s.replace("ß", "ss") for s in strings)
            swiss.add(message.id, swapped if isinstance(message.string, tuple) else swapped[0],
                      flags=message.flags, context=message.context)
    del current
    return swiss


def missing(language: str) -> list[str]:
    """What the catalog of ``language`` lacks or gets wrong, one line each (empty when complete)."""
    template = extract()
    catalog = read(language)
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        if language == "de_CH":
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if found is None:
            problems.append(f"{language}: missing {key!r}")
            continue
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if not all(strings) or "fuzzy" in found.flags:
            problems.append(f"{language}: {key!r} is not translated (every plural form)")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for text in strings:
            extra = set(PLACEHOLDER.findall(text)) - wanted
            if extra or (len(strings) == 1 and set(PLACEHOLDER.findall(text)) != wanted):
                problems.append(f"{language}: {key!r} → {text!r} has placeholders {sorted(PLACEHOLDER.findall(text))}"
                                f", the message {sorted(wanted)}")
    mo = po_path(language).with_suffix(".mo")
    if not mo.exists() or _entries(mo.read_bytes()) != _entries(compiled(language)):
        problems.append(f"{language}: {mo.name} is not compiled from its .po (run make messages)")
    return problems


def _entries(mo: bytes) -> dict[Any, str]:
    """A compiled catalog's messages (its header, which holds dates, left out)."""
    found = dict(gettext.GNUTranslations(io.BytesIO(mo))._catalog)  # type: ignore[attr-defined]
    found.pop("", None)
    return found


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problems = [p for language in CATALOGS for p in missing(language)]
        print("\n".join(problems) or "every catalog is complete")
        return 1 if problems else 0
    print("\n".join(update()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
