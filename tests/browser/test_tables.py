"""Tables in Chromium (tables.js): sorting numbers, dates, text and nulls, search, page sizes, paging,
aria-sort, the rows beyond the inline ones loaded from their JSON file, and the page without JavaScript.

Every order is checked against the one DuckDB returns for the same data with ORDER BY.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.smoke.localhttp import serve_folder
from tests.conftest import REPO

pytestmark = pytest.mark.browser

ROWS = 1200
CITIES = [
    "Zürich",
    "aarhus",
    "Genève",
    "Ålesund",
    "São Paulo",
    "Kraków",
    "Montréal",
    "Reykjavík",
    "Berlin",
    "oslo",
    "Bern",
]
DATA = f"""
SELECT i AS order_id,
       CASE WHEN i % 29 = 0 THEN NULL ELSE [{", ".join(f"'{c}'" for c in CITIES)}][1 + i % {len(CITIES)}] END AS city,
       'Item ' || (i * 7 % 37) AS item,
       CASE WHEN i % 13 = 0 THEN NULL WHEN i % 101 = 0 THEN -5.8e13 WHEN i % 103 = 0 THEN 9.9e14
            ELSE ((i * 7919) % 2003 - 1000) * 1.25 END AS amount,
       CASE WHEN i % 11 = 0 THEN NULL ELSE DATE '2024-01-01' + ((i * 37) % 700)::INTEGER END AS day,
       TIMESTAMPTZ '2025-10-25 22:00:00+00' + to_minutes(((i * 53) % 5000)::BIGINT) AS placed_at,
       CASE WHEN i % 17 = 0 THEN 'a much longer note that the table cuts short with an ellipsis, ' || i
            ELSE 'note ' || i END AS note
FROM range(1, {ROWS + 1}) t(i)
"""
REPORT = """
title: "Orders"
data_source: "orders.parquet"
tables:
  - name: "Every order"
    query: "SELECT * FROM orders ORDER BY order_id"
    max_rows: 5000
    columns: {amount: currency}
  - name: "The first thousand"
    query: "SELECT order_id, city, amount FROM orders ORDER BY order_id"
    max_rows: 1000
  - name: "Twelve items"
    query: "SELECT 'Item ' || i AS item, (13 - i) * 1.5 AS amount FROM range(1, 13) t(i) ORDER BY i DESC"
  - name: "One row"
    query: "SELECT 'only' AS label, 1 AS n"
  - name: "No rows"
    query: "SELECT * FROM orders WHERE false"
"""


@pytest.fixture(scope="module")
def orders_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tables")
    shutil.copytree(REPO / "site_src", root / "site_src")
    (root / "data").mkdir()
    duckdb.sql(f"COPY ({DATA}) TO '{root / 'data' / 'orders.parquet'}' (FORMAT parquet)")
    (root / "reports").mkdir()
    (root / "reports" / "orders.yaml").write_text(REPORT, encoding="utf-8")
    (root / "site_src" / "site.yaml").write_text(f'title: "Tables"\ndata_root: "{root / "data"}"\n')
    build(root, BuildOptions(out=root / "_site"))
    return root


@pytest.fixture(scope="module")
def base_url(orders_site: Path) -> Iterator[str]:
    with serve_folder(orders_site / "_site") as base:
        yield base


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.errors = []
    opened.requests = []
    opened.on("pageerror", lambda e: opened.errors.append(str(e)))
    opened.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
    opened.on("request", lambda r: opened.requests.append(r.url))
    opened.goto(base_url + "reports/orders.html")
    opened.wait_for_selector("#table-1[data-enhanced]", state="attached")
    yield opened
    assert opened.errors == []
    context.close()


def expected(orders_site: Path, select: str, order: str) -> list[Any]:
    path = orders_site / "data" / "orders.parquet"
    return [row[0] for row in duckdb.sql(f"SELECT {select} FROM '{path}' ORDER BY {order}").fetchall()]


def column(name: str) -> int:
    return ["order_id", "city", "item", "amount", "day", "placed_at", "note"].index(name)


def card(page: Any, table: str = "#table-1") -> Any:
    return page.locator(f"section:has({table})")


def cells(page: Any, index: int, table: str = "#table-1") -> list[dict[str, Any]]:
    """The shown page's cells of one column: text (None for the NULL dash) and sort key."""
    return page.evaluate(
        """([table, index]) => [...document.querySelectorAll(table + ' tbody tr')].map(tr => {
        const td = tr.cells[index];
        const empty = td.querySelector('[data-null]');
        const key = td.dataset.sort === undefined ? null : Number(td.dataset.sort);
        return {text: empty ? null : td.textContent, key};
    })""",
        [table, index],
    )


