"""`reportsite smoke` against the demo site: published to the loopback S3 server, and as a local folder."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportsite.smoke.crawl import discover, local_folder
from reportsite.smoke.findings import Problem
from reportsite.smoke.runner import run_smoke, smoke_site
from tests.support.gateway import Gateway, serve_target

pytestmark = pytest.mark.browser

TARGET = "s3://site/prod"


@pytest.fixture
def demo_site(built_demo) -> Path:  # type: ignore[no-untyped-def]
    """The demo project built once for the session (conftest's built_demo); read only."""
    return built_demo.site


def publish(s3, site: Path, target: str) -> None:  # type: ignore[no-untyped-def]
    """Deploy the built site to the (fresh) bucket with `reportsite deploy`, as the workflow does."""
    from reportsite.cli.main import main

    s3.create_bucket(Bucket=target.removeprefix("s3://").split("/")[0])
    assert main(["--project", str(site.parent), "deploy", "--target", target, "--site", str(site)]) == 0


@pytest.fixture
def published(s3, demo_site: Path) -> Iterator[Gateway]:
    """The demo site deployed to s3://site/prod and served to the browser through the gateway."""
    publish(s3, demo_site, TARGET)
    with serve_target(TARGET, s3) as gateway:
        yield gateway


@pytest.fixture
def session_browser(browser):  # type: ignore[no-untyped-def]
    """A browser factory for smoke_site that lends it the session's Chromium."""
    return lambda: contextlib.nullcontext(browser)


def key_of(s3, prefix: str, stem: str) -> str:  # type: ignore[no-untyped-def]
    """The one published key under ``prefix`` whose name starts with ``stem`` (e.g. a hashed asset)."""
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="site", Prefix=f"prod/{prefix}")["Contents"]]
    found = [k for k in keys if k.rsplit("/", 1)[-1].startswith(stem)]
    assert len(found) == 1, keys
    return found[0]


