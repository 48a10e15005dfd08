"""The awkward test project (tests/fixtures/awkward) built and smoke-checked at desktop and phone width.

The project is built for an English, a German and a Swiss reader (site.yaml, site.de-DE.yaml, site.de-CH.yaml) and a
French one (site.fr-CH.yaml), each site once for the module (``keep_going``, so a report that does not build (a chart
type not drawn yet) fails its own case and hides nothing about the others) and smoke-checked once; each report's case
reads what smoke found on its page and on the site as a whole. Every smoke check must pass, accessibility (axe, light
and dark) included: these pages are what real data does to a report, and the checks are what a reader would notice.
On the German and French sites no English word the site adds may show.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from reportsite.build.builder import BuildOptions, build
from reportsite.config.models import ChartParams, ChartType
from reportsite.smoke.localhttp import serve_folder
from reportsite.smoke.runner import run_smoke
from tests.support.awkward_data import FIXTURE, make_project

pytestmark = pytest.mark.browser

REPORTS = sorted(path.stem for path in (FIXTURE / "reports").glob("*.yaml"))
SITES = {"en-US": "site.yaml", "de-DE": "site.de-DE.yaml", "de-CH": "site.de-CH.yaml", "fr-CH": "site.fr-CH.yaml"}
TRANSLATED = {"de-CH": "de-CH", "fr-CH": "fr"}  # the sites whose every added word must be in their language


def fixture_reports() -> list[dict[str, Any]]:
    return [yaml.safe_load((FIXTURE / "reports" / f"{name}.yaml").read_text(encoding="utf-8")) for name in REPORTS]


def test_the_fixture_uses_every_chart_type_and_option() -> None:
    charts = [chart for report in fixture_reports() for chart in report["charts"]]
    assert {chart["type"] for chart in charts} == set(get_args(ChartType))
    used = {key for chart in charts for key in chart["params"]}
    linked = {"link"}  # needs a for_each report beside it: tests/browser/test_explore.py
    assert used == set(ChartParams.model_fields) - linked, set(ChartParams.model_fields) - linked - used
    assert {chart["params"].get("stack") for chart in charts} >= {"grouped", "normalize"}
    metrics = [metric for report in fixture_reports() for metric in report.get("metrics", [])]
    assert {metric.get("format", "number") for metric in metrics} == {"number", "currency", "percent", "plain"}
    assert {metric.get("better", "higher") for metric in metrics} == {"higher", "lower"}
    assert any(table.get("columns") for report in fixture_reports() for table in report.get("tables", []))


@dataclass
class Site:
    root: Path  # the project; its site in root / "_site"
    status: dict[str, str]  # report → built | failed
    smoke: Any  # run_smoke's SmokeResult over the whole site


@pytest.fixture(scope="module")
def awkward_site(tmp_path_factory: pytest.TempPathFactory, browser) -> Callable[[str], Site]:  # type: ignore[no-untyped-def]
    """The awkward project for a site (a key of SITES), built and smoke-checked once for the module."""
    made: dict[str, Site] = {}

    def get(site: str) -> Site:
        if site not in made:
            root = make_project(tmp_path_factory.mktemp(f"awkward-{site}") / "project", SITES[site])
            result = build(root, BuildOptions(out=root / "_site", keep_going=True))
            smoke = run_smoke(str(root / "_site"), lambda: contextlib.nullcontext(browser))
            made[site] = Site(root, {r.slug: r.status for r in result.reports}, smoke)
        return made[site]

    return get


def elsewhere(problem: Any, report: str, status: dict[str, str]) -> bool:
    """What another awkward report's case reports: a problem on its page or downloads, or the partial build its
    failure to build made (its case fails on that)."""
    others = [other for other in REPORTS if other != report]
    if problem.page == "manifest.json" and "'partial'" in problem.message:
        return any(status[other] == "failed" for other in others)
    return any(problem.page == f"reports/{other}.html" or problem.page.startswith((f"reports/{other}/",
                                                                                   f"data/{other}/"))
               for other in others)


@pytest.mark.parametrize("site", list(SITES))
@pytest.mark.parametrize("report", REPORTS)
def test_an_awkward_report_reads_right(report: str, site: str, awkward_site: Callable[[str], Site]) -> None:
    built = awkward_site(site)
    assert built.status[report] == "built", built.status

    problems = [str(problem) for problem in built.smoke.problems if not elsewhere(problem, report, built.status)]
    assert problems == [], "\n".join(["", *problems])
    checks = [c for c in built.smoke.checks if c.page == f"reports/{report}.html"]
    assert [c.viewport for c in checks] == ["desktop", "phone"]
    for check in checks:  # the reader checks saw the charts: every one drew, and tooltips were read
        assert check.charts_drawn == check.charts > 0 and check.tooltips > 0, check


VISIBLE_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, svg')) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) found.push(text);
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], img[alt]')) {
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      if (el.getAttribute(name) && !el.closest('svg')) found.push(el.getAttribute(name));
    }
  }
  return found;
}"""


