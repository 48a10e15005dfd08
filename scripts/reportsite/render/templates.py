"""Jinja2 environment and page rendering.

Template contract (what each page template receives):
- every page: ``site`` (SiteConfig), ``root`` ("" or "../": prefix for site-relative links),
  ``assets`` (name → site-relative path: css, vega, words, js, theme, …, and logo when site.yaml names one),
  ``built_at`` (ISO timestamp), ``page_title``, ``html_lang`` (the language of the words: de-CH, fr).
- ``index.html``: ``reports``: the manifest entry of each report (title, description as plain text,
  update_frequency, data_modified, data_as_of (e.g. "Jan 5, 2026", the site's way), data_as_of_label ("Data
  as of", or "Files updated" when it is the files' modification time), status, stale, warnings, metrics,
  charts, tables, …) plus href.
- ``report.html``: ``report``: a ReportPage (metrics, charts, tables, text, sources, problems, warnings).
Autoescaping is always on and undefined variables are errors.

Filters write values the site's way (site.yaml's locale, currency and timezone, see ``formats``):
``value(kind)`` a value in full, ``cell(kind)`` a table cell, ``when`` an ISO time such as ``built_at``.
Besides: ``markdown(parameters=None, level=2)`` (safe HTML from Markdown; headings start at h<level>),
``plain_text`` (Markdown without markup), ``reader_warning`` (a build warning in a reader's words),
``brand_style`` (primary_color → CSS custom properties), ``frequency`` (daily → "Daily", in the site's words),
``as_of_label`` ("Data as of" / "Files updated" in the site's words).

Words: ``_("…")`` and ``ngettext("…", "…", n, count=…)`` (Jinja's i18n extension, newstyle: placeholders are
``%(name)s``, a literal percent sign is ``%%``) read the site's catalog (``values.words``);
``table_body(table)`` and ``chart_data_body(data)`` write a table's rows (``table_html``: Python, not a Jinja
loop per cell, for speed); ``script_messages("tables", …)`` gives the translations the named scripts need, for a
``<script type="application/json" data-messages>`` the scripts read.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

from markupsafe import Markup

from reportsite.errors import RenderError
from reportsite.pages import markdown_text, notices
from reportsite.render import table_html
from reportsite.values import brand
from reportsite.values.formats import Formats
from reportsite.values.words import ENGLISH, N_, Words, messages_in

# The scripts a page may load (assets' names), by file under site_src/static/.
SCRIPTS = {"words": "words.js", "js": "site.js", "theme": "theme.js", "filters": "filters.js",
           "search": "list_search.js", "tables": "tables.js", "private": "private.js"}
FREQUENCIES = {"hourly": N_("Hourly"), "daily": N_("Daily"), "weekly": N_("Weekly"), "monthly": N_("Monthly"),
               "manual": N_("Manual")}
AS_OF_LABELS = (N_("Data as of"), N_("Files updated"))


def _formats(context: Any) -> Formats:
    """The site's formats, from the page's ``site`` (en-US, USD, UTC when a page has none)."""
    site = context.get("site")
    return Formats.of(site) if site is not None and hasattr(site, "locale") else Formats()


def format_value(value: Any, kind: str = "number", currency: str = "USD", locale: str = "en-US") -> str:
    """A value in full, the site's way: 1,234,567 · $1,234.50 · 12.5% · Jan 5, 2026; '—' for nothing."""
    return Formats(locale, currency).value(value, kind)


def format_change(value: Any, previous: Any, kind: str = "number", better: str = "higher",
                  locale: str = "en-US", currency: str = "USD") -> str:
    """'▲ 5.3%', '▼ 2.5 pp', '▲ $1,200', 'no change' (empty when there is nothing to compare)."""
    change = Formats(locale, currency).change(value, previous, kind, better)
    return change.text if change else ""


def format_time(value: Any, formats: Formats | None = None) -> str:
    """An ISO time (a build, a file's modification) in the site's zone and locale: Jan 5, 2026, 7:00 AM CET."""
    shown = formats or Formats()
    if not value:
        return shown.words.gettext("unknown")
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # the build's own times are UTC
    return shown.moment(moment, seconds=False)