def edit_object(s3, key: str, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    """Rewrite a published page in place, keeping its content type."""
    found = s3.get_object(Bucket="site", Key=key)
    text = found["Body"].read().decode()
    assert old in text
    s3.put_object(Bucket="site", Key=key, Body=text.replace(old, new, 1).encode(),
                  ContentType=found["ContentType"])


# The tests of loading, links, assets and discovery leave out the reader checks (reader=False): those are
# proven on the hand-made pages further down, and run over the demo site in test_demo_site.py.


def test_a_good_published_site_passes(published: Gateway, session_browser) -> None:
    assert smoke_site(published.url, session_browser, reader=False) == []
    paths = {p.split("?")[0] for p in published.requests}
    assert {"/manifest.json", "/index.html", "/reports/sales.html"} <= paths
    assert any(p.startswith("/assets/vega.") for p in paths)
    assert any(p.startswith("/data/sales/") for p in paths)  # the CSV download links were checked


def test_pages_published_as_built_are_checked_for_what_publishing_can_break(published: Gateway, s3, demo_site: Path,
                                                                           session_browser) -> None:
    # Every page is the built one: each loads, draws its charts and has its links checked; the reader checks,
    # axe and the PDFs' paper checks (run on these bytes before deploy) are not run again.
    same = run_smoke(published.url, session_browser, built=demo_site)
    assert same.problems == [] and len(same.checks) == 2 * len(same.pages) > 2
    assert all(c.status == 200 and c.charts_drawn == c.charts for c in same.checks)
    assert sum(c.hovered for c in same.checks) == 0
    assert any(p.startswith("/assets/vega.") for p in published.requests)

    # A page published otherwise than built gets every check (here its card reads NaN); the others still do not.
    page = re.search(r'data-testid="metric-value"[^>]*>([^<]+)<', (demo_site / "reports/sales.html").read_text())
    assert page is not None
    edit_object(s3, "prod/reports/sales.html", f">{page[1]}<", ">NaN<")
    changed = run_smoke(published.url, session_browser, built=demo_site)
    assert [str(p) for p in changed.problems] == ['reports/sales.html: card "Revenue, last full month": the value '
                                                  'reads "NaN"']
    assert {c.page for c in changed.checks if c.hovered} == {"reports/sales.html"}


def test_a_missing_vega_asset_fails_every_report_page(published: Gateway, s3, session_browser) -> None:
    vega = key_of(s3, "assets/", "vega.")
    s3.delete_object(Bucket="site", Key=vega)

    problems = smoke_site(published.url, session_browser, reader=False)

    asset = vega.removeprefix("prod/")
    expected = []
    for page in ("reports/customers.html", "reports/product/apron.html", "reports/product/bagel-dozen.html",
                 "reports/product/cafe-crema.html", "reports/products.html", "reports/sales.html"):
        expected += [Problem(page, f"request failed: {asset} (HTTP 404)"),
                     Problem(page, "3 charts (chart-1, chart-2, chart-3) did not draw: "
                                   "the Vega library did not load")]
    assert problems == expected


def test_broken_links_external_requests_hidden_charts_and_empty_pages_are_named(published: Gateway, s3,
                                                                                session_browser) -> None:
    edit_object(s3, "prod/index.html", 'href="reports/products.html"', 'href="reports/prodcts.html"')
    edit_object(s3, "prod/reports/sales.html", "</head>",
                '<script src="https://cdn.example.com/x.js"></script></head>')
    edit_object(s3, "prod/reports/customers.html", "</head>", "<style>#chart-2 svg{display:none}</style></head>")
    s3.put_object(Bucket="site", Key="prod/reports/products.html", ContentType="text/html; charset=utf-8",
                  Body=b'<!doctype html><html lang="en"><head><link rel="icon" href="data:,"><title>Products</title>'
                       b"</head><body><main><h1>Products</h1></main></body></html>")
    sales = s3.get_object(Bucket="site", Key="prod/reports/sales.html")["Body"].read().decode()
    csv = "prod/" + re.search(r'href="\.\./(data/sales/[^"]*table-1-monthly-summary\.csv)"', sales).group(1)  # type: ignore[union-attr]
    s3.delete_object(Bucket="site", Key=csv)

    problems = [str(p) for p in smoke_site(published.url, session_browser, reader=False)]

    assert problems == [
        "index.html: broken link reports/prodcts.html (HTTP 404)",
        "reports/customers.html: chart chart-2 drew at zero size (0×0 px)",
        "reports/products.html: the report page has no content (no metric, chart, table or text)",
        "reports/sales.html: blocked a request to another host: https://cdn.example.com/x.js",
        f"reports/sales.html: broken link {csv.removeprefix('prod/')} (HTTP 404)",
    ]


def test_without_a_manifest_pages_are_found_by_following_links(published: Gateway, s3) -> None:
    # What smoke opens then (the hand-made sites below have no manifest: smoke opens the pages found this way).
    s3.delete_object(Bucket="site", Key="prod/manifest.json")

    pages, manifest, problems = discover(published.url)

    assert manifest is None and problems == []
    family = [page for page in pages if page.startswith("reports/product/")]
    assert len(family) == 30  # every page per product, found from the listing
    assert sorted(set(pages) - set(family)) == ["index.html", "reports/customers.html", "reports/product.html",
                                                "reports/products.html", "reports/sales.html"]


def test_a_local_site_folder_passes(demo_site: Path, session_browser) -> None:
    assert smoke_site((demo_site / "index.html").as_uri(), session_browser, reader=False) == []
    # A path, a file:// URL of the folder and one of its index page all name the same folder.
    assert local_folder(str(demo_site)) == local_folder(demo_site.as_uri()) == demo_site
    assert local_folder((demo_site / "index.html").as_uri()) == demo_site
    assert local_folder("https://example.com/reports/") is None


def test_a_folder_without_a_site_is_one_problem(tmp_path: Path, session_browser) -> None:
    assert [str(p) for p in smoke_site(str(tmp_path), session_browser)] == [
        f"site: {tmp_path} is not a built site (no index.html); run `reportsite build` first"]


def test_the_command_exits_1_and_lists_each_problem(tmp_path: Path) -> None:
    # Every check runs (a hand-made site: the demo's are smoke-checked in test_demo_site); two of the pages the
    # index links to are missing, and only that is found.
    site = write_site(tmp_path / "site", sales=metric("Revenue", "$1,234"), products=metric("Units", "12"),
                      customers=metric("Customers", "3"))
    for page in ("products", "sales"):
        (site / "reports" / f"{page}.html").unlink()
    summary = tmp_path / "summary.md"

    result = subprocess.run(
        [sys.executable, "-m", "reportsite", "smoke", "--url", str(site / "index.html")],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "COLUMNS": "160"})

    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert lines == [
        "✗ index.html: broken link reports/sales.html (HTTP 404)",
        "✗ index.html: broken link reports/products.html (HTTP 404)",
        "✗ reports/sales.html: the page returned HTTP 404",
        "✗ reports/products.html: the page returned HTTP 404",
    ]
    assert re.search(r"4 problems on http://127\.0\.0\.1:\d+/", result.stderr), result.stderr
    assert "| reports/products.html | 404 / 404 |" in summary.read_text()


