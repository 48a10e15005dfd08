"""How charts look in the light and the dark theme: the site's font and the colours of axes, legends and text.

One definition for both themes: ``INK`` holds each colour's light and dark value. Specs carry the light config
(``light_config``); the page carries the dark overrides once (``dark_config``, in the page's ``#vega-locale``
JSON beside the number and date names) and its script merges them in when the reader picks the dark theme.
Series colours have their own light/dark twins (``palette``), passed in each spec's ``usermeta.reportsite.dark``.
"""

from __future__ import annotations

from typing import Any

from reportsite.charts.palette import DARK_BACKGROUND

FONT = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# name: (light, dark) — slate shades; the dark ones read on the dark theme's slate-900 cards
INK = {
    "label": ("#475569", "#cbd5e1"),  # axis and legend labels
    "title": ("#334155", "#e2e8f0"),  # axis and legend titles
    "grid": ("#e2e8f0", "#334155"),
    "domain": ("#cbd5e1", "#475569"),  # axis lines and ticks
    "heading": ("#0f172a", "#f1f5f9"),  # chart titles
    "text": ("#334155", "#e2e8f0"),  # text marks
}


def _inked(theme: int) -> dict[str, Any]:
    """The config keys that differ between the themes (0: light, 1: dark)."""
    ink = {name: pair[theme] for name, pair in INK.items()}
    return {
        "axis": {"labelColor": ink["label"], "titleColor": ink["title"], "gridColor": ink["grid"],
                 "domainColor": ink["domain"], "tickColor": ink["domain"]},
        "legend": {"labelColor": ink["label"], "titleColor": ink["title"]},
        "title": {"color": ink["heading"]},
        "text": {"color": ink["text"]},
    }


def light_config(primary: str) -> dict[str, Any]:
    """Vega-Lite config matching the site's light theme; ``primary`` colours single-series marks."""
    mark = {"color": primary}
    inked = _inked(0)
    return {
        "font": FONT,
        "background": "transparent",
        "view": {"stroke": None},
        "axis": {**inked["axis"], "labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": 600,
                 "titlePadding": 8},
        "axisBand": {"grid": False},
        "legend": {"orient": "bottom", "direction": "horizontal", "columns": 4, **inked["legend"],
                   "labelFontSize": 11, "titleFontSize": 11, "symbolType": "circle", "symbolSize": 80,
                   "columnPadding": 12, "rowPadding": 4, "labelLimit": 160, "titleOrient": "top", "titleLimit": 320},
        "title": {"anchor": "start", "fontSize": 14, "fontWeight": 600, **inked["title"]},
        "line": mark, "bar": mark, "area": mark, "point": mark, "circle": mark, "rect": mark, "arc": mark,
        "text": inked["text"],
        "range": {"heatmap": {"scheme": "blues"}},
    }


def dark_config() -> dict[str, Any]:
    """What the dark theme changes in ``light_config`` (merged in by the page script): the dark inks, and slices
    and heatmap cells outlined in the card colour."""
    return {**_inked(1), "arc": {"stroke": DARK_BACKGROUND}, "rect": {"stroke": DARK_BACKGROUND}}


__all__ = ["FONT", "INK", "dark_config", "light_config"]
