"""Filters, pages per value and links, as the build writes them: every slice holds exactly what DuckDB returns
for its choices, every page per value has its own safe file name, links point at pages that exist, and a
rebuild with nothing changed writes the same bytes."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import duckdb
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.errors import ReportError
from tests.support import explore_data

# The build's date is 2026-06-15 in Europe/Zurich: what each preset covers, worked out by hand.
PRESETS = {"last_30_days": (dt.date(2026, 5, 17), dt.date(2026, 6, 15)),
           "last_12_months": (dt.date(2025, 6, 16), dt.date(2026, 6, 15)),
           "year_to_date": (dt.date(2026, 1, 1), dt.date(2026, 6, 15))}


@pytest.fixture(scope="module")
def explore(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("explore")
    data = base / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(base / "project", data)
    build(root, BuildOptions(out=root / "_site"), now=lambda: explore_data.NOW)
    return root, data / "orders.parquet"


def row(sql: str, params: list | None = None) -> tuple:
    """The first row of a query, on a connection of its own."""
    with duckdb.connect() as con:
        return tuple(con.execute(sql, params or []).fetchall()[0])


def page_config(site: Path, page: str) -> dict:
    text = (site / page).read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="report-filters">(.*?)</script>', text, re.S)
    assert found, page
    return json.loads(found.group(1))


def metric_values(fragment: str) -> list[str]:
    """Each metric's exact value: its hover title when shortened, else the text shown."""
    out = []
    for match in re.finditer(r'data-testid="metric-value"(?: title="([^"]*)")?>([^<]*)<', fragment):
        out.append(html.unescape(match.group(1) or match.group(2)))
    return out


def test_every_combination_holds_what_duckdb_returns(explore: tuple[Path, Path]) -> None:
    root, orders = explore
    site = root / "_site"
    config = page_config(site, "reports/orders.html")
    region, period = config["filters"]
    assert [c["token"] for c in region["choices"]] == ["", "North", "South", "Zürich & Söhne"]  # NULL left out
    assert [c["token"] for c in period["choices"]] == ["last_30_days", "last_12_months", "year_to_date", "all"]
    assert len(config["slices"]) == 16
    first, last = row(f"SELECT min(day), max(day) FROM '{orders}'")
    ranges = {**PRESETS, "all": (first, last)}
    for key, url in config["slices"].items():
        r, p = (int(part) for part in key.split("."))
        token, preset = region["choices"][r]["token"], period["choices"][p]["token"]
        value = token or None
        start, end = ranges[preset]
        expected = row(explore_data.REVENUE.replace("orders", f"'{orders}'"), [value, value, start, end])[0]
        body = json.loads((site / "reports" / url).resolve().read_text(encoding="utf-8"))
        assert set(body["blocks"]) == {"metric-1", "chart-1", "table-1", "title", "description", "text"}
        shown = metric_values(body["blocks"]["metric-1"])
        assert shown == ["—" if expected is None else f"${expected:,.2f}"], (key, shown, expected)
        table = body["blocks"]["table-1"]
        rows = row(f"SELECT count(DISTINCT customer) FROM '{orders}' WHERE (? IS NULL OR region = ?) "
                   "AND day BETWEEN ? AND ?", [value, value, start, end])[0]
        assert table.count("<tr class=") == rows, key
        assert body["title"] == f"Orders in {region['choices'][r]['label']}"
        csv = re.search(r'href="\.\./(data/orders/s-[0-9a-f]{10}/table-1-orders-by-customer\.csv)"', table)
        assert csv and (site / csv.group(1)).is_file(), key


def test_the_page_shows_the_default_combination(explore: tuple[Path, Path]) -> None:
    root, orders = explore
    text = (root / "_site/reports/orders.html").read_text(encoding="utf-8")
    total = row(f"SELECT SUM(amount), count(*) FROM '{orders}'")
    assert metric_values(text) == [f"${total[0]:,.2f}", f"{total[1]:,}"]
    assert '<option value="0" selected>All</option>' in text and '<option value="3" selected>All time</option>' in text
    assert 'data-block="metric-2"' in text  # not following a filter: never swapped, computed once
    assert "metric-2" not in page_config(root / "_site", "reports/orders.html")["blocks"]