# ---------------------------------------------------------------- what a reader sees, on hand-made pages
# Each page below holds a chart drawn the way Vega draws one in SVG (the same groups and classes: a root
# frame whose background is the plot area, axes, legends, marks), or a card, once with a problem and once
# without it: every reader check is shown to fail, and to pass.

FONT = 'font-family="DejaVu Sans, Arial, sans-serif" font-size="10px"'
MONTHS = [f"2024-{m:02d}-01" for m in range(1, 11)]
# What vega-tooltip does: show the hovered mark's text in #vg-tooltip-element, hide it on mouseout.
TOOLTIP = """(function () {
  const tip = document.createElement("div"); tip.id = "vg-tooltip-element"; document.body.appendChild(tip);
  const svg = document.querySelector("svg");
  svg.addEventListener("pointermove", e => {
    if (e.target.dataset.tip) { tip.textContent = e.target.dataset.tip; tip.classList.add("visible"); } });
  svg.addEventListener("mouseout", () => tip.classList.remove("visible"));
})();"""


# What the site's theme.js and site.js do when the reader's system turns dark: the page's theme follows it and
# its charts are drawn again in it (smoke's dark checks wait for both before running axe again).
THEME = """(function () {
  const media = matchMedia("(prefers-color-scheme: dark)");
  const follow = () => {
    const theme = media.matches ? "dark" : "light";
    document.documentElement.dataset.theme = theme;
    document.querySelectorAll("[data-spec]").forEach(el => { el.dataset.drawnTheme = theme; });
  };
  follow();
  document.addEventListener("DOMContentLoaded", follow);
  media.addEventListener("change", follow);
})();"""


def html_page(body: str, script: str = "") -> str:
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
            '<title>A test page</title><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<script>{THEME}</script></head>"
            f'<body style="margin:0; font-family: sans-serif"><main>{body}</main><script>{script}</script>'
            "</body></html>")


def chart(content: str, name: str = "Revenue", width: int = 400, plot: tuple[int, int, int, int] = (50, 10, 330, 240),
          ) -> str:
    """A drawn chart card: an SVG ``width`` × 300 px whose plot area (left, top, width, height) holds ``content``."""
    left, top, w, h = plot
    return (f'<section data-testid="chart-card"><h2>{name}</h2>'
            f'<div id="chart-1" data-spec="chart-1-spec" data-rendered="true" style="width:{width}px">'
            f'<svg class="marks" width="{width}" height="300" viewBox="0 0 {width} 300">'
            f'<g transform="translate({left},{top})"><g class="mark-group role-frame root"><g>'
            f'<path class="background" d="M0,0h{w}v{h}h-{w}Z" fill="transparent"></path>'
            f"<g>{content}</g></g></g></g></svg></div></section>")


def x_axis(labels: list[str], spacing: float, angle: int = 0, start: float = 20, title: str = "month",
           at: int = 240) -> str:
    """An x-axis under a plot ``at`` px tall: ``labels`` ``spacing`` px apart, turned by ``angle`` degrees."""
    anchor = "end" if angle else "middle"
    texts = "".join(f'<text text-anchor="{anchor}" transform="translate({start + i * spacing},14) rotate({angle})" '
                    f"{FONT}>{label}</text>" for i, label in enumerate(labels))
    return (f'<g class="mark-group role-axis"><g transform="translate(0.5,{at}.5)"><g>'
            '<g class="mark-rule role-axis-domain"><line x2="330" y2="0" stroke="#888"></line></g>'
            f'<g class="mark-text role-axis-label">{texts}</g>'
            f'<g class="mark-text role-axis-title"><text text-anchor="middle" transform="translate(165,34)" {FONT}>'
            f"{title}</text></g></g></g></g>")


