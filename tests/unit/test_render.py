"""render: templates, filters and escaping (parsed HTML, not string matching)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reportsite.config.site_models import SiteConfig
from reportsite.pages.page import ChartBlock, ReportPage, TableBlock, metric_card
from reportsite.render.templates import environment, format_change, format_value, render
from reportsite.values.formats import Formats

TEMPLATES = Path(__file__).resolve().parents[2] / "site_src" / "templates"
HOSTILE = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


class Collector(HTMLParser):
    """Collects tags, script bodies and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        else:
            self.text.append(data)


def page(**kw) -> ReportPage:
    base = dict(slug="s", title=HOSTILE, description=HOSTILE, update_frequency="daily", text=[HOSTILE])
    base.update(kw)
    return ReportPage(**base)


def context(report: ReportPage) -> dict:
    return {"site": SiteConfig(title="T"), "assets": {"css": "assets/site.x.css", "vega": "assets/vega.x.js",
                                                        "js": "assets/site.x.js", "theme": "assets/theme.x.js",
                                                        "words": "assets/words.x.js", "tables": "assets/tables.x.js"},
            "built_at": "2026-01-01T00:00:00+00:00", "root": "../", "page_title": report.title, "report": report}


def test_hostile_titles_and_values_render_as_text_and_never_as_markup():
    spec = {"data": {"values": [{"name": HOSTILE, "n": 1}]}, "mark": "bar", "title": "x"}
    report = page(
        metrics=[metric_card(HOSTILE, HOSTILE, None, "number", "higher", HOSTILE, Formats())],
        charts=[ChartBlock(id="chart-1", name=HOSTILE, type="bar", spec=spec, rows=1, description=HOSTILE,
                              width="full", csv=None)],
        tables=[TableBlock(id="table-1", name=HOSTILE, columns=[HOSTILE], numeric=[False], rows=[[HOSTILE]],
                              total_rows=1, description=HOSTILE, csv=None)],
    )
    html = render(environment(TEMPLATES), "report.html", context(report))
    parsed = Collector()
    parsed.feed(html)
    assert not [t for t in parsed.tags if t[0] == "img"]
    assert all("pwned" not in body for attrs, body in parsed.scripts if attrs.get("type") != "application/json")
    json_scripts = [body for attrs, body in parsed.scripts
                    if attrs.get("type") == "application/json" and "data-messages" not in attrs]
    assert len(json_scripts) == 1
    assert json.loads(json_scripts[0])["data"]["values"][0]["name"] == HOSTILE
    assert sum(HOSTILE in t for t in parsed.text) >= 5  # shown as text: title, description, text, metric, table


def test_pages_reference_only_site_relative_assets():
    html = render(environment(TEMPLATES), "report.html", context(page(
        title="Sales", description="d", text=[], vega_locale={"format": {}, "time": {}},
        charts=[ChartBlock(id="chart-1", name="c", type="bar", spec={"title": "c"}, rows=1, description=None,
                              width="half", csv="data/s/c.csv")])))
    parsed = Collector()
    parsed.feed(html)
    urls = [a.get("src") or a.get("href") for t, a in parsed.tags if a.get("src") or a.get("href")]
    assert urls, "expected links and scripts"
    assert all(not u.startswith(("http:", "https:", "//")) for u in urls), urls
    assert "../assets/vega.x.js" in urls and "../data/s/c.csv" in urls and "../index.html" in urls


