"""A built table with more rows than the page holds: its JSON file beside the CSV holds the cells exactly as
the page shows them and their sort keys; the manifest lists it; an unchanged rebuild carries it over."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb

from reportsite.build.builder import BuildOptions, build
from tests.conftest import REPO

DATA = """SELECT i AS order_id, CASE WHEN i % 7 = 0 THEN NULL ELSE 'Place ' || (i % 50) END AS place,
    CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 37 % 1000 - 500) * 12.345 END AS amount, (i % 500) / 1000.0 AS share,
    DATE '2025-01-01' + (i % 400)::INTEGER AS day, TIMESTAMPTZ '2025-10-26 00:30:00+00' + to_minutes(i) AS placed_at,
    i % 3 = 0 AS paid
FROM range(1, 451) t(i)"""
REPORT = """
title: "Rows"
data_source: "orders.parquet"
tables:
  - name: "All orders"
    query: "SELECT * FROM orders ORDER BY order_id"
    max_rows: 400
    columns: {amount: currency, share: percent}
  - name: "A few"
    query: "SELECT * FROM orders ORDER BY order_id LIMIT 200"
"""


class Cells(HTMLParser):
    """The cells of each table on a page: text (None for the NULL dash) and data-sort."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str | None, str | None]]]] = {}
        self.table: str | None = None
        self.cell: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.table = found["id"]
            self.tables[self.table or ""] = []
        elif tag == "tr" and self.table and self.cell is None:
            self.tables[self.table].append([])
        elif tag == "td" and self.table:
            self.cell = ["", found.get("data-sort")]
        elif tag == "span" and self.cell is not None and "data-null" in found:
            self.cell[0] = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None and self.cell[0] is not None:
            self.cell[0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None and self.table:
            self.tables[self.table][-1].append((self.cell[0], self.cell[1]))
            self.cell = None
        elif tag == "table":
            self.table = None


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    duckdb.sql(f"COPY ({DATA}) TO '{root / 'data' / 'orders.parquet'}' (FORMAT parquet)")
    (root / "reports").mkdir()
    (root / "reports" / "rows.yaml").write_text(REPORT, encoding="utf-8")
    shutil.copytree(REPO / "site_src", root / "site_src")
    (root / "site_src" / "site.yaml").write_text(
        f'title: "T"\ndata_root: "{root / "data"}"\nlocale: de-CH\ncurrency: CHF\ntimezone: Europe/Zurich\n'
    )
    return root


def test_the_json_rows_are_the_cells_the_page_shows(tmp_path: Path) -> None:
    root = project(tmp_path)
    build(root, BuildOptions(out=root / "_site"))
    site = root / "_site"
    page = Cells()
    page.feed((site / "reports" / "rows.html").read_text(encoding="utf-8"))
    inline = [row for row in page.tables["table-1"] if row]
    data = json.loads((site / "data" / "rows" / "table-1-all-orders.json").read_text(encoding="utf-8"))

    assert data["columns"] == ["order_id", "place", "amount", "share", "day", "placed_at", "paid"]
    assert len(inline) == 200 and len(data["rows"]) == 400
    assert [[text for text, _ in row] for row in inline] == data["rows"][:200]
    keyed = [[None if sort is None else float(sort) for _, sort in row] for row in inline]
    assert keyed == [[None if keys is None else keys[r] for keys in data["keys"]] for r in range(200)]
    assert [keys is None for keys in data["keys"]] == [False, True, False, False, False, False, True]
    assert data["rows"][8][2] is None and data["keys"][2][8] is None  # NULL amount: no text, no key
    assert data["rows"][0][2] == "CHF-5'715.74" and data["keys"][2][0] == -5715.735  # the site's way
    table = duckdb.sql(f"SELECT * FROM '{root / 'data' / 'orders.parquet'}' ORDER BY order_id LIMIT 400")
    assert data["keys"][0] == [row[0] for row in table.fetchall()]
    html = (site / "reports" / "rows.html").read_text(encoding="utf-8")
    assert 'data-rows="../data/rows/table-1-all-orders.json"' in html

    manifest = json.loads((site / "manifest.json").read_text())
    files = manifest["reports"]["rows"]["files"]
    assert "data/rows/table-1-all-orders.json" in files
    assert not (site / "data" / "rows" / "table-2-a-few.json").exists()  # every row inline: no file
    assert not any(name.endswith("table-2-a-few.json") for name in files)

    build(root, BuildOptions(out=site))  # nothing changed: the page and its files are carried over
    assert json.loads((site / "data" / "rows" / "table-1-all-orders.json").read_text(encoding="utf-8")) == data