def legend(labels: list[str], top: int = 272, columns: int = 4, total: int | None = None) -> str:
    """A symbol legend under the plot, as Vega lays one out: ``columns`` entries of 80 px a row, 16 px a row."""
    entries = "".join(
        f'<g transform="translate({(i % columns) * 80},{(i // columns) * 16})"><g>'
        '<g class="mark-symbol role-legend-symbol"><path transform="translate(6,6)" '
        'd="M5,0A5,5,0,1,1,-5,0A5,5,0,1,1,5,0" fill="#2563eb"></path></g>'
        f'<g class="mark-text role-legend-label"><text transform="translate(16,9)" {FONT}>{label}</text></g>'
        "</g></g>" for i, label in enumerate(labels))
    values = total if total is not None else len(labels)
    return (f'<g class="mark-group role-legend" aria-label="Symbol legend titled \'city\' for fill color with '
            f'{values} values"><g transform="translate(0,{top})"><g>'
            f'<g class="mark-group role-legend-entry"><g><g><g class="mark-group role-scope">{entries}</g>'
            "</g></g></g></g></g></g>")


def bars(tips: list[str]) -> str:
    """Bar marks, one per tooltip text, 30 px apart."""
    paths = "".join(f'<path d="M{10 + i * 30},40h20v200h-20Z" fill="#2563eb" data-tip="{tip}"></path>'
                    for i, tip in enumerate(tips))
    return f'<g class="mark-rect role-mark marks">{paths}</g>'


def metric(name: str, value: str, style: str = "") -> str:
    return (f'<div data-testid="metric" style="width:220px; padding:16px; box-sizing:border-box">'
            f'<h3 style="margin:0; font-size:14px">{name}</h3>'
            f'<p data-testid="metric-value" style="margin:0; font-size:30px; font-weight:700; '
            f'overflow-wrap:break-word; {style}">{value}</p></div>')


@pytest.fixture
def reader(browser):  # type: ignore[no-untyped-def]
    """The reader checks' findings on one hand-made page at a screen width: reader(html, width=1280)."""
    from reportsite.smoke.checks import check_reader

    def run(html: str, width: int = 1280):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": 800})
        try:
            page = context.new_page()
            page.set_content(html)
            return check_reader(page)
        finally:
            context.close()

    return run


def test_axis_labels_on_top_of_each_other_fail_and_spaced_ones_pass(reader) -> None:
    overlapping = reader(html_page(chart(x_axis(MONTHS, spacing=33))))
    assert overlapping.problems == [
        'chart "Revenue": 10 of 10 x-axis (month) labels overlap ("2024-01-01" and "2024-02-01"; '
        '"2024-02-01" and "2024-03-01" and 7 more pairs)']

    short = [f"M{m}" for m in range(1, 11)]
    assert reader(html_page(chart(x_axis(short, spacing=33)))).problems == []


def test_turned_labels_overlap_only_when_their_turned_boxes_do(reader) -> None:
    # At 45° the labels' upright bounding boxes overlap whenever they are closer than their width; what
    # counts is the turned text: 14 px apart they are clear of each other, 5 px apart they are not.
    def turned(spacing: float) -> str:
        return html_page(chart(x_axis(MONTHS, spacing, angle=-45, at=180, title=""), plot=(50, 10, 330, 180)))

    assert reader(turned(14)).problems == []
    assert reader(turned(5)).problems == [
        'chart "Revenue": 10 of 10 x-axis labels overlap ("2024-01-01" and "2024-02-01"; '
        '"2024-01-01" and "2024-03-01" and 15 more pairs)']


def test_axis_labels_past_the_chart_edge_are_cut_off(reader) -> None:
    months = ["Jan", "Feb", "Mar", "Apr", "2024-05-01"]
    assert reader(html_page(chart(x_axis(months, spacing=80)))).problems == [
        'chart "Revenue": 1 of 5 x-axis (month) labels is cut off at the right of the chart ("2024-05-01")']
    assert reader(html_page(chart(x_axis(months[:4], spacing=80)))).problems == []


