"""brand: primary_color and its readable variants for light and dark mode."""

from __future__ import annotations

import pytest

from reportsite.values.brand import DARK_BACKGROUNDS, LIGHT_BACKGROUNDS, brand_style, contrast, palette

COLOURS = ["#2563eb", "#ffcc00", "#000000", "#ffffff", "#16a34a", "#7c3aed", "#e11d48", "#0f766e", "#777777",
           "#00ffff", "#1e3a8a", "#f97316"]


def test_contrast_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#2563eb", "#2563eb") == pytest.approx(1.0)


@pytest.mark.parametrize("colour", COLOURS)
def test_link_colours_are_readable_on_every_background(colour):
    brand = palette(colour)
    assert all(contrast(brand.ink_light, bg) >= 4.5 for bg in LIGHT_BACKGROUNDS), brand
    assert all(contrast(brand.ink_dark, bg) >= 4.5 for bg in DARK_BACKGROUNDS), brand
    assert contrast(brand.on_brand, brand.brand) >= 3, brand  # the header mark's glyph, the skip link


def test_a_readable_brand_colour_is_kept_as_it_is():
    assert palette("#2563EB").ink_light == "#2563eb"


def test_style_sets_each_custom_property():
    assert brand_style("#0f766e") == ("--brand: #0f766e; --brand-on: #ffffff; --brand-ink-light: #0f766e; "
                                      f"--brand-ink-dark: {palette('#0f766e').ink_dark}")
