"""Filters, pages per value and links in Chromium: what a reader sees after choosing equals what DuckDB returns
for that choice; the choice lives in the URL (shareable, back and forward work); the keyboard alone works."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.smoke.localhttp import serve_folder
from reportsite.smoke.runner import run_smoke
from tests.support import explore_data

pytestmark = pytest.mark.browser
LAST_12_MONTHS = (dt.date(2025, 6, 16), dt.date(2026, 6, 15))  # counted back from 2026-06-15 by hand


@pytest.fixture(scope="module")
def explore(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("explore")
    data = base / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(base / "project", data)
    build(root, BuildOptions(out=root / "_site"), now=lambda: explore_data.NOW)
    return root / "_site", data / "orders.parquet"


def rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect() as con:
        return con.execute(sql, params or []).fetchall()


def seen(page: Any) -> dict[str, Any]:
    """What the page shows now: metric values (exact), the chart's data, the table's first column, the title."""
    return page.evaluate("""() => {
        const spec = document.getElementById('chart-1-spec');
        return {
          metrics: [...document.querySelectorAll('[data-testid=metric-value]')].map(e => e.title || e.textContent),
          chart: spec ? JSON.parse(spec.textContent).data.values : [],
          drawn: [...document.querySelectorAll('#chart-1[data-rendered=true]')].length,
          table: [...document.querySelectorAll('[data-block=table-1] tbody tr')].map(r => r.cells[0].innerText),
          title: document.querySelector('h1').textContent, doc: document.title,
        }; }""")


def wait_shown(page: Any, key: str) -> None:
    page.wait_for_function(f"() => document.documentElement.dataset.filtersShown === '{key}'")
    page.wait_for_function("() => !document.body.hasAttribute('aria-busy')")


def expected(orders: Path, region: str | None, period: tuple[dt.date, dt.date] | None) -> dict[str, Any]:
    start, end = period or (dt.date(1, 1, 1), dt.date(9999, 12, 31))
    where = "WHERE (? IS NULL OR region = ?) AND day BETWEEN ? AND ?"
    params = [region, region, start, end]
    revenue = rows(f"SELECT SUM(amount) FROM '{orders}' {where}", params)[0][0]
    by_customer = rows(f"SELECT customer, SUM(amount) FROM '{orders}' {where} GROUP BY 1 ORDER BY 2 DESC", params)
    return {"revenue": f"${revenue:,.2f}", "customers": [c for c, _ in by_customer],
            "sums": {c: round(v, 6) for c, v in by_customer}}


def test_choosing_updates_every_block_and_the_url(browser: Any, explore: tuple[Path, Path]) -> None:
    site, orders = explore
    with serve_folder(site) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "reports/orders.html")
        wait_shown(page, "0.3")
        first = seen(page)
        everything = expected(orders, None, None)
        assert first["metrics"][0] == everything["revenue"] and first["table"] == everything["customers"]

        page.select_option("#filter-region", label="Zürich & Söhne")
        wait_shown(page, "3.3")
        page.select_option("#filter-period", label="Last 12 months")
        wait_shown(page, "3.1")
        page.wait_for_selector("#chart-1[data-rendered=true]")
        now = seen(page)
        want = expected(orders, "Zürich & Söhne", LAST_12_MONTHS)
        assert now["metrics"][0] == want["revenue"]
        assert now["metrics"][1] == first["metrics"][1]  # follows no filter: the same block
        assert now["table"] == want["customers"]
        assert {r["customer"]: round(r["revenue"], 6) for r in now["chart"]} == want["sums"]
        assert now["drawn"] == 1
        assert now["title"] == "Orders in Zürich & Söhne" and now["doc"].startswith("Orders in Zürich & Söhne · ")
        assert page.locator("[data-filter-hint='1']").inner_text() == "Jun 16, 2025 – Jun 15, 2026"
        url = page.url
        assert url.endswith("reports/orders.html?region=Z%C3%BCrich+%26+S%C3%B6hne&period=last_12_months"), url

        page.go_back()
        wait_shown(page, "3.3")
        assert page.input_value("#filter-period") == "3" and seen(page)["metrics"][0] == \
            expected(orders, "Zürich & Söhne", None)["revenue"]
        page.go_back()
        wait_shown(page, "0.3")
        assert seen(page)["metrics"][0] == everything["revenue"] and page.url.endswith("reports/orders.html")
        page.go_forward()
        wait_shown(page, "3.3")

        shared = browser.new_page(viewport={"width": 390, "height": 800})  # a shared link opens as it was
        shared.goto(url)
        wait_shown(shared, "3.1")
        assert seen(shared)["metrics"][0] == want["revenue"]
        assert shared.input_value("#filter-region") == "3"
        shared.close()
        assert errors == []
        page.close()


def test_the_keyboard_alone_chooses(browser: Any, explore: tuple[Path, Path]) -> None:
    site, orders = explore
    with serve_folder(site) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "reports/orders.html")
        wait_shown(page, "0.3")
        label = page.get_by_label("Region")
        assert label.evaluate("e => e.tagName") == "SELECT"
        label.focus()
        page.keyboard.press("ArrowDown")
        wait_shown(page, "1.3")
        assert seen(page)["metrics"][0] == expected(orders, "North", None)["revenue"]
        assert "region=North" in page.url
        assert "Region: North" in page.locator("[data-filter-status]").inner_text()
        page.close()


def test_an_unknown_value_in_the_url_opens_the_default(browser: Any, explore: tuple[Path, Path]) -> None:
    site, orders = explore
    with serve_folder(site) as base:
        page = browser.new_page()
        page.goto(base + "reports/orders.html?region=Atlantis&period=last_12_months")
        wait_shown(page, "0.1")
        assert "Atlantis" not in page.url and "period=last_12_months" in page.url
        assert seen(page)["metrics"][0] == expected(orders, None, LAST_12_MONTHS)["revenue"]
        page.close()


def test_pages_per_value_search_and_links(browser: Any, explore: tuple[Path, Path]) -> None:
    site, orders = explore
    members = json.loads((site / "manifest.json").read_text())["reports"]["customer"]["members"]
    with serve_folder(site) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "reports/orders.html")
        wait_shown(page, "0.3")
        page.get_by_role("link", name="C-002", exact=True).click()
        page.wait_for_url("**/reports/customer/c-002.html")
        revenue = rows(f"SELECT SUM(amount) FROM '{orders}' WHERE customer = 'C-002'")[0][0]
        assert seen(page)["metrics"][0] == f"${revenue:,.2f}"
        assert page.locator("h1").inner_text() == "Customer C-002"
        page.get_by_test_id("parent-link").click()
        page.wait_for_url("**/reports/customer.html")
        assert page.locator("[data-testid=family-list] li").count() == len(members)

        page.goto(base + "reports/orders.html")
        page.wait_for_selector("#chart-1[data-rendered=true]")
        top = expected(orders, None, None)["customers"][0]
        page.locator("#chart-1 svg path[role='graphics-symbol']").first.click()
        page.wait_for_url(f"**/reports/customer/{members[top]}.html")
        page.close()


def test_the_listing_search_narrows_the_list(browser: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    explore_data.write_data(data)
    root = explore_data.make_project(tmp_path / "project", data)
    with duckdb.connect() as con:  # more customers, so the listing gets its search box
        con.execute(f"""COPY (SELECT i AS order_id, DATE '2026-01-01' AS day, 'North' AS region,
                        'Kunde ' || lpad(i::TEXT, 3, '0') || CASE WHEN i = 7 THEN ' Zürich' ELSE '' END AS customer,
                        i::DOUBLE AS amount FROM range(1, 41) t(i)) TO '{data / "orders.parquet"}'""").fetchall()
    build(root, BuildOptions(out=root / "_site"), now=lambda: explore_data.NOW)
    with serve_folder(root / "_site") as base:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto(base + "reports/customer.html")
        search = page.get_by_label("Search Customers")
        search.fill("zurich")  # accents ignored
        assert page.locator("[data-testid=family-list] li:visible").all_inner_texts() == ["Kunde 007 Zürich"]
        search.fill("kunde 01")
        assert page.locator("[data-testid=family-list] li:visible").count() == 11  # 001 and 010 to 019
        search.fill("nobody")
        assert page.locator("[data-search-empty]").is_visible()
        page.close()


def test_the_explore_site_passes_smoke(browser: Any, explore: tuple[Path, Path]) -> None:
    site, _ = explore
    result = run_smoke(str(site), lambda: contextlib.nullcontext(browser))
    assert [str(p) for p in result.problems] == []
    checked = {c.page for c in result.checks}
    assert {"reports/orders.html", "reports/customer.html"} <= checked
