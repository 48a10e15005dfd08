"""Metric cards with awkward values in Chromium: one line, never overflowing, exact value on hover."""

from __future__ import annotations

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.smoke.localhttp import serve_folder

pytestmark = pytest.mark.browser

REPORT = """
title: "Awkward cards"
metrics:
  - name: "Revenue, all time, in the site's currency"
    format: currency
    query: "SELECT 58123456789012.35 AS value, 57000000000000 AS previous"
  - name: "Almost a million"
    format: currency
    query: "SELECT -999999.99 AS value, 999999.99 AS previous"
  - name: "Share"
    format: percent
    query: "SELECT 12345.678 AS value, 0.5 AS previous"
  - name: "Account number"
    format: plain
    query: "SELECT 123456789012 AS value"
  - name: "Tiny"
    query: "SELECT 0.000000123456 AS value"
  - name: "Astronomical"
    query: "SELECT -1.5e18::DOUBLE AS value, 1e14 AS previous"
  - name: "Last order"
    query: "SELECT DATE '2026-12-31' AS value"
  - name: "Nothing yet"
    query: "SELECT 1 AS value WHERE false"
"""


EXACT = {"de-DE": "58.123.456.789.012,35\u00a0€", "en-US": "CHF\u00a058,123,456,789,012.35",
         "fr-CH": "58'123'456'789'012,35\u00a0CHF"}


@pytest.mark.parametrize(("locale", "currency"), [("de-DE", "EUR"), ("en-US", "CHF"), ("fr-CH", "CHF")])
def test_cards_never_overflow(browser, make_project, locale, currency):
    root = make_project({"cards.yaml": REPORT},
                        site_yaml=f"title: T\nlocale: {locale}\ncurrency: {currency}\ntimezone: Europe/Zurich\n")
    build(root, BuildOptions(out=root / "_site"))
    with serve_folder(root / "_site") as base:
        for width in (390, 1024, 1280):
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(base + "reports/cards.html", wait_until="load")
            cards = page.evaluate("""() => [...document.querySelectorAll('[data-testid=metric]')].map(card => {
                const value = card.querySelector('[data-testid=metric-value]');
                return {text: value.textContent, title: value.title, clipped: value.scrollWidth > value.clientWidth,
                        lines: Math.round(value.getBoundingClientRect().height
                                          / parseFloat(getComputedStyle(value).lineHeight)),
                        outside: card.scrollWidth > card.clientWidth};
            })""")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            context.close()
            assert overflow <= 0, (locale, width)
            assert [c for c in cards if c["clipped"] or c["outside"] or c["lines"] != 1] == [], (locale, width)
            assert "$" not in "".join(c["text"] + c["title"] for c in cards)
            assert cards[-1]["text"] == "—"
            assert cards[0]["title"] == EXACT[locale]
