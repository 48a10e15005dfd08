"""Series colours that a reader can tell apart: from each other, from the brand colour and from the background,
in the light and in the dark theme.

The palette starts with ``primary_color``; every further colour is kept only when it differs from each colour
kept before (the brand colour and the grey of "Other" included) by at least ``DISTINCT`` in CIEDE2000 (the
CIE's measure of how different two colours look) in both themes. Each colour has a light and a dark variant,
shaded just enough to reach ``BACKGROUND_CONTRAST`` against the theme's card background, so no series fades
into the page. A category keeps its position, so its colour in the dark theme is its light colour's twin.
"""

from __future__ import annotations

import functools
import math

from reportsite.values.brand import contrast

SIZE = 12  # colours a chart's series and slices use; more categories fold into "Other"
DISTINCT = 15.0  # the least CIEDE2000 difference between two colours of the palette (first choice)
FALLBACK_DISTINCT = 11.0  # … relaxed only if a brand colour leaves fewer than SIZE candidates
BRAND_DISTINCT = 20.0  # the brand colour leads every chart: the others keep further from it
BACKGROUND_CONTRAST = 2.0  # against the card background of each theme
LIGHT_BACKGROUND, DARK_BACKGROUND = "#ffffff", "#0f172a"  # white; slate-900 (cards in the dark theme)
OTHER_COLOR = "#94a3b8"  # slate-400: "Other", readable on both backgrounds
# Candidates in the order they are offered: hues far apart first, then darker and lighter ones.
CANDIDATES = ("#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#f97316", "#6366f1",
              "#14b8a6", "#eab308", "#d946ef", "#0ea5e9", "#a16207", "#be185d", "#4d7c0f", "#0369a1", "#7c3aed",
              "#b45309", "#9f1239", "#0f766e", "#22c55e", "#f43f5e", "#1e3a8a", "#fda4af", "#86efac", "#c4b5fd",
              "#7dd3fc", "#fcd34d", "#854d0e", "#831843", "#064e3b")


def _rgb(color: str) -> tuple[float, float, float]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def _mix(color: str, towards: str, amount: float) -> str:
    a, b = _rgb(color), _rgb(towards)
    return _hex((a[0] + (b[0] - a[0]) * amount, a[1] + (b[1] - a[1]) * amount, a[2] + (b[2] - a[2]) * amount))


def _lab(color: str) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(color))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


@functools.cache
def difference(first: str, second: str) -> float:
    """CIEDE2000: how different two colours look (about 1 is just noticeable; 15 or more is plainly different)."""
    l1, a1, b1 = _lab(first)
    l2, a2, b2 = _lab(second)
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p, h2p = math.degrees(math.atan2(b1, a1p)) % 360, math.degrees(math.atan2(b2, a2p)) % 360
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    big_dh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    sc, sh = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    rt = -math.sin(math.radians(2 * theta)) * rc
    dl, dc = (l2 - l1) / sl, (c2p - c1p) / sc
    return math.sqrt(dl ** 2 + dc ** 2 + (big_dh / sh) ** 2 + rt * dc * (big_dh / sh))


def on_background(color: str, theme: str) -> str:
    """``color`` shaded (towards black on light, white on dark) until it stands out from the theme's cards."""
    background, towards = (DARK_BACKGROUND, "#ffffff") if theme == "dark" else (LIGHT_BACKGROUND, "#000000")
    for step in range(0, 101, 2):
        candidate = _mix(color, towards, step / 100)
        if contrast(candidate, background) >= BACKGROUND_CONTRAST:
            return candidate
    return towards


@functools.cache
def pairs(primary: str) -> tuple[tuple[str, str], ...]:
    """The palette as (light, dark) colours, the brand colour first; SIZE colours."""
    primary = primary.lower()
    brand = (on_background(primary, "light"), on_background(primary, "dark"))
    other = (OTHER_COLOR, OTHER_COLOR)
    kept = [brand]
    for threshold in (DISTINCT, FALLBACK_DISTINCT):
        for candidate in CANDIDATES:
            if len(kept) >= SIZE:
                break
            twin = (on_background(candidate, "light"), on_background(candidate, "dark"))
            if twin in kept:
                continue
            if all(difference(twin[0], k[0]) >= threshold and difference(twin[1], k[1]) >= threshold
                   for k in [*kept, other]) and min(difference(twin[0], brand[0]),
                                                    difference(twin[1], brand[1])) >= BRAND_DISTINCT:
                kept.append(twin)
    return tuple(kept)


def light(primary: str) -> list[str]:
    return [p[0] for p in pairs(primary)]


def dark_twins(primary: str) -> dict[str, str]:
    """Each light colour's dark-theme twin (the page script swaps them in the dark theme)."""
    return {a: b for a, b in pairs(primary) if a != b}


__all__ = ["OTHER_COLOR", "SIZE", "dark_twins", "difference", "light", "on_background", "pairs"]
