"""The built demo site in Chromium: every page, desktop and phone, fully offline and drawn."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from reportsite.build.builder import BuildOptions, build
from reportsite.smoke.localhttp import serve_folder

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory, sample_data) -> Path:
    import shutil

    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(REPO / "site_src", root / "site_src")
    shutil.copytree(REPO / "reports", root / "reports")
    hostile = '</script><script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    report = {
        "title": hostile, "description": hostile, "data_source": "sales.parquet",
        "charts": [{"name": "Hostile labels", "type": "bar", "query": f"SELECT '{hostile}' AS label, 1 AS n",
                    "params": {"x": "label", "y": "n"}},
                   {"name": "Dotted names", "type": "line",
                    "query": 'SELECT * FROM (VALUES (1, 2.5), (2, 3.5)) t("Week.No", "Revenue [USD]")',
                    "params": {"x": "Week.No", "y": "Revenue [USD]"}},
                   {"name": "Names every object has", "type": "bar",
                    "query": 'SELECT * FROM (VALUES (\'a\', 1, \'x\'), (\'b\', 2, \'y\')) '
                             't("constructor", "__proto__", "toString")',
                    "params": {"x": "constructor", "y": "__proto__", "color": "toString"}},
                   {"name": "Quotes and backslashes", "type": "pie",
                    "query": 'SELECT * FROM (VALUES (\'a\', 1), (\'b\', 2)) t("it\'s ""x""", "a\\b")',
                    "params": {"x": "it's \"x\"", "y": "a\\b"}}],
        "tables": [{"name": hostile, "query": f"SELECT '{hostile}' AS cell"}],
    }
    (root / "reports" / "hostile.yaml").write_text(yaml.safe_dump(report))
    (root / "site_src" / "site.yaml").write_text(f'title: "Demo"\ndata_root: "{sample_data}"\n')
    build(root, BuildOptions(out=root / "_site"))
    return root / "_site"