def test_a_legend_running_off_the_bottom_fails_and_one_that_fits_passes(reader) -> None:
    cities = ["Zürich", "São Paulo", "Kraków", "Reykjavík", "Montréal", "Genève", "København", "Ålesund"]
    assert reader(html_page(chart(legend(cities)))).problems == [
        'chart "Revenue": 4 of 8 legend entries are cut off at the bottom of the chart '
        '("Montréal", "Genève", "København" and 1 more)']
    assert reader(html_page(chart(legend(cities[:4])))).problems == []


def test_a_legend_running_off_the_side_fails(reader) -> None:
    cities = ["Zürich", "São Paulo", "Kraków", "Reykjavík", "Montréal", "Genève"]
    assert reader(html_page(chart(legend(cities, columns=6)))).problems == [
        'chart "Revenue": 2 of 6 legend entries are cut off at the right of the chart ("Montréal", "Genève")']


def test_a_legend_that_drops_entries_fails(reader) -> None:
    shown = ["Zürich", "São Paulo", "Kraków", "…5 entries"]
    assert reader(html_page(chart(legend(shown, total=8)))).problems == [
        'chart "Revenue": the legend shows 3 of 8 entries ("…5 entries"); the rest are dropped']


def test_a_squashed_plot_area_fails(reader) -> None:
    assert reader(html_page(chart("", plot=(300, 10, 80, 240)))).problems == [
        'chart "Revenue": the plot area is 80 px wide, 20% of the chart\'s 400 px (labels or the legend take '
        "the rest)"]
    assert reader(html_page(chart("", plot=(50, 10, 330, 100)))).problems == [
        'chart "Revenue": the plot area is 100 px tall, 33% of the chart\'s 300 px (labels or the legend take '
        "the rest)"]
    assert reader(html_page(chart("", plot=(200, 10, 160, 120)))).problems == []  # 40 % of each: just enough


@pytest.mark.parametrize("word", ["NaN", "undefined", "null", "Invalid Date", "Infinity", "-Infinity"])
def test_missing_values_drawn_in_a_chart_fail(reader, word: str) -> None:
    assert reader(html_page(chart(x_axis(["Jan", word], spacing=120)))).problems == [
        f'chart "Revenue": "{word}" in the chart\'s text (axis "{word}")']


def test_words_that_only_contain_them_pass(reader) -> None:
    assert reader(html_page(chart(x_axis(["Nullarbor", "NaNa", "nullable"], spacing=100)))).problems == []


def test_a_tooltip_saying_nan_fails_and_a_good_one_passes(reader) -> None:
    tips = [f"month: {m} · revenue: 12" for m in ("NaN", "NaN", "NaN", "NaN", "NaN")]
    found = reader(html_page(chart(bars(tips)), TOOLTIP))
    assert found.problems == ['chart "Revenue": a tooltip shows "NaN" (bar 1 of 5: "month: NaN · revenue: 12")']
    assert (found.hovered, found.tooltips) == (3, 3)  # the first, the middle and the last bar

    good = reader(html_page(chart(bars([f"month: 2024-0{m}-01 · revenue: 12" for m in range(1, 6)])), TOOLTIP))
    assert good.problems == [] and (good.hovered, good.tooltips) == (3, 3)


def test_only_the_sampled_marks_tooltips_are_read(reader) -> None:
    tips = ["month: Jan", "month: undefined", "month: Mar", "month: Apr", "month: May"]  # the 2nd is not sampled
    assert reader(html_page(chart(bars(tips)), TOOLTIP)).problems == []
    tips[-1] = "month: Invalid Date"
    assert reader(html_page(chart(bars(tips)), TOOLTIP)).problems == [
        'chart "Revenue": a tooltip shows "Invalid Date" (bar 5 of 5: "month: Invalid Date")']


def test_a_hidden_mark_is_not_hovered(reader) -> None:
    covered = chart(bars(["month: NaN"]) + '<g class="mark-rect role-mark marks"><path d="M0,0h330v240h-330Z" '
                    'fill="white"></path></g>')
    found = reader(html_page(covered, TOOLTIP))
    assert found.problems == [] and found.hovered == 1  # only the cover is on top, and it has no tooltip


def test_a_value_wrapping_in_its_card_fails(reader) -> None:
    assert reader(html_page(metric("Gross volume", "$58,109,334,713,905"))).problems == [
        'card "Gross volume": the value "$58,109,334,713,905" wraps onto 2 lines']
    assert reader(html_page(metric("Gross volume", "$58.1T"))).problems == []