def test_the_words_script_runs_before_every_script_that_reads_the_page_words():
    html = render(environment(TEMPLATES), "report.html", context(page(
        title="Sales", description="d", text=[], vega_locale={"format": {}, "time": {}},
        charts=[ChartBlock(id="chart-1", name="c", type="bar", spec={"title": "c"}, rows=1, description=None,
                              width="half", csv=None)],
        tables=[TableBlock(id="table-1", name="t", columns=["a"], numeric=[False], rows=[["x"]], total_rows=1,
                              description=None, csv=None)])))
    parsed = Collector()
    parsed.feed(html)
    sources = [attrs for attrs, _ in parsed.scripts if attrs.get("src")]
    (words,) = [i for i, attrs in enumerate(sources) if attrs["src"] == "../assets/words.x.js"]
    assert "defer" not in sources[words] and "async" not in sources[words]
    # The scripts before it are deferred (they run once the page is parsed) or are not ours (the Vega bundle).
    assert all("defer" in attrs for attrs in sources[:words]), sources
    assert {"../assets/theme.x.js"} == {attrs["src"] for attrs in sources[:words]}
    assert {"../assets/tables.x.js", "../assets/site.x.js"} <= {attrs["src"] for attrs in sources[words + 1:]}


def test_undefined_template_variables_are_errors():
    from reportsite.errors import RenderError

    ctx = context(page())
    del ctx["built_at"]
    with pytest.raises(RenderError, match="undefined"):
        render(environment(TEMPLATES), "report.html", ctx)


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (1234567, "number", "1,234,567"),
    (1234.5678, "number", "1,234.57"),
    (2617268.4, "currency", "$2,617,268.40"),
    (44.456, "currency", "$44.46"),
    (-12.5, "currency", "-$12.50"),
    (0.253, "percent", "25.3%"),
    (None, "number", "—"),
    ("n/a", "number", "n/a"),
])
def test_format_value(value, kind, expected):
    assert format_value(value, kind) == expected


def test_format_change_has_direction():
    assert format_change(105.26, 100) == "▲ 5.3%"
    assert format_change(98.8, 100) == "▼ 1.2%"
    assert format_change(None, 100) == ""


def parse(html: str) -> Collector:
    parsed = Collector()
    parsed.feed(html)
    return parsed


def test_html_lang_follows_the_site_locale_and_the_brand_colour_is_set_once():
    ctx = context(page(title="Sales", description="", text=[]))
    ctx["site"] = SiteConfig(title="T", locale="de-DE", primary_color="#0f766e")
    html = render(environment(TEMPLATES), "report.html", ctx)
    root = next(attrs for tag, attrs in parse(html).tags if tag == "html")
    assert root["lang"] == "de-DE"
    assert root["style"].startswith("--brand: #0f766e; --brand-on: #ffffff; --brand-ink-light: #0f766e;")
    assert html.count("--brand:") == 1


def test_theme_is_chosen_before_the_stylesheet_and_the_toggle_script_is_deferred():
    html = render(environment(TEMPLATES), "report.html", context(page(title="S", description="", text=[])))
    parsed = parse(html)
    inline = [body for attrs, body in parsed.scripts if not attrs.get("src") and not attrs.get("type")]
    assert len(inline) == 1 and "dataset.theme" in inline[0] and "localStorage" in inline[0]
    assert "http" not in inline[0]
    assert html.index("dataset.theme") < html.index('rel="stylesheet"')
    theme = next(attrs for attrs, _ in parsed.scripts if attrs.get("src") == "../assets/theme.x.js")
    assert "defer" in theme
    buttons = [attrs for tag, attrs in parsed.tags if tag == "button"]
    assert [b.get("aria-pressed") for b in buttons if "data-theme-toggle" in b] == ["false"]


def test_skip_link_comes_first_and_targets_main():
    parsed = parse(render(environment(TEMPLATES), "report.html", context(page(title="S", description="", text=[]))))
    body_tags = [(t, a) for t, a in parsed.tags][[t for t, _ in parsed.tags].index("body") + 1:]
    assert body_tags[0][0] == "a" and body_tags[0][1]["href"] == "#main"
    assert any(t == "main" and a.get("id") == "main" for t, a in parsed.tags)