def every_row(page: Any, index: int) -> list[dict[str, Any]]:
    """The column's cells over every page, 100 rows a page."""
    page.select_option("section:has(#table-1) select", "100")
    found = []
    while True:
        found += cells(page, index)
        following = card(page).get_by_role("button", name="Next")
        if following.is_disabled():
            return found
        following.click()


def sort(page: Any, name: str) -> None:
    page.locator("#table-1 th").nth(column(name)).get_by_role("button").click()
    page.wait_for_selector("#table-1[data-loaded='all']", state="attached")


def status(page: Any, table: str = "#table-1") -> str:
    return card(page, table).locator("[data-table-status]").inner_text()


def test_without_javascript_the_page_shows_the_inline_rows(browser: Any, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "reports/orders.html")
    assert page.locator("#table-1 tbody tr").count() == 200
    assert page.locator("#table-1 th button").count() == 0
    assert "Showing 200 of 1,200 rows" in card(page).inner_text()
    context.close()


def test_the_first_page_shows_25_rows_and_loads_nothing_more(page: Any) -> None:
    assert page.locator("#table-1 tbody tr").count() == 25
    assert status(page) == "1–25 of 1,200"
    assert card(page).get_by_role("button", name="Previous").is_disabled()
    assert not [url for url in page.requests if url.endswith(".json")]
    assert page.get_by_label("Search Every order").is_visible()
    assert page.get_by_label("Rows per page").first.input_value() == "25"


