"""Charts: a chart spec and its query result → Vega-Lite JSON (pure), with colours, dates and numbers by locale.

Layer: pages' building blocks, beside ``downloads`` and ``private`` (they do not import each other). May import
``config``, ``values`` and the base modules.
"""

from __future__ import annotations

from reportsite.charts.colors import OTHER, page_colors
from reportsite.charts.dates import time_format_locale
from reportsite.charts.numbers import format_locale
from reportsite.charts.spec import ChartContext, colored_categories, fold, vega_lite
from reportsite.charts.theme import dark_config
from reportsite.charts.values import column_kind, field_names, looks_like_id, looks_like_year

__all__ = ["OTHER", "ChartContext", "colored_categories", "column_kind", "dark_config", "field_names", "fold",
           "format_locale", "looks_like_id", "looks_like_year", "page_colors", "time_format_locale", "vega_lite"]