def open_page(browser, url: str, viewport: dict) -> dict:
    """Load a page and collect console errors, failed and external requests, dialogs."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    seen = {"console": [], "failed": [], "external": [], "dialogs": [], "page_errors": []}
    host = urlparse(url).netloc

    def route(r):
        if urlparse(r.request.url).netloc != host and not r.request.url.startswith("data:"):
            seen["external"].append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and seen["console"].append(m.text))
    page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.on("response", lambda r: r.status >= 400 and seen["failed"].append(f"{r.status} {r.url}"))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, url
    charts = page.locator("[data-spec]")
    for i in range(charts.count()):
        charts.nth(i).locator("svg").first.wait_for(state="attached", timeout=10_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-spec]')].every(el => el.dataset.rendered)", timeout=10_000)
    seen["charts"] = page.evaluate("""() => [...document.querySelectorAll('[data-spec]')].map(el => {
        const svg = el.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        return {id: el.id, rendered: el.dataset.rendered, width: box.width, height: box.height,
                marks: [...el.querySelectorAll('svg .mark-line path, svg .mark-rect path, svg .mark-area path,'
                                               + ' svg .mark-symbol path, svg .mark-arc path')]
                       .filter(p => (p.getAttribute('d') || '').length > 0).length,
                // bars drawn on top of one another (a chart whose bars all landed at one place)
                overlapping: (() => {
                  const boxes = [...el.querySelectorAll('svg .mark-rect path[aria-roledescription=bar]')]
                    .map(p => p.getBoundingClientRect()).filter(b => b.width * b.height > 4);
                  let pairs = 0;
                  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                    const a = boxes[i], b = boxes[j];
                    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                    if (w > 1 && h > 1) pairs++;
                  }
                  return pairs; })()};
    })""")
    seen["metrics"] = page.locator("[data-testid=metric-value]").all_inner_texts()
    seen["metric_titles"] = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=metric-value]')].map(el => el.title)")
    seen["metric_clipped"] = page.evaluate("""() => [...document.querySelectorAll('[data-testid=metric-value]')]
        .filter(el => el.scrollWidth > el.clientWidth).map(el => el.textContent)""")
    seen["table_rows"] = page.locator("[data-testid=table-card] tbody tr").count()
    seen["family_links"] = page.locator("[data-testid=family-list] a").count()
    seen["pwned"] = page.evaluate("() => window.pwned === undefined ? null : window.pwned")
    seen["overflow"] = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    return seen


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_loads_offline_and_draws(browser, demo_site, viewport):
    manifest = json.loads((demo_site / "manifest.json").read_text())
    with serve_folder(demo_site) as base:
        for page in manifest["pages"]:
            seen = open_page(browser, base + page, VIEWPORTS[viewport])
            assert seen["console"] == [] and seen["page_errors"] == [], (page, seen["console"], seen["page_errors"])
            assert seen["failed"] == [], (page, seen["failed"])
            assert seen["external"] == [], (page, seen["external"])
            assert seen["dialogs"] == [] and seen["pwned"] is None, page
            assert seen["overflow"] <= 0, f"{page} scrolls sideways on {viewport}"
            if page == "index.html":
                continue
            slug = page.removeprefix("reports/").removesuffix(".html")
            if "members" in manifest["reports"].get(slug, {}):  # a page per value's listing: links to them all
                assert seen["family_links"] == manifest["reports"][slug]["pages"], page
                continue
            entry = manifest["reports"][slug.split("/")[0]]  # a page per value counts like its report
            assert len(seen["charts"]) == entry["charts"]
            for chart in seen["charts"]:
                assert chart["rendered"] == "true", (page, chart)
                assert chart["width"] > 200 and chart["height"] > 150, (page, viewport, chart)
                assert chart["marks"] > 0, (page, chart)
                assert chart["overlapping"] == 0, (page, viewport, chart)
            assert len(seen["metrics"]) == entry["metrics"]
            assert all(v.strip() and v != "—" for v in seen["metrics"]), seen["metrics"]
            assert seen["metric_clipped"] == [], (page, viewport, seen["metric_clipped"])
            if entry["tables"]:
                assert seen["table_rows"] > 0


def test_metric_values_match_the_data(browser, demo_site, sample_data):
    import duckdb

    total = duckdb.sql(f"SELECT SUM(amount) FROM '{sample_data / 'sales.parquet'}'").fetchall()[0][0]
    with serve_folder(demo_site) as base:
        seen = open_page(browser, base + "reports/sales.html", VIEWPORTS["desktop"])
    assert f"${total:,.2f}" in seen["metric_titles"] + seen["metrics"]  # the exact value, also when shortened


@pytest.fixture(scope="module")
def smoked(browser, demo_site):  # type: ignore[no-untyped-def]
    """All of `reportsite smoke`, the checks of what a reader sees included, on every demo page (and the hostile
    one) at desktop and phone width: run once, read by the tests below."""
    import contextlib

    from reportsite.smoke.runner import run_smoke

    return run_smoke(str(demo_site), lambda: contextlib.nullcontext(browser))


def test_every_page_passes_the_smoke_checks(smoked):
    problems = [str(problem) for problem in smoked.problems]
    assert problems == [], "\n".join(["", *problems])
    assert all(check.tooltips > 0 for check in smoked.checks if check.charts), smoked.checks


def test_the_demo_customers_page_has_its_tooltips_read_from_vega(smoked):
    # The real vega-embed and vega-tooltip: every chart on the page shows a tooltip for its sampled marks.
    checks = [c for c in smoked.checks if c.page == "reports/customers.html"]
    assert [(c.viewport, c.charts_drawn, c.hovered, c.tooltips) for c in checks] == [
        ("desktop", 3, 9, 9), ("phone", 3, 9, 9)]
    assert [p for p in smoked.problems if p.page == "reports/customers.html"] == []