def test_numbers_sort_both_ways_with_nulls_last(page: Any, orders_site: Path) -> None:
    sort(page, "amount")
    shown = every_row(page, column("amount"))
    assert [c["key"] for c in shown] == expected(orders_site, "amount", "amount ASC NULLS LAST")
    assert [c["text"] for c in shown if c["key"] is None] == [None] * (ROWS // 13)
    assert shown[0]["text"] == "-$58,000,000,000,000.00"

    page.locator("#table-1 th").nth(column("amount")).get_by_role("button").click()
    shown = every_row(page, column("amount"))
    assert [c["key"] for c in shown] == expected(orders_site, "amount", "amount DESC NULLS LAST")
    assert shown[0]["text"] == "$990,000,000,000,000.00" and shown[-1]["text"] is None


def test_dates_and_times_sort_by_their_moment(page: Any, orders_site: Path) -> None:
    sort(page, "day")
    shown = every_row(page, column("day"))
    assert [c["key"] for c in shown] == expected(orders_site, "epoch_ms(day::TIMESTAMP)", "day NULLS LAST")
    assert shown[0]["text"] == "Jan 1, 2024" and shown[-1]["text"] is None

    page.locator("#table-1 th").nth(column("placed_at")).get_by_role("button").click()
    page.locator("#table-1 th").nth(column("placed_at")).get_by_role("button").click()
    shown = every_row(page, column("placed_at"))
    assert [c["key"] for c in shown] == expected(orders_site, "epoch_ms(placed_at)", "placed_at DESC")


def test_text_sorts_as_a_reader_expects(page: Any, orders_site: Path) -> None:
    sort(page, "city")  # case and accents aside: aarhus, Ålesund, Berlin, Bern, Genève, …; NULL last
    shown = every_row(page, column("city"))
    assert [c["text"] for c in shown] == expected(orders_site, "city", "lower(strip_accents(city)) NULLS LAST")

    page.locator("#table-1 th").nth(column("item")).get_by_role("button").click()  # Item 2 before Item 10
    shown = every_row(page, column("item"))
    assert [c["text"] for c in shown] == expected(orders_site, "item", "order_id * 7 % 37")


def test_aria_sort_follows_the_sorted_column(page: Any) -> None:
    heads = page.locator("#table-1 th")
    sort(page, "amount")
    assert heads.nth(column("amount")).get_attribute("aria-sort") == "ascending"
    heads.nth(column("amount")).get_by_role("button").press("Enter")  # keyboard operable
    assert heads.nth(column("amount")).get_attribute("aria-sort") == "descending"
    heads.nth(column("day")).get_by_role("button").click()
    assert heads.nth(column("day")).get_attribute("aria-sort") == "ascending"
    assert [heads.nth(i).get_attribute("aria-sort") for i in range(7)].count(None) == 6


def test_search_ignores_case_and_accents(page: Any, orders_site: Path) -> None:
    box = page.get_by_label("Search Every order")
    box.fill("ZURICH")
    page.wait_for_selector("#table-1[data-loaded='all']", state="attached")
    count = expected(orders_site, "city", "order_id").count("Zürich")
    assert status(page) == f"1–25 of {count} matching"
    assert {c["text"] for c in cells(page, column("city"))} == {"Zürich"}
    box.fill("reykjavik")
    assert {c["text"] for c in every_row(page, column("city"))} == {"Reykjavík"}
    box.fill("no such thing")
    assert status(page) == "No matching rows"
    assert page.locator("#table-1 tbody").inner_text().strip() == "No rows match the search"
    box.fill("")
    assert status(page) == "1–100 of 1,200"


def test_page_sizes_and_paging(page: Any, orders_site: Path) -> None:
    ids = expected(orders_site, "order_id", "order_id")
    pager = card(page)
    pager.get_by_role("button", name="Next").click()
    assert status(page) == "26–50 of 1,200"
    assert [int(c["text"]) for c in cells(page, 0)] == ids[25:50]
    page.get_by_label("Rows per page").first.select_option("50")
    assert status(page) == "1–50 of 1,200" and page.locator("#table-1 tbody tr").count() == 50
    for _ in range(4):
        pager.get_by_role("button", name="Next").click()
    page.wait_for_selector("#table-1[data-loaded='all']", state="attached")  # past the inline rows
    assert status(page) == "201–250 of 1,200"
    assert [int(c["text"]) for c in cells(page, 0)] == ids[200:250]
    page.get_by_label("Rows per page").first.select_option("100")
    for _ in range(11):
        pager.get_by_role("button", name="Next").click()
    assert status(page) == "1,101–1,200 of 1,200" and pager.get_by_role("button", name="Next").is_disabled()
    pager.get_by_role("button", name="Previous").click()
    assert status(page) == "1,001–1,100 of 1,200"
    assert [url for url in page.requests if url.endswith(".json")] == [
        page.url.replace("reports/orders.html", "data/orders/table-1-every-order.json")
    ]


DRAWN = """rows => rows.map(tr => [tr.className, ...[...tr.cells].map(td => [td.className.trim(),
    td.dataset.sort === undefined ? null : Number(td.dataset.sort), td.innerHTML])])"""


def test_loaded_rows_look_like_the_inline_ones(page: Any) -> None:
    """Rows drawn by tables.js from the JSON file are the rows table.html writes (rows 1-25 hold a NULL day,
    a NULL amount and a long note)."""
    written = page.evaluate(f"""async () => {{
        const html = await (await fetch(location.href)).text();
        const rows = new DOMParser().parseFromString(html, 'text/html').querySelectorAll('#table-1 tbody tr');
        return ({DRAWN})([...rows].slice(0, 25));
    }}""")
    sort(page, "order_id")  # loads every row, then draws them from the JSON file
    assert page.locator("#table-1 tbody tr").evaluate_all(DRAWN) == written
    row = page.locator("#table-1 tbody tr").first
    assert row.evaluate("tr => tr.className") == "hover:bg-slate-50 dark:hover:bg-slate-800/60"
    note = row.locator("td").nth(column("note")).locator("span")
    assert note.get_attribute("class") == "block max-w-[12rem] sm:max-w-xs truncate"
    amount = row.locator("td").nth(column("amount"))
    assert amount.get_attribute("class") == "px-4 py-2 whitespace-nowrap text-right tabular-nums"


def test_a_table_capped_by_max_rows_says_so_and_its_csv_has_every_row(page: Any, orders_site: Path) -> None:
    assert status(page, "#table-2") == "1–25 of 1,000"
    assert "The table holds the first 1,000 of 1,200 rows; the CSV has them all." in card(page, "#table-2").inner_text()
    data = orders_site / "_site" / "data" / "orders"
    rows = list(csv.reader(io.StringIO((data / "table-2-the-first-thousand.csv").read_text("utf-8-sig"))))
    assert len(rows) == ROWS + 1
    import json

    assert len(json.loads((data / "table-2-the-first-thousand.json").read_text())["rows"]) == 1000


def test_small_tables_sort_without_paging(page: Any) -> None:
    twelve = "#table-3"
    assert card(page, twelve).locator("input, select").count() == 0
    page.locator(f"{twelve} th").nth(1).get_by_role("button").click()
    assert [c["text"] for c in cells(page, 1, twelve)] == [f"{(13 - i) * 1.5:.2f}" for i in range(12, 0, -1)]
    page.locator(f"{twelve} th").nth(0).get_by_role("button").click()
    assert [c["text"] for c in cells(page, 0, twelve)] == [f"Item {i}" for i in range(1, 13)]
    assert page.locator("#table-4 th button, #table-5 th button").count() == 0
    assert page.locator("#table-4 tbody tr").count() == 1


def test_a_swapped_block_is_enhanced(page: Any) -> None:
    page.evaluate("""async () => {
        const html = await (await fetch(location.href)).text();
        const fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('section:has(#table-1)');
        const block = document.createElement('div');
        block.id = 'swapped';
        fresh.querySelector('table').id = 'table-9';
        block.appendChild(document.adoptNode(fresh));
        document.querySelector('main').appendChild(block);
        block.dispatchEvent(new CustomEvent('reportsite:swapped', {bubbles: true}));
    }""")
    assert page.locator("#table-9[data-enhanced]").count() == 1
    assert page.locator("#table-9 tbody tr").count() == 25
    assert page.locator("#swapped input[type=search]").count() == 1


def test_opened_as_a_file_it_sorts_the_inline_rows_and_says_so(browser: Any, orders_site: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto((orders_site / "_site" / "reports" / "orders.html").as_uri())
    page.locator("#table-1 th").nth(column("order_id")).get_by_role("button").click()
    page.wait_for_selector("#table-1[data-loaded='failed']", state="attached")
    message = card(page).locator("[data-table-message]")
    assert message.is_visible()
    assert message.inner_text() == (
        "Opened as a file, so the browser cannot load the other rows: sorting, search "
        "and pages cover the first 200. The CSV has them all."
    )
    assert status(page) == "1–25 of 200"
    page.locator("#table-1 th").nth(column("order_id")).get_by_role("button").click()
    assert [int(c["text"]) for c in cells(page, 0)] == list(range(200, 175, -1))
    context.close()


def test_printed_a_table_shows_its_first_rows_in_the_chosen_order(page: Any, orders_site: Path) -> None:
    sort(page, "amount")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    shown = cells(page, column("amount"))
    assert [c["key"] for c in shown] == expected(orders_site, "amount", "amount NULLS LAST")[:200]
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("#table-1 tbody tr").count() == 25


def test_links_in_cells_survive_sorting_and_loading(page: Any) -> None:
    """A cell holding a link (drill-down links: an <a> in the inline cell, or ``links`` in the JSON file)
    is drawn as the same link wherever the row moves."""

    def with_links(route: Any) -> None:
        data = route.fetch().json()
        data["links"] = [[f"orders/{row[0]}.html" for row in data["rows"]], None, None, None, None, None, None]
        route.fulfill(json=data)

    page.route("**/table-1-every-order.json", with_links)
    page.evaluate("""async () => {
        const html = await (await fetch(location.href)).text();
        const fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('section:has(#table-1)');
        fresh.querySelector('table').id = 'table-9';
        for (const tr of fresh.querySelectorAll('tbody tr')) {
            const td = tr.cells[0], id = td.textContent;
            td.innerHTML = `<a href="orders/${id}.html" class="font-medium underline">${id}</a>`;
        }
        const block = document.createElement('div');
        block.appendChild(document.adoptNode(fresh));
        document.querySelector('main').appendChild(block);
        block.dispatchEvent(new CustomEvent('reportsite:swapped', {bubbles: true}));
    }""")
    heads = page.locator("#table-9 th")
    heads.nth(column("order_id")).get_by_role("button").click()
    heads.nth(column("order_id")).get_by_role("button").click()  # descending: rows from the JSON file first
    page.wait_for_selector("#table-9[data-loaded='all']", state="attached")
    links = page.locator("#table-9 tbody tr td:first-child a")
    assert links.count() == 25
    assert links.first.get_attribute("href") == "orders/1200.html" and links.first.inner_text() == "1200"
    assert links.first.get_attribute("class") == "font-medium underline"  # the inline links' look