def test_a_page_per_value_with_safe_distinct_names(explore: tuple[Path, Path]) -> None:
    root, orders = explore
    site = root / "_site"
    manifest = json.loads((site / "manifest.json").read_text())
    members = manifest["reports"]["customer"]["members"]
    assert sorted(members) == sorted(explore_data.CUSTOMERS)
    files = list(members.values())
    assert len(set(files)) == len(files) and all(re.fullmatch(r"[a-z0-9-]+", f) for f in files)
    assert members["C-002"] == "c-002"
    assert members["C-001"] != members["c-001"]  # same readable name: both take a digest
    listing = (site / "reports/customer.html").read_text(encoding="utf-8")
    for value, file in members.items():
        page = site / f"reports/customer/{file}.html"
        assert f'href="customer/{file}.html"' in listing
        revenue = row(f"SELECT SUM(amount) FROM '{orders}' WHERE customer = ?", [value])[0]
        text = page.read_text(encoding="utf-8")
        assert metric_values(text) == [f"${revenue:,.2f}"], value
        assert f"Customer {html.escape(value, quote=False)}" in html.unescape(text) or html.escape(value) in text
        assert 'href="../customer.html"' in text  # back to the listing
    assert manifest["reports"]["customer"]["pages"] == len(members)


def test_links_open_pages_that_exist(explore: tuple[Path, Path]) -> None:
    root, _ = explore
    site = root / "_site"
    text = (site / "reports/orders.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(\.\./reports/customer/[^"]+\.html)" class="[^"]*" data-testid="cell-link"', text)
    assert len(links) == len(explore_data.CUSTOMERS)
    assert all((site / "reports" / link).resolve().is_file() for link in links)
    spec = json.loads(re.search(r'id="chart-1-spec">(.*?)</script>', text, re.S).group(1))  # type: ignore[union-attr]
    hrefs = {row["customer"]: row["__href"] for row in spec["data"]["values"]}
    assert spec["encoding"]["href"] == {"field": "__href", "type": "nominal"}
    assert all((site / "reports" / href).resolve().is_file() for href in hrefs.values())


def test_nothing_changed_rebuilds_nothing_and_a_new_day_rebuilds_the_dated_page(explore: tuple[Path, Path]) -> None:
    root, _ = explore
    site = root / "_site"
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    again = build(root, BuildOptions(out=site), now=lambda: explore_data.NOW)
    assert again.status == "unchanged"
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    later = build(root, BuildOptions(out=site), now=lambda: explore_data.NOW + dt.timedelta(days=1))
    assert {r.slug: r.status for r in later.reports} == {"customer": "unchanged", "orders": "built"}
    assert "Jun 16, 2026" in (site / "reports/orders.html").read_text(encoding="utf-8")


def failing(tmp_path: Path, orders: str) -> str:
    data = tmp_path / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(tmp_path / "project", data)
    (root / "reports/orders.yaml").write_text(orders, encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        build(root, BuildOptions(out=root / "_site"), now=lambda: explore_data.NOW)
    assert not (root / "_site").exists()
    return str(caught.value)


def test_limits_and_mistakes_are_located(tmp_path: Path) -> None:
    site = explore_data.SITE.replace("max_slices: 40", "max_slices: 10")
    data = tmp_path / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(tmp_path / "project", data)
    (root / "site_src/site.yaml").write_text(site.format(data=data), encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        build(root, BuildOptions(out=root / "_site"), now=lambda: explore_data.NOW)
    assert ("reports/orders.yaml:4:1 filters: the filters make 16 combinations (4 (region) × 4 (period)), more than "
            "max_slices (10) in site_src/site.yaml") in str(caught.value)


def test_a_link_to_a_report_without_pages_per_value(tmp_path: Path) -> None:
    text = failing(tmp_path, orders=explore_data.ORDERS.replace("links: {customer: customer}",
                                                                "links: {customer: orders}"))
    assert re.search(r"reports/orders\.yaml:\d+:\d+ tables\[0\]\.links\.customer: report 'orders' has no "
                     r"for_each, so it has no page per value to link to; link to a for_each report \(customer\)",
                     text), text
    assert "params.link" not in text  # the chart's link is right


def test_a_default_that_is_not_a_choice(tmp_path: Path) -> None:
    orders = explore_data.ORDERS.replace('options: "SELECT DISTINCT region FROM orders ORDER BY 1"',
                                         'options: "SELECT DISTINCT region FROM orders ORDER BY 1"\n    default: West')
    text = failing(tmp_path, orders=orders)
    assert re.search(r"reports/orders\.yaml:\d+:\d+ filters\[0\]\.default: default 'West' is not one of filter "
                     r"'region''s choices \(All, North, South, Zürich & Söhne\)", text), text


def test_a_filter_may_not_reuse_a_parameter_name(tmp_path: Path) -> None:
    orders = explore_data.ORDERS.replace("filters:\n", "parameters:\n  region: North\nfilters:\n", 1)
    data = tmp_path / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(tmp_path / "project", data)
    (root / "reports/orders.yaml").write_text(orders, encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        build(root, BuildOptions(out=root / "_site"), now=lambda: explore_data.NOW)
    assert ("reports/orders.yaml:7:5 filters[0].name: '$region' is already bound by parameters.region; give it another "
            "name") in str(caught.value)


def test_an_incremental_build_keeps_links_to_unchanged_pages(tmp_path: Path) -> None:
    """The linking report is rebuilt alone: its links come from the previous build's list of pages."""
    data = tmp_path / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(tmp_path / "project", data)
    site = root / "_site"
    build(root, BuildOptions(out=site), now=lambda: explore_data.NOW)
    first = (site / "reports/orders.html").read_text(encoding="utf-8")
    orders = root / "reports/orders.yaml"
    orders.write_text(orders.read_text(encoding="utf-8").replace('name: "Revenue"', 'name: "Turnover"'), "utf-8")
    again = build(root, BuildOptions(out=site), now=lambda: explore_data.NOW)
    assert {r.slug: r.status for r in again.reports} == {"customer": "unchanged", "orders": "built"}
    text = (site / "reports/orders.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(\.\./reports/customer/[^"]+\.html)"', text)
    assert links and links == re.findall(r'href="(\.\./reports/customer/[^"]+\.html)"', first)
    assert all((site / "reports" / link).resolve().is_file() for link in links)
    customer = root / "reports/customer.yaml"  # the family changes: whoever links to it is made again
    customer.write_text(customer.read_text(encoding="utf-8").replace("ORDER BY 1", "ORDER BY 1 DESC"), "utf-8")
    third = build(root, BuildOptions(out=site), now=lambda: explore_data.NOW)
    assert {r.slug: r.status for r in third.reports} == {"customer": "built", "orders": "built"}


def test_a_block_shared_by_many_slices_is_rendered_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The title follows the region alone (4 choices) and the description the period alone (4): each of their
    blocks is rendered once per choice of its own filter, not once per combination (16), and every slice that
    shows it holds the same HTML."""
    from reportsite.render import slice_files

    rendered: dict[str, int] = {}
    real = slice_files.render

    def counting(env: object, name: str, context: dict) -> str:
        block = context["block"]
        kind = context["kind"]
        key = kind if kind in ("title", "description", "text") else getattr(block, "id", kind)
        rendered[key] = rendered.get(key, 0) + 1
        return real(env, name, context)

    monkeypatch.setattr(slice_files, "render", counting)
    data = tmp_path / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(tmp_path / "project", data)
    build(root, BuildOptions(out=root / "_site"), now=lambda: explore_data.NOW)
    config = page_config(root / "_site", "reports/orders.html")
    assert len(config["slices"]) == 16
    assert rendered["title"] == 4 and rendered["description"] == 4
    assert rendered["metric-1"] == 16  # the revenue follows both filters
    slices = {key: json.loads((root / "_site" / path.lstrip("./")).read_text(encoding="utf-8"))
              for key, path in config["slices"].items()}
    by_region: dict[str, set[str]] = {}
    for key, body in slices.items():
        by_region.setdefault(key.split(".")[0], set()).add(body["blocks"]["title"])
    assert all(len(titles) == 1 for titles in by_region.values()) and len(by_region) == 4


def test_progress_counts_the_combinations_of_every_filters_choices(tmp_path: Path) -> None:
    """4 regions × 4 periods are 16 choices, though the page's blocks come in more units (the title per region,
    the description per period, the rest per combination, the blocks that follow no filter once)."""
    from reportsite.build.progress import ReportProgress

    seen: dict[str, list[tuple[str, int, int]]] = {}

    class Recording(ReportProgress):
        def __call__(self, what: str, done: int, total: int) -> None:
            seen.setdefault(self.slug, []).append((what, done, total))
            super().__call__(what, done, total)

    data = tmp_path / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(tmp_path / "project", data)
    build(root, BuildOptions(out=root / "_site"), now=lambda: explore_data.NOW,
          progress=lambda slug: Recording(slug, None))
    choices = [step for step in seen["orders"] if step[0] == "choices"]
    assert choices and choices[-1] == ("choices", 16, 16)
    assert all(total == 16 and 0 <= done <= 16 for _, done, total in choices)
    assert [done for _, done, _ in choices] == sorted(done for _, done, _ in choices)