def test_text_overflowing_its_card_fails(reader) -> None:
    found = reader(html_page(metric("Gross volume", "$58,109,334,713,905", "white-space: nowrap")))
    assert len(found.problems) == 1
    assert re.fullmatch(r'card "Gross volume": the value "\$58,109,334,713,905" overflows the card by \d+ px',
                        found.problems[0]), found.problems

    word = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
    found = reader(html_page(metric(f"Revenue at {word}", "$303,142")))
    assert len(found.problems) == 1
    assert re.fullmatch(rf'card "Revenue at {word}": the label "Revenue at {word}" overflows the card by \d+ px',
                        found.problems[0]), found.problems


def test_missing_values_in_cards_and_table_cells_fail(reader) -> None:
    table = ('<section data-testid="table-card"><h2>Every month</h2><div style="overflow-x:auto"><table>'
             "<tr><td>2024-01-01</td><td>None</td><td>nan</td><td>Nonesuch</td><td>12</td></tr></table></div>"
             "</section>")
    assert reader(html_page(metric("Margin", "NaN%") + table)).problems == [
        'card "Margin": the value reads "NaN%"',
        'table "Every month": 2 cells read "None" and "nan" ("None", "nan")']
    clean = table.replace("None<", "—<").replace("nan<", "<")
    assert reader(html_page(metric("Margin", "12.5%") + clean)).problems == []


def write_site(folder: Path, **reports: str) -> Path:
    """A built-looking site: index.html linking to reports/NAME.html for each report page given by name."""
    (folder / "reports").mkdir(parents=True)
    links = "".join(f'<a href="reports/{name}.html">{name}</a> ' for name in reports)
    (folder / "index.html").write_text(html_page(links), encoding="utf-8")
    for name, body in reports.items():
        (folder / "reports" / f"{name}.html").write_text(html_page(body), encoding="utf-8")
    return folder


def test_each_problem_names_its_page_and_the_screen_width_it_shows_at(tmp_path: Path, session_browser) -> None:
    # 44 px digits: one line on a desktop, two on a phone. A 500 px banner: wider than a phone.
    site = write_site(tmp_path / "site",
                      cards='<div data-testid="metric"><h3>Gross volume</h3><p data-testid="metric-value" '
                            'style="font-size:44px; overflow-wrap:break-word">$58,109,334,713,905</p></div>'
                            + chart(x_axis(MONTHS, spacing=33), width=380, plot=(20, 10, 330, 240)),
                      wide='<p data-testid="report-text">Text</p><div style="width:500px">A wide banner</div>')
    problems = [str(p) for p in smoke_site(str(site), session_browser)]
    assert problems[:2] == [
        'reports/cards.html: chart "Revenue": 10 of 10 x-axis (month) labels overlap ("2024-01-01" and '
        '"2024-02-01"; "2024-02-01" and "2024-03-01" and 7 more pairs)',
        'reports/cards.html: card "Gross volume": the value "$58,109,334,713,905" wraps onto 2 lines (phone 390 px)',
    ]
    # Phone emulation zooms out to fit the page, which rounds its width by a pixel or so.
    assert len(problems) == 3 and re.fullmatch(
        r'reports/wide\.html: the page is wider than the phone screen \(50\d px > 390 px; "A wide banner" sticks '
        r"out\) \(phone 390 px\)", problems[2]), problems


def test_screenshots_of_every_page_and_width_light_and_dark(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", page=metric("Revenue", "$1,234"))
    shots = tmp_path / "shots"

    result = subprocess.run(
        [sys.executable, "-m", "reportsite", "smoke", "--url", str(site), "--screenshots", str(shots)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "160"})

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in shots.iterdir()) == [
        f"{page}.{width}{scheme}.png" for page in ("index", "reports_page") for width in ("desktop", "phone")
        for scheme in (".dark", "")]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in shots.iterdir())
    assert f"screenshots: 8 PNGs in {shots}" in result.stderr
    assert sorted(str(p.relative_to(site)) for p in site.rglob("*")) == ["index.html", "reports",
                                                                        "reports/page.html"]


def bar_paths(*boxes: tuple[int, int, int, int]) -> str:
    """Bar marks as Vega draws them: one path each at (x, y), w × h px."""
    paths = "".join(f'<path aria-roledescription="bar" d="M{x},{y}h{w}v{h}h-{w}Z" fill="#2563eb"></path>'
                    for x, y, w, h in boxes)
    return f'<g class="mark-rect role-mark">{paths}</g>'