def _value_filter(context: Any, value: Any, kind: str = "number", *_: Any) -> str:
    return _formats(context).value(value, kind)


def _cell_filter(context: Any, value: Any, kind: str = "text") -> str:
    return _formats(context).cell(value, kind) or ""


def _when_filter(context: Any, value: Any) -> str:
    return format_time(value, _formats(context))


CSP_BASE = ("default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def content_security_policy(templates: Path) -> str:
    """The pages' Content-Security-Policy: scripts, style files, images, fetches and forms from the site
    itself only (a page makes no request elsewhere, and an injected or foreign script does not run); the
    templates' own inline scripts (the theme picker) by their sha256. Vega runs without eval (``ast``)."""
    hashes = []
    for path in sorted(templates.rglob("*.html")):
        for body in _INLINE_SCRIPT.findall(path.read_text(encoding="utf-8")):
            if "{{" in body or "{%" in body:
                continue  # a script made from values is not trusted
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
            hashes.append(f" 'sha256-{digest}'")
    return CSP_BASE.format(hashes="".join(dict.fromkeys(hashes)))



def html_lang(words: Words, locale: str) -> str:
    """The page's lang: the language of its words, with the locale's region when they share the language."""
    language = words.language.replace("_", "-")
    base = locale.replace("_", "-").split("-")[0].lower()
    return locale.replace("_", "-") if base == words.base and "-" not in language else language


def script_messages(static: Path | None, words: Words, names: tuple[str, ...]) -> dict[str, Any]:
    """The translations the named scripts mark with _() and ngettext()."""
    wanted: list[tuple[str, str | None]] = []
    for name in names:
        path = static / SCRIPTS[name] if static is not None and name in SCRIPTS else None
        if path is not None and path.is_file():
            wanted += _script_messages(path.read_text(encoding="utf-8"))
    return words.for_scripts(dict.fromkeys(wanted))


_SEEN: dict[str, list[tuple[str, str | None]]] = {}


def _script_messages(source: str) -> list[tuple[str, str | None]]:
    if source not in _SEEN:
        _SEEN[source] = messages_in(source)
    return _SEEN[source]


def environment(templates: Path, words: Words = ENGLISH, static: Path | None = None) -> Any:
    """The pages' Jinja2 environment, speaking ``words``; ``static`` holds the scripts (default: beside the
    templates)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(words.raw, words.raw_plural, newstyle=True)  # type: ignore[attr-defined]
    scripts = static if static is not None else templates.parent / "static"
    env.globals["script_messages"] = lambda *names: script_messages(scripts, words, names)
    env.filters.update({name: jinja2.pass_context(function) for name, function in (
        ("value", _value_filter), ("cell", _cell_filter), ("when", _when_filter))})
    env.filters.update(markdown=markdown_text.render, plain_text=markdown_text.plain,
                       reader_warning=jinja2.pass_context(
                           lambda context, warning: notices.reader_warning(warning, _formats(context).locale, words)),
                       brand_style=brand.brand_style,
                       frequency=lambda value: words.gettext(FREQUENCIES[value]) if value in FREQUENCIES else value,
                       as_of_label=lambda label: words.gettext(label) if label in AS_OF_LABELS else label)
    env.globals["content_security_policy"] = content_security_policy(templates)
    no_value = str(Markup(words.raw(table_html.NO_VALUE)) % {})  # as {{ _("no value") }} writes it
    env.globals["table_body"] = lambda table: table_html.table_body(table, no_value)
    env.globals["chart_data_body"] = lambda data: table_html.chart_data_body(data, no_value)
    return env


def render(env: Any, template: str, context: dict[str, Any]) -> str:
    import jinja2

    try:
        return str(env.get_template(template).render(**context))
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError.at(f"template syntax error: {exc.message}", f"site_src/templates/{exc.name or template}",
                             exc.lineno) from None
    except jinja2.UndefinedError as exc:
        raise RenderError.at(f"template uses an undefined value: {exc.message}",
                             f"site_src/templates/{template}") from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError.at(f"template not found: {exc.name}", "site_src/templates") from None
