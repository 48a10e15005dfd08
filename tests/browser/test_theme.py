"""The page shell in Chromium: light/dark theme, Markdown, warnings, print layout, narrow screens, keyboard."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.smoke.localhttp import serve_folder

pytestmark = pytest.mark.browser

LONG_SITE = "Acme Trading International Holdings — Monthly Management Reporting Portal"
LONG_TITLE = "Quarterly business review for the board of directors and every regional sales manager, second quarter"
NOTES = f"""
title: "{LONG_TITLE}"
description: "What changed since **$since**"
parameters:
  since: "2025-04-01"
text: |
  # Summary

  Revenue grew since $since. See the [sales report](sales.html) and the [handbook](https://handbook.example/r).
  A very long word: Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft.

  ![tracker](https://tracker.example/pixel.gif) ![inline](data:image/gif;base64,R0lGODlhAQABAAAAACw=)
  [bad](javascript:window.pwned=3) <script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2">
"""
WARNED = """
title: "Warned"
update_frequency: manual
data_source: "sales.parquet"
metrics:
  - name: "Orders"
    query: "SELECT count(*) AS value FROM sales"
checks:
  - table: sales
    min_rows: 100000000
    severity: warning
"""
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" '
        'fill="#0f766e"/><image href="https://evil.example/x.png" width="1" height="1"/></svg>')
DARK_BG, LIGHT_BG = "dark", "light"  # slate-950, slate-50


def lightness(colour: str) -> float:
    """0 (black) to 1 (white) for a computed CSS colour: oklch(L …) or rgb(a)(r, g, b…)."""
    import re

    numbers = [float(n) for n in re.findall(r"[\d.]+", colour)]
    if colour.startswith("oklch"):
        return numbers[0] / 100 if "%" in colour else numbers[0]
    return (0.2126 * numbers[0] + 0.7152 * numbers[1] + 0.0722 * numbers[2]) / 255


@pytest.fixture(scope="module")
def shell_site(tmp_path_factory, sample_data) -> Path:
    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("shell")
    shutil.copytree(REPO / "site_src", root / "site_src")
    shutil.copytree(REPO / "reports", root / "reports")
    (root / "reports" / "notes.yaml").write_text(NOTES)
    (root / "reports" / "warned.yaml").write_text(WARNED)
    (root / "reports" / "broken.yaml").write_text("title: Broken\ndata_source: sales.parquet\nmetrics:\n"
                                                  "  - name: M\n    query: SELECT nope AS value FROM sales\n")
    (root / "site_src" / "static" / "logo.svg").write_text(LOGO)
    (root / "site_src" / "site.yaml").write_text(
        f'title: "{LONG_SITE}"\ndata_root: "{sample_data}"\nlocale: "de-DE"\nlanguage: en\nlogo: static/logo.svg\n'
        'primary_color: "#0f766e"\n')  # German numbers and dates, English words
    build(root, BuildOptions(out=root / "_site", keep_going=True))
    return root / "_site"


@pytest.fixture(scope="module")
def base(shell_site) -> Iterator[str]:
    with serve_folder(shell_site) as url:
        yield url


def pages(site: Path) -> list[str]:
    return json.loads((site / "manifest.json").read_text())["pages"]


def new_page(browser, scheme: str = "light", width: int = 1280, **kw):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme, **kw)
    page = context.new_page()
    page.add_init_script("""window.__themeEvents = [];
        window.addEventListener('reportsite:theme', e => window.__themeEvents.push(e.detail.theme));""")
    return context, page


def theme(page) -> str:
    return page.evaluate("() => document.documentElement.dataset.theme")


def background(page) -> str:
    """'dark' or 'light': the page background as drawn."""
    level = lightness(page.evaluate("() => getComputedStyle(document.body).backgroundColor"))
    assert level < 0.2 or level > 0.9, level
    return "dark" if level < 0.5 else "light"


@pytest.mark.parametrize(("scheme", "expected", "colour"), [("light", "light", LIGHT_BG), ("dark", "dark", DARK_BG)])
def test_the_system_setting_is_followed(browser, base, scheme, expected, colour):
    context, page = new_page(browser, scheme)
    for path in ("index.html", "reports/sales.html"):
        page.goto(base + path)
        assert theme(page) == expected and background(page) == colour
        toggle = page.locator("[data-theme-toggle]")
        assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == str(expected == "dark").lower()
    context.close()


def test_the_toggle_switches_and_is_remembered_across_pages(browser, base):
    context, page = new_page(browser, "light")
    page.goto(base + "reports/sales.html")
    page.click("[data-theme-toggle]")
    assert theme(page) == "dark" and background(page) == DARK_BG
    assert page.get_attribute("[data-theme-toggle]", "aria-pressed") == "true"
    assert page.evaluate("() => window.__themeEvents") == ["dark"]
    assert page.evaluate("() => localStorage.getItem('reportsite-theme')") == "dark"
    page.reload()
    assert theme(page) == "dark" and background(page) == DARK_BG
    page.goto(base + "index.html")
    assert theme(page) == "dark"
    page.click("[data-theme-toggle]")  # back to the system's own: forgotten, so the system is followed again
    assert theme(page) == "light" and page.evaluate("() => window.__themeEvents") == ["light"]
    assert page.evaluate("() => localStorage.getItem('reportsite-theme')") is None
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    assert page.evaluate("() => window.__themeEvents") == ["light", "dark"]
    context.close()


def test_a_pick_overrides_the_system_until_it_is_undone(browser, base):
    context, page = new_page(browser, "dark")
    page.goto(base + "index.html")
    page.click("[data-theme-toggle]")
    assert theme(page) == "light"
    page.emulate_media(color_scheme="light")
    page.emulate_media(color_scheme="dark")
    page.reload()
    assert theme(page) == "light"  # the reader's pick wins over the system
    context.close()


@pytest.mark.parametrize("stored", [None, "dark"])
def test_the_theme_is_set_before_the_first_paint_without_waiting_for_any_script(browser, base, stored):
    """The <head> snippet alone picks the theme: with theme.js blocked the page is still drawn dark."""
    context, page = new_page(browser, "dark" if stored is None else "light")
    if stored:
        page.add_init_script(f"localStorage.setItem('reportsite-theme', '{stored}')")
    page.route("**/assets/theme.*.js", lambda route: route.abort())
    painted: list[str] = []
    page.on("console", lambda m: painted.append(m.text) if m.text.startswith("theme:") else None)
    page.add_init_script("""new MutationObserver((_, o) => { if (document.body) {
        console.log('theme:' + document.documentElement.dataset.theme); o.disconnect(); } })
        .observe(document, {childList: true, subtree: true});""")
    page.goto(base + "reports/sales.html")
    assert theme(page) == "dark" and background(page) == DARK_BG
    assert painted[:1] == ["theme:dark"]  # already dark when <body> first appeared
    context.close()


def test_no_request_leaves_the_site(browser, base, shell_site):
    host = urlparse(base).netloc
    outside: list[str] = []
    dialogs: list[str] = []
    for scheme in ("light", "dark"):
        context, page = new_page(browser, scheme)
        page.on("request", lambda r: urlparse(r.url).netloc not in (host, "") and outside.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in pages(shell_site):
            page.goto(base + path, wait_until="networkidle")
            page.click("[data-theme-toggle]")
            page.wait_for_timeout(100)
            assert page.evaluate("() => window.pwned") is None, path
        assert outside == [] and dialogs == []
        context.close()


def test_markdown_renders_safely(browser, base):
    context, page = new_page(browser)
    page.goto(base + "reports/notes.html")
    text = page.locator("[data-testid=report-text]")
    assert text.locator("h2").inner_text() == "Summary"
    assert page.locator("h1").count() == 1
    assert "Revenue grew since 2025-04-01." in text.inner_text()
    assert "<script>window.pwned = 1</script>" in text.inner_text()
    assert "[bad](javascript:window.pwned=3)" in text.inner_text()
    images = page.evaluate("() => [...document.images].map(i => i.getAttribute('src'))")
    assert len(images) == 1 and images[0].startswith("../assets/logo.")  # only the site's own logo
    links = page.evaluate("""() => [...document.querySelectorAll('[data-testid=report-text] a')]
        .map(a => [a.textContent, a.getAttribute('href'), a.getAttribute('rel')])""")
    assert links == [["sales report", "sales.html", None],
                     ["handbook", "https://handbook.example/r", "noopener noreferrer"],
                     ["tracker", "https://tracker.example/pixel.gif", "noopener noreferrer"]]
    assert page.evaluate("() => window.pwned") is None
    context.close()


def test_warnings_are_shown_near_the_top_in_plain_words(browser, base):
    context, page = new_page(browser, "dark")
    page.goto(base + "reports/warned.html")
    notice = page.locator("[data-testid=report-warnings]")
    assert notice.is_visible()
    assert [line for line in notice.inner_text().splitlines() if line.strip()] == [
        "A note about this data",
        "The “sales” data has only 20.000 rows, fewer than the 100.000.000 expected, so some of it may be missing."]
    first_metric = page.locator("[data-testid=metric]").first.bounding_box()
    assert notice.bounding_box()["y"] < first_metric["y"]
    context.close()


def test_the_html_lang_is_the_language_of_the_words_and_scripts_read_the_locale(browser, base):
    context, page = new_page(browser)
    page.goto(base + "index.html")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.evaluate("() => document.documentElement.dataset.locale") == "de-DE"
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_sideways_scrolling_and_titles_wrap_or_truncate(browser, base, shell_site, width, scheme):
    context, page = new_page(browser, scheme, width)
    for path in pages(shell_site):
        page.goto(base + path)
        assert page.evaluate("() => document.documentElement.scrollWidth - innerWidth") <= 0, (path, width)
        header = page.locator("header").bounding_box()
        assert header["height"] <= 57, (path, header)  # one line, whatever the titles
        h1 = page.evaluate("() => { const h = document.querySelector('h1'); return [h.scrollWidth, h.clientWidth]; }")
        assert h1[0] <= h1[1], (path, "h1 is cut")
    page.goto(base + "reports/notes.html")
    site_title = page.locator("[data-testid=site-title] span.truncate")
    assert site_title.evaluate("e => e.scrollWidth > e.clientWidth")  # truncated with an ellipsis, not wrapped
    assert site_title.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"
    assert page.get_attribute("[data-testid=site-title]", "title") == LONG_SITE
    context.close()


def test_skip_link_and_visible_focus(browser, base):
    context, page = new_page(browser)
    page.goto(base + "reports/sales.html")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to content"
    box = skip.bounding_box()
    assert box and box["width"] > 50 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Shift+Tab")  # back up into the header: the theme toggle
    page.focus("[data-theme-toggle]")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                            " return [document.activeElement.dataset.themeToggle, s.outlineStyle, s.outlineWidth]; }")
    assert outline == ["", "solid", "2px"]
    context.close()


def test_keep_going_error_card_and_index_marks(browser, base):
    context, page = new_page(browser, "dark")
    page.goto(base + "index.html")
    cards = page.locator("[data-testid=report-card]")
    statuses = {cards.nth(i).locator("h2").inner_text(): cards.nth(i).get_attribute("data-status")
                for i in range(cards.count())}
    assert statuses["Broken"] == "failed" and statuses["Warned"] == "warning" and statuses["Sales Report"] == "ok"
    page.goto(base + "reports/broken.html")
    card = page.locator("[data-testid=report-error]")
    assert card.is_visible() and "This report could not be built" in card.inner_text()
    assert "reports/broken.yaml:" in card.inner_text()
    context.close()


def test_print_layout_is_light_and_without_controls(browser, base):
    context, page = new_page(browser, "dark")
    page.goto(base + "reports/sales.html")
    page.wait_for_function("() => [...document.querySelectorAll('[data-spec]')].every(el => el.dataset.rendered)")
    page.emulate_media(media="print")
    assert theme(page) == "dark"  # the reader's theme stays; the paper is light anyway
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") in ("rgb(255, 255, 255)",
                                                                                        "rgba(0, 0, 0, 0)")
    assert lightness(page.evaluate("() => getComputedStyle(document.querySelector('h1')).color")) < 0.25
    cards = page.evaluate("() => [...document.querySelectorAll('[data-testid=metric], [data-testid=chart-card]')]"
                          ".map(e => getComputedStyle(e).backgroundColor)")
    assert cards and all(lightness(c) > 0.95 for c in cards), cards
    for selector in ("[data-theme-toggle]", "nav[aria-label=Breadcrumb]", "a[download]", ".skip-link"):
        hidden = page.evaluate(f"() => [...document.querySelectorAll('{selector}')].every(e => !e.offsetParent)")
        assert hidden, selector
    breaks = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid=metric], [data-testid=chart-card], [data-testid=table-card], [data-testid=report-warnings]')]
        .map(e => getComputedStyle(e).breakInside)""")
    assert breaks and set(breaks) == {"avoid"}
    widths = page.evaluate("""() => { const main = document.querySelector('main').getBoundingClientRect().width;
        return [...document.querySelectorAll('.chart svg')].map(s => s.getBoundingClientRect().width <= main + 1); }""")
    assert widths and all(widths)
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    context.close()
