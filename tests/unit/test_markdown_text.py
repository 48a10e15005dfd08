"""markdown_text: report text and descriptions as safe HTML (parsed, not string-matched)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from reportsite.pages.markdown_text import allowed_link, is_external, plain, render


class Parsed(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def words(self) -> str:
        return "".join(self.text)


def test_paragraphs_lists_emphasis_code_tables():
    html = render("Intro **bold** and *soft* `code`.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    parsed = Parsed(html)
    assert [t for t, _ in parsed.tags] == ["p", "strong", "em", "code", "ul", "li", "li",
                                           "div", "table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert parsed.named("div") == [{"class": "md-table"}]
    assert isinstance(html, Markup)


HOSTILE = [
    '<script>window.pwned = 1</script>',
    '<img src=x onerror="window.pwned = 2">',
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<style>body{background:url(https://evil.example/t.png)}</style>',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_raw_html_is_shown_as_text(text):
    parsed = Parsed(render(text))
    assert [t for t, _ in parsed.tags] == ["p"]
    assert parsed.words == text


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", "java&#9;script:alert(1)", "&#106;avascript:alert(1)",
    "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
    "%6Aavascript:alert(1)", " javascript:alert(1)",
])
def test_links_to_other_schemes_stay_text(url):
    parsed = Parsed(render(f"[click]({url}) and <{url}>"))
    assert parsed.named("a") == []
    assert "click" in parsed.words


@pytest.mark.parametrize(("url", "rel"), [
    ("https://example.com/a?b=1", "noopener noreferrer"),
    ("http://example.com", "noopener noreferrer"),
    ("//example.com/x", "noopener noreferrer"),
    ("mailto:data@example.com", None),
    ("customers.html", None),
    ("../index.html#top", None),
    ("#notes", None),
])
def test_allowed_links_and_rel_on_external_ones(url, rel):
    links = Parsed(render(f"[go]({url})")).named("a")
    assert len(links) == 1
    assert links[0].get("rel") == rel
    assert allowed_link(links[0]["href"] or "")


def test_autolinks_are_external_links():
    assert Parsed(render("<https://example.com>")).named("a") == [
        {"href": "https://example.com", "rel": "noopener noreferrer"}]


@pytest.mark.parametrize("text", [
    "![pixel](https://tracker.example/p.gif)",
    "![pixel](//tracker.example/p.gif)",
    '![pixel](https://tracker.example/p.gif "title")',
    "[![badge](https://img.example/b.svg)](https://example.com)",
    "![ref][r]\n\n[r]: https://tracker.example/r.png",
    "![local](../assets/x.png)",
])
def test_images_never_become_img_tags(text):
    parsed = Parsed(render(text))
    assert parsed.named("img") == []
    for link in parsed.named("a"):
        assert not link["href"].startswith(("http", "//")) or link.get("rel") == "noopener noreferrer"


def test_an_image_becomes_a_link_to_it_with_its_alt_text():
    parsed = Parsed(render("![Org chart](https://intranet.example/org.png)"))
    assert parsed.named("a") == [{"href": "https://intranet.example/org.png", "rel": "noopener noreferrer"}]
    assert parsed.words == "Org chart"


def test_data_images_are_text():
    parsed = Parsed(render("![x](data:image/png;base64,iVBORw0KGgo=)"))
    assert parsed.named("img") == [] and parsed.named("a") == []


@pytest.mark.parametrize(("text", "level", "expected"), [
    ("# A\n\n## B\n\n### C", 2, ["h2", "h3", "h4"]),
    ("# A\n\n## B\n\n### C", 3, ["h3", "h4", "h5"]),
    ("## A\n\n### B", 2, ["h2", "h3"]),
    ("## A\n\n### B", 3, ["h3", "h4"]),
    ("### A", 2, ["h3"]),  # smaller than the page needs: kept
    ("# A\n\n##### E\n\n###### F", 3, ["h3", "h6", "h6"]),  # never past h6
])
def test_headings_are_demoted_below_the_page_heading(text, level, expected):
    assert [t for t, _ in Parsed(render(text, level=level)).tags] == expected


def test_parameters_are_filled_as_literal_text():
    parameters = {"since": "2025-01-01", "who": "**<b>Ops</b>** [x](javascript:alert(1))", "n": 3}
    parsed = Parsed(render("Since $since for $who: `$since` and $n, $unknown", parameters))
    assert parsed.words == "Since 2025-01-01 for **<b>Ops</b>** [x](javascript:alert(1)): 2025-01-01 and 3, $unknown"
    assert [t for t, _ in parsed.tags] == ["p", "code"]


def test_parameters_in_headings_lists_and_code_blocks():
    parsed = Parsed(render("# Report for $region\n\n- $region first\n\n```\nWHERE region = '$region'\n```",
                           {"region": "North"}))
    assert parsed.words.count("North") == 3


def test_parameters_in_link_targets_are_url_encoded():
    links = Parsed(render("[more](sales.html?since=$since)", {"since": "2025-01-01 & more"})).named("a")
    assert links == [{"href": "sales.html?since=2025-01-01%20%26%20more"}]


def test_a_parameter_cannot_turn_a_link_into_script():
    links = Parsed(render("[x]($target)", {"target": "javascript:alert(1)"})).named("a")
    assert [link["href"] for link in links] == ["javascript%3Aalert%281%29"]  # a harmless relative path


def test_empty_text_renders_nothing():
    assert render(None) == "" and render("  \n") == "" and plain(None) == ""


def test_plain_text_drops_markup_and_keeps_words():
    text = "**Monthly** sales for [all regions](https://x.example) since $since.\n\n- `one`\n- ![two](t.png)"
    assert plain(text, {"since": "2025"}) == "Monthly sales for all regions since 2025. one two"


def test_plain_text_keeps_what_looks_like_html_as_words():
    assert plain("<b>x</b> & y") == "<b>x</b> & y"  # escaped by the template, shown as written


@pytest.mark.parametrize(("url", "external"), [
    ("https://a.example", True), ("HTTP://a.example", True), ("//a.example", True), ("\\\\a.example", True),
    ("mailto:x@y", False), ("page.html", False), ("/abs", False), ("#x", False),
])
def test_is_external(url, external):
    assert is_external(url) is external
