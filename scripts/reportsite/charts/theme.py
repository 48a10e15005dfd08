"""How charts look: the site's font and colours, light by default (the page script swaps in dark)."""

from __future__ import annotations

from typing import Any

FONT = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def light_config(primary: str) -> dict[str, Any]:
    """Vega-Lite config matching the site's light theme; ``primary`` colours single-series marks."""
    mark = {"color": primary}
    return {
        "font": FONT,
        "background": "transparent",
        "view": {"stroke": None},
        "axis": {"labelColor": "#475569", "titleColor": "#334155", "gridColor": "#e2e8f0", "domainColor": "#cbd5e1",
                 "tickColor": "#cbd5e1", "labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": 600,
                 "titlePadding": 8},
        "axisBand": {"grid": False},
        "legend": {"orient": "bottom", "direction": "horizontal", "columns": 4, "labelColor": "#475569",
                   "titleColor": "#334155", "labelFontSize": 11, "titleFontSize": 11, "symbolType": "circle",
                   "symbolSize": 80, "columnPadding": 12, "rowPadding": 4, "labelLimit": 160, "titleOrient": "top",
                   "titleLimit": 320},
        "title": {"anchor": "start", "fontSize": 14, "fontWeight": 600, "color": "#0f172a"},
        "line": mark, "bar": mark, "area": mark, "point": mark, "circle": mark, "rect": mark, "arc": mark,
        "text": {"color": "#334155"},
        "range": {"heatmap": {"scheme": "blues"}},
    }


__all__ = ["FONT", "light_config"]
