"""Charts: a chart spec and its query result → Vega-Lite JSON (pure), and the values charts and tables share."""

from __future__ import annotations

from .colors import page_colors
from .dates import time_format_locale
from .numbers import format_locale
from .spec import ChartContext, colored_categories, fold, vega_lite
from .values import column_kind, field_names, interval_text, json_value, looks_like_id, looks_like_year

__all__ = ["ChartContext", "colored_categories", "column_kind", "field_names", "fold", "format_locale",
           "interval_text", "json_value", "looks_like_id", "looks_like_year", "page_colors", "time_format_locale",
           "vega_lite"]