def test_logo_is_shown_in_the_header_when_there_is_one():
    ctx = context(page(title="S", description="", text=[]))
    ctx["assets"]["logo"] = "assets/logo.abc.svg"
    imgs = [a for t, a in parse(render(environment(TEMPLATES), "report.html", ctx)).tags if t == "img"]
    assert imgs == [{"src": "../assets/logo.abc.svg", "alt": "", "class": imgs[0]["class"],
                     "data-testid": "site-logo"}]


def test_text_and_description_are_markdown():
    report = page(title="S", description="Monthly **sales**", text=["## Intro", "See [sales](sales.html)."])
    parsed = parse(render(environment(TEMPLATES), "report.html", context(report)))
    tags = [t for t, _ in parsed.tags]
    assert "strong" in tags and "h2" in tags
    assert {"href": "sales.html"} in [a for t, a in parsed.tags if t == "a"]
    meta = next(a for t, a in parsed.tags if t == "meta" and a.get("name") == "description")
    assert meta["content"] == "Monthly sales"


def test_warnings_are_shown_in_plain_words_near_the_top():
    warning = "reports/s.yaml:9:5 checks[0].min_rows: table 'sales' has 120 rows; at least 1000 expected"
    html = render(environment(TEMPLATES), "report.html", context(page(title="S", description="", text=["Hello"],
                                                                           warnings=[warning, warning])))
    assert html.count('data-testid="report-warning"') == 1  # the same warning once
    assert "The “sales” data has only 120 rows, fewer than the 1,000 expected" in html
    assert "reports/s.yaml" not in html
    assert html.index('data-testid="report-warnings"') < html.index('data-testid="report-text"')


def test_index_marks_failed_stale_and_warned_reports():
    rows = [{"slug": s, "title": s.title(), "description": "", "update_frequency": "daily",
             "data_modified": None, "status": status, "href": f"reports/{s}.html", "stale": stale,
             "warnings": ["w"] if warned else [], "metrics": 1, "charts": 0, "tables": 0}
            for s, status, stale, warned in [("a", "failed", False, False), ("b", "ok", True, True),
                                             ("c", "ok", False, True), ("d", "ok", False, False)]]
    ctx = {**context(page()), "root": "", "reports": rows}
    del ctx["report"]
    html = render(environment(TEMPLATES), "index.html", ctx)
    statuses = [a["data-status"] for t, a in parse(html).tags if a.get("data-testid") == "report-card"]
    assert statuses == ["failed", "stale", "warning", "ok"]
    assert "Build failed" in html and "Stale data" in html and "Data warning" in html
    assert "1 metric<" in html and "0 charts" not in html


def test_index_without_reports_says_how_to_add_one():
    ctx = {**context(page()), "root": "", "reports": []}
    del ctx["report"]
    html = render(environment(TEMPLATES), "index.html", ctx)
    assert 'data-testid="no-reports"' in html and "No reports yet" in html


def test_index_cards_show_data_as_of_and_older_manifest_entries_still_render():
    entry = {"slug": "s", "title": "S", "description": "", "update_frequency": "daily", "status": "ok",
             "stale": False, "metrics": 1, "charts": 0, "tables": 0, "href": "reports/s.html",
             "data_modified": "2026-01-05T08:00:00+00:00"}
    site = SiteConfig(title="T", locale="de-DE", timezone="Europe/Zurich")
    ctx = {"site": site, "assets": {"css": "assets/site.x.css"}, "built_at": "2026-01-05T08:00:00+00:00", "root": "",
           "page_title": "T"}
    new = {**entry, "data_as_of": "05.01.2026", "data_as_of_label": "Data as of"}
    old = render(environment(TEMPLATES), "index.html", {**ctx, "reports": [entry]})  # a carried, older entry
    html = render(environment(TEMPLATES), "index.html", {**ctx, "reports": [new]})
    shown = '<dt>Data as of</dt><dd class="font-medium text-slate-700 dark:text-slate-300">'
    assert f"{shown}05.01.2026</dd>" in html
    assert f"{shown}05.01.2026, 09:00 CET</dd>" in old
    assert "Built 05.01.2026, 09:00 CET" in html
