"""The brand colour (``primary_color``) and the variants the pages need, readable in light and dark mode.

Links and focus rings must stay readable whatever colour a business picks: each variant is darkened
(light mode) or lightened (dark mode) just enough to reach a 4.5:1 contrast (WCAG AA for text; 6:1 in
dark mode) against every background it sits on. ``base.html`` sets them once as CSS custom properties on ``<html>``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

RGB = tuple[float, float, float]

# The backgrounds brand-coloured text sits on (site.css: page, cards, subtle fills).
LIGHT_BACKGROUNDS = ("#ffffff", "#f8fafc", "#f1f5f9")  # white, slate-50, slate-100
DARK_BACKGROUNDS = ("#020617", "#0f172a", "#1e293b")  # slate-950, slate-900, slate-800
TEXT_CONTRAST = 4.5  # WCAG AA for text; light mode keeps the brand colour itself whenever it reaches this
DARK_CONTRAST = 6.0  # on dark backgrounds a little more lightness reads better than the bare minimum


def _rgb(color: str) -> RGB:
    value = color.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


def _hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _mix(color: str, target: str, amount: float) -> str:
    a, b = _rgb(color), _rgb(target)
    return _hex((a[0] + (b[0] - a[0]) * amount, a[1] + (b[1] - a[1]) * amount, a[2] + (b[2] - a[2]) * amount))


def readable(color: str, backgrounds: tuple[str, ...], towards: str, ratio: float = TEXT_CONTRAST) -> str:
    """``color`` mixed towards ``towards`` (black or white) in small steps until it reaches ``ratio``
    against every background; unchanged when it already does."""
    for step in range(0, 101):
        candidate = _mix(color, towards, step / 100)
        if all(contrast(candidate, bg) >= ratio for bg in backgrounds):
            return candidate
    return towards


@dataclass(frozen=True)
class Palette:
    brand: str  # fills: the header mark, buttons
    on_brand: str  # text on a brand fill
    ink_light: str  # links and focus rings on light backgrounds
    ink_dark: str  # links and focus rings on dark backgrounds

    def css(self) -> str:
        """The custom properties, for a ``style`` attribute."""
        return (f"--brand: {self.brand}; --brand-on: {self.on_brand}; "
                f"--brand-ink-light: {self.ink_light}; --brand-ink-dark: {self.ink_dark}")


@functools.lru_cache(maxsize=64)  # every page of a site asks for the same colour's
def palette(primary: str) -> Palette:
    primary = primary.lower()
    on = "#ffffff" if contrast(primary, "#ffffff") >= contrast(primary, "#0f172a") else "#0f172a"
    return Palette(brand=primary, on_brand=on,
                   ink_light=readable(primary, LIGHT_BACKGROUNDS, "#000000"),
                   ink_dark=readable(primary, DARK_BACKGROUNDS, "#ffffff", DARK_CONTRAST))


def brand_style(primary: str) -> str:
    """The Jinja filter: ``{{ site.primary_color|brand_style }}``."""
    return palette(primary).css()


__all__ = ["Palette", "brand_style", "contrast", "luminance", "palette", "readable"]