def test_bars_drawn_over_one_another_fail_and_stacked_or_side_by_side_ones_pass(reader) -> None:
    # every month's bars at the left edge (a time axis the browser could not place): each stack covers the next
    piled = [(0, 240 - 40 * (i + 1), 10, 40 * (i + 1)) for i in range(3)]
    assert reader(html_page(chart(bar_paths(*piled)))).problems == [
        'chart "Revenue": bars are drawn over one another (3 pairs among 3 bars); they should stand side by side '
        "or stacked"]
    side_by_side = [(20 + 30 * i, 240 - 40 * (i + 1), 20, 40 * (i + 1)) for i in range(3)]
    stacked = [(20, 200, 20, 40), (20, 160, 20, 40), (20, 120, 20, 40)]  # adjoining, not overlapping
    moved = [(x + 200, y, w, h) for x, y, w, h in stacked]
    assert reader(html_page(chart(bar_paths(*side_by_side, *moved)))).problems == []


def test_the_dark_scheme_is_checked_by_axe_once_its_colour_transitions_have_finished(tmp_path: Path,
                                                                                     session_browser) -> None:
    # In the dark scheme the text fades, over 1.5 s, to a grey that cannot be read on the dark background (1.3:1);
    # checked before the fade ends, it would still read. The light scheme is clean.
    style = ("<style>p.fading { color: #111; background: #fff; transition: color 1.5s linear, background 1.5s "
             "linear; } [data-theme=dark] p.fading { color: #333; background: #111; }</style>")
    site = write_site(tmp_path / "site", fades=style + '<p class="fading" data-testid="report-text">Revenue</p>')
    problems = [str(p) for p in smoke_site(str(site), session_browser)]
    assert problems == [
        "reports/fades.html: accessibility (axe color-contrast, serious): Elements must meet minimum color contrast "
        "ratio thresholds; 1 element, e.g. p (desktop 1280 px dark, phone 390 px dark)"]


def test_axe_checks_a_chart_by_its_name_not_by_the_drawing_inside_it(tmp_path: Path, session_browser) -> None:
    # ARIA makes what is inside an element of role img presentational: a reader hears the chart's name, never
    # its SVG, so axe checks the name (here one chart has none) and leaves the drawing alone (an invalid role in
    # it). The same drawing outside a chart is checked.
    drawing = '<svg width="40" height="20"><g role="nonsense-role"><rect width="40" height="20"></rect></g></svg>'
    site = write_site(tmp_path / "site",
                      named=f'<div role="img" aria-label="Revenue by month">{drawing}</div>'
                            '<p data-testid="report-text">Text</p>',
                      unnamed=f'<div role="img">{drawing[:-6]}</svg></div><p data-testid="report-text">Text</p>',
                      bare=f'{drawing}<p data-testid="report-text">Text</p>')
    problems = [str(p) for p in smoke_site(str(site), session_browser)]
    assert [p.split(":")[0] + ": " + p.split("(axe ")[1].split(",")[0] for p in problems] == [
        "reports/unnamed.html: role-img-alt", "reports/bare.html: aria-roles"], problems


def test_as_built_compares_only_files_inside_the_built_folder(tmp_path: Path) -> None:
    from reportsite.smoke.localhttp import serve_folder
    from reportsite.smoke.runner import as_built

    site = write_site(tmp_path / "site", sales=metric("Revenue", "$1,234"), units=metric("Units", "12"))
    built = tmp_path / "built"
    shutil.copytree(site, built)
    (built / "reports" / "units.html").write_text("changed after the check", encoding="utf-8")
    # "../evil/x.html": the server answers it as /evil/x.html; beside the built folder a file has the same bytes.
    for folder in (site / "evil", tmp_path / "evil"):
        folder.mkdir()
        (folder / "x.html").write_text("the same bytes", encoding="utf-8")
    with serve_folder(site) as base:
        assert as_built(base, ["index.html", "reports/sales.html", "reports/units.html", "reports/gone.html",
                               "../evil/x.html"], built) == {"index.html", "reports/sales.html"}
        assert as_built(base, ["index.html"], None) == set()
