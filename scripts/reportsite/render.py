"""Jinja2 environment and page rendering.

Template contract (what each page template receives):
- every page: ``site`` (SiteConfig), ``root`` ("" or "../": prefix for site-relative links),
  ``assets`` (name → site-relative path: css, vega, js, theme, and logo when site.yaml names one),
  ``built_at`` (ISO timestamp), ``page_title``.
- ``index.html``: ``reports``: the manifest entry of each report (title, description as plain text,
  update_frequency, data_modified, status, stale, warnings, metrics, charts, tables, …) plus href.
- ``report.html``: ``report``: a ReportPage (metrics, charts, tables, text, sources, problems, warnings).
Autoescaping is always on and undefined variables are errors.

Filters besides the value formats: ``markdown(parameters=None, level=2)`` (safe HTML from Markdown;
headings start at h<level>), ``plain_text`` (Markdown without markup), ``reader_warning(locale)`` (a
build warning in a reader's words), ``brand_style`` (primary_color → CSS custom properties).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from . import brand, markdown_text, notices
from .errors import RenderError

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "CHF": "CHF "}


def format_value(value: Any, kind: str = "number", currency: str = "USD") -> str:
    """Human form of a metric value: 1,234,567 · $1,234.50 · 12.5%."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "—"
    if kind == "percent":
        return f"{value * 100:,.1f}%"
    if kind == "currency":
        symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
        sign = "-" if value < 0 else ""
        digits = 0 if abs(value) >= 1000 else 2
        return f"{sign}{symbol}{abs(value):,.{digits}f}"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.2f}"
    return str(value)


def format_change(change: float | None) -> str:
    if change is None:
        return ""
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "")
    return f"{arrow} {abs(change):.1f}%".strip()


def format_time(value: str | None) -> str:
    if not value:
        return "unknown"
    moment = dt.datetime.fromisoformat(value)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def environment(templates: Path) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(value=format_value, cell=format_cell, change=format_change, when=format_time)
    env.filters.update(markdown=markdown_text.render, plain_text=markdown_text.plain,
                       reader_warning=notices.reader_warning, brand_style=brand.brand_style)
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