def authored_texts(root: Path) -> list[str]:
    """Every text the project's author or data wrote, longest first: report and site YAML strings, and the text
    cells of every CSV download (numbers and dates left out)."""
    import csv

    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(str(k) for k in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif node is not None:
            found.add(str(node))

    for path in [*sorted((root / "reports").glob("*.yaml")), root / "site_src" / "site.yaml"]:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    for path in sorted((root / "_site" / "data").rglob("*.csv")):
        with path.open(encoding="utf-8-sig") as handle:
            found.update(cell for row in csv.reader(handle) for cell in row if re.search(r"[A-Za-z]{3}", cell))
    return sorted((t for t in found if len(t) >= 3), key=len, reverse=True)


def english_fragments(language: str) -> list[tuple[str, str, re.Pattern[str]]]:
    """The English words of every message whose translation differs: fragments between placeholders."""
    from reportsite.values.words import PLACEHOLDER, Words, known_messages

    words = Words.make(language)
    found = []
    for message, (plural, _names) in known_messages().items():
        translated = words.raw(message) if not plural else words.raw_plural(message, message, 5)
        if translated == message:
            continue
        for fragment in PLACEHOLDER.split(message.replace("%%", "%")):
            fragment = fragment.strip(" .,;:()–-\"“”")
            if len(fragment) >= 4 and re.search(r"[A-Za-z]{3}", fragment) and fragment not in translated:
                found.append((message, fragment, re.compile(r"(?<![\\w])" + re.escape(fragment) + r"(?![\\w])")))
    return found


def site_words_in(text: str, authored: list[str]) -> str:
    """What is left of a page's text once the author's and the data's texts are taken out."""
    for written in authored:
        if written in text:
            text = text.replace(written, " ")
    return text.strip(" :·←()")


def english_in(text: str, fragments: list[tuple[str, str, re.Pattern[str]]]) -> list[str]:
    """The messages whose English shows in ``text``: a phrase anywhere, a single word only as the whole text."""
    return [message for message, fragment, pattern in fragments
            if (" " in fragment and pattern.search(text)) or text == fragment]


def test_the_english_check_sees_english() -> None:
    fragments = english_fragments("de")
    assert english_in("Download CSV", fragments) == ["Download CSV"]
    assert "vs previous period" in english_in("vs previous period (2.3 Mio.)", fragments)
    assert english_in(site_words_in("Online shop (all countries)", ["Online shop (all countries)"]), fragments) == []
    assert english_in("CSV herunterladen", fragments) == []


@pytest.mark.parametrize("site", list(TRANSLATED))
def test_no_english_word_the_site_adds_shows_on_a_translated_site(site: str, awkward_site: Callable[[str], Site],
                                                                  browser) -> None:
    built = awkward_site(site)
    assert set(built.status.values()) == {"built"}, built.status
    root = built.root
    authored = authored_texts(root)
    fragments = english_fragments(TRANSLATED[site])
    assert len(fragments) > 150  # the check reads the whole catalog
    found: list[str] = []
    with serve_folder(root / "_site") as base:
        for width, scheme in ((1280, "light"), (390, "dark")):
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
            try:
                for page_path in ["index.html", *[f"reports/{r}.html" for r in REPORTS]]:
                    page = context.new_page()
                    page.goto(base + page_path)
                    page.wait_for_function("() => [...document.querySelectorAll('[data-spec]')]"
                                           ".every(el => el.dataset.rendered)", timeout=20_000)
                    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
                    for text in page.evaluate(VISIBLE_TEXT):
                        left = site_words_in(text, authored)
                        found += [f"{page_path} ({width} px, {scheme}): {text!r} has {message!r}"
                                  for message in english_in(left, fragments)]
                    page.close()
            finally:
                context.close()
    assert found == [], "\n".join(["", *dict.fromkeys(found)])
