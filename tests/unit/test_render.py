"""render: templates, filters and escaping (parsed HTML, not string matching)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reportsite.config import SiteConfig
from reportsite.formats import Formats
from reportsite.pages import ChartBlock, ReportPage, TableBlock, metric_card
from reportsite.render import environment, format_change, format_value, render

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
                                                        "js": "assets/site.x.js"},
            "built_at": "2026-01-01T00:00:00+00:00", "root": "../", "page_title": report.title, "report": report}


def test_hostile_titles_and_values_render_as_text_and_never_as_markup():
    spec = {"data": {"values": [{"name": HOSTILE, "n": 1}]}, "mark": "bar", "title": "x"}
    report = page(
        metrics=[metric_card(HOSTILE, HOSTILE, None, "number", "higher", HOSTILE, Formats())],
        charts=[ChartBlock("chart-1", HOSTILE, "bar", spec, 1, HOSTILE, "full", None)],
        tables=[TableBlock("table-1", HOSTILE, [HOSTILE], [False], [[HOSTILE]], 1, HOSTILE, None)],
    )
    html = render(environment(TEMPLATES), "report.html", context(report))
    parsed = Collector()
    parsed.feed(html)
    assert not [t for t in parsed.tags if t[0] == "img"]
    assert all("pwned" not in body for attrs, body in parsed.scripts if attrs.get("type") != "application/json")
    json_scripts = [body for attrs, body in parsed.scripts if attrs.get("type") == "application/json"]
    assert len(json_scripts) == 1
    assert json.loads(json_scripts[0])["data"]["values"][0]["name"] == HOSTILE
    assert sum(HOSTILE in t for t in parsed.text) >= 5  # shown as text: title, description, text, metric, table


def test_pages_reference_only_site_relative_assets():
    html = render(environment(TEMPLATES), "report.html", context(page(
        title="Sales", description="d", text=[],
        charts=[ChartBlock("chart-1", "c", "bar", {"title": "c"}, 1, None, "half", "data/s/c.csv")])))
    parsed = Collector()
    parsed.feed(html)
    urls = [a.get("src") or a.get("href") for t, a in parsed.tags if a.get("src") or a.get("href")]
    assert urls, "expected links and scripts"
    assert all(not u.startswith(("http:", "https:", "//")) for u in urls), urls
    assert "../assets/vega.x.js" in urls and "../data/s/c.csv" in urls and "../index.html" in urls


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
    assert "<dt>Data as of</dt><dd class=\"font-medium text-slate-700\">05.01.2026</dd>" in html
    assert "<dt>Data as of</dt><dd class=\"font-medium text-slate-700\">05.01.2026, 09:00 CET</dd>" in old
    assert "Built 05.01.2026, 09:00 CET" in html
