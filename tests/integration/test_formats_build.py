"""Built pages read right on awkward data: locale, years and ids, NULLs, per-column formats, metric changes,
empty metrics and tables, and "Data as of" (parsed HTML and the manifest, not string matching)."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.errors import ReportError

NBSP, NNBSP = "\u00a0", "\u202f"
SITE = ('title: "Awkward"\nlocale: {locale}\nlanguage: en\ncurrency: {currency}\ntimezone: Europe/Zurich\n'
        'data_root: "{data}"\n')  # the locale's numbers and dates, English words


class Page(HTMLParser):
    """Elements by data-testid (their text, attributes and classes) and every table's cells."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, list[dict]] = {}
        self.tables: list[list[list[dict]]] = []
        self._open: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for _, open_node in self._open:
            open_node["text"] += " " if tag not in ("span", "a", "code", "b", "strong") else ""
        node = {"tag": tag, "attrs": attrs, "text": "", "classes": (attrs.get("class") or "").split()}
        if attrs.get("data-testid"):
            self.by_id.setdefault(attrs["data-testid"], []).append(node)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self.tables[-1][-1].append(node)
        self._open.append((tag, node))

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any("data-null" in node["attrs"] for _, node in self._open) and data != "—":
            return  # "no value", for screen readers, beside a NULL's dash
        for _, node in self._open:
            node["text"] += data

    def texts(self, testid: str) -> list[str]:
        """The text of each element with this data-testid, its white space (also U+202F) made single spaces."""
        return [" ".join(n["text"].split()) for n in self.by_id.get(testid, [])]

    def cells(self, index: int = 0) -> list[list[str]]:
        return [[c["text"].strip(" \n") for c in row] for row in self.tables[index]]


@pytest.fixture(scope="module")
def ledger_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("ledger")
    duckdb.sql(f"""COPY (SELECT * FROM (VALUES
        (2013, 1141, 'ZH-8001', 'Zürich Hauptbahnhof Kiosk', 58123456789012.35, 0.000123, 0.367,
         TIMESTAMPTZ '2013-01-01 06:00:00+00', TIMESTAMP '2013-01-01 06:00:00', DATE '2026-01-05'),
        (2014, 1142, NULL, 'A very long customer name that goes on and on, Aktiengesellschaft', NULL, 12.0, 0.342,
         TIMESTAMPTZ '2026-07-01 14:30:00+00', NULL, DATE '2026-07-01'),
        (NULL, 1143, '00042', 'Genève', -0.5, NULL, NULL, NULL, TIMESTAMP '2026-03-29 02:30:00', NULL)
      ) t(year, customer_id, postal_code, name, revenue, rate, share, placed_at, local_time, day))
      TO '{data / "ledger.parquet"}' (FORMAT parquet)""")
    return data


def project(make_project, data: Path, report: str, locale: str = "de-DE", currency: str = "EUR") -> Path:
    return make_project({"ledger.yaml": report}, site_yaml=SITE.format(locale=locale, currency=currency, data=data))


def built(root: Path, slug: str = "ledger") -> Page:
    build(root, BuildOptions(out=Path("_site")))
    return Page((root / "_site" / "reports" / f"{slug}.html").read_text(encoding="utf-8"))


TABLE = """
title: "Ledger"
data_source: "ledger.parquet"
tables:
  - name: "Ledger"
    query: "SELECT year, customer_id, postal_code, name, revenue, rate, share, placed_at, local_time, day FROM ledger"
    columns: {revenue: currency, share: percent}
  - name: "Nothing"
    query: "SELECT * FROM ledger WHERE false"
"""


def test_table_cells_in_the_site_locale_with_years_ids_and_nulls(make_project, ledger_data):
    page = built(project(make_project, ledger_data, TABLE))
    header, *rows = page.cells(0)
    assert header == ["year", "customer_id", "postal_code", "name", "revenue", "rate", "share", "placed_at",
                      "local_time", "day"]
    assert rows == [
        ["2013", "1141", "ZH-8001", "Zürich Hauptbahnhof Kiosk", f"58.123.456.789.012,35{NBSP}€", "0,000123",
         f"36,7{NBSP}%", "01.01.2013, 07:00 CET", "01.01.2013, 06:00", "05.01.2026"],
        ["2014", "1142", "—", "A very long customer name that goes on and on, Aktiengesellschaft", "—", "12",
         f"34,2{NBSP}%", "01.07.2026, 16:30 CEST", "—", "01.07.2026"],
        ["—", "1143", "00042", "Genève", f"-0,50{NBSP}€", "—", "—", "—", "29.03.2026, 02:30", "—"],
    ]
    first = page.tables[0][1]
    assert "text-right" in first[4]["classes"] and "tabular-nums" in first[4]["classes"]  # revenue
    assert "text-right" not in first[0]["classes"]  # a year is a label, not an amount
    assert len(page.by_id["table-card"]) == 2


def test_long_text_is_truncated_with_its_full_text_as_title(make_project, ledger_data):
    root = project(make_project, ledger_data, TABLE)
    build(root, BuildOptions(out=Path("_site")))
    html = (root / "_site" / "reports" / "ledger.html").read_text(encoding="utf-8")
    assert ('<span class="block max-w-[12rem] sm:max-w-xs truncate" title="A very long customer name that goes on '
            'and on, Aktiengesellschaft">') in html
    assert ('<span class="text-slate-300 dark:text-slate-600" data-null><span aria-hidden="true">—</span>'
            '<span class="sr-only">no value</span></span>') in html
    assert "None" not in html.split("<main", 1)[1] and "nan" not in html.split("<main", 1)[1]


def test_an_empty_table_says_no_data_for_this_period(make_project, ledger_data):
    page = built(project(make_project, ledger_data, TABLE))
    assert page.texts("table-empty") == ["No data for this period"]
    assert len(page.cells(1)) == 1  # the header only


def test_in_english_with_swiss_francs(make_project, ledger_data):
    page = built(project(make_project, ledger_data, TABLE, "en-US", "CHF"))
    row = page.cells(0)[1]
    assert row[4:] == [f"CHF{NBSP}58,123,456,789,012.35", "0.000123", "36.7%", f"Jan 1, 2013, 7:00{NNBSP}AM CET",
                       f"Jan 1, 2013, 6:00{NNBSP}AM", "Jan 5, 2026"]
    assert "$" not in "".join(page.texts("table-card"))


def test_an_unknown_column_format_is_an_error_at_its_key(make_project, ledger_data):
    report = TABLE.replace("{revenue: currency, share: percent}", "{revenu: currency, share: percent}")
    root = project(make_project, ledger_data, report)
    with pytest.raises(ReportError) as error:
        build(root, BuildOptions(out=Path("_site")))
    assert str(error.value) == (
        "reports/ledger.yaml:6:15 tables[0].columns.revenu: column 'revenu' is not in the query result (did you "
        "mean 'revenue'?) (columns: year, customer_id, postal_code, name, revenue, rate, share, placed_at, "
        "local_time, day)")


METRICS = """
title: "Metrics $year since $since"
data_source: "ledger.parquet"
parameters: {year: 2026, since: 2025-01-01}
metrics:
  - name: "Revenue since $since"
    format: currency
    query: "SELECT 58123456789012.35 AS value, 57000000000000 AS previous"
  - name: "Share"
    format: percent
    query: "SELECT 0.342 AS value, 0.367 AS previous"
  - name: "Refunds"
    format: currency
    better: lower
    query: "SELECT 800 AS value, 1000 AS previous"
  - name: "Profit"
    format: currency
    query: "SELECT 200 AS value, -1000 AS previous"
  - name: "Orders"
    query: "SELECT 1234567 AS value, 1234567 AS previous"
  - name: "Nothing this month"
    format: currency
    query: "SELECT revenue AS value FROM ledger WHERE false"
"""


def test_metric_cards_shorten_change_honestly_and_show_a_dash_for_no_row(make_project, ledger_data):
    page = built(project(make_project, ledger_data, METRICS, "en-US", "USD"))
    values = page.by_id["metric-value"]
    assert [v["text"] for v in values] == ["$58.1T", "34.2%", "$800", "$200", "1.2M", "—"]
    assert [v["attrs"].get("title") for v in values] == ["$58,123,456,789,012.35", None, "$800.00", "$200.00",
                                                         "1,234,567", None]
    assert all("whitespace-nowrap" in v["classes"] and "tabular-nums" in v["classes"] for v in values)
    changes = page.by_id["metric-change"]
    assert [c["attrs"]["data-tone"] for c in changes] == ["good", "bad", "good", "good", "neutral"]
    assert page.texts("metric-change") == [
        "▲ 2% up 2%, better vs previous period ($57T)",
        "▼ 2.5 pp down 2.5 percentage points, worse vs previous period (36.7%)",
        "▼ 20% down 20%, better vs previous period ($1,000)",
        "▲ $1,200 up $1,200, better vs previous period (-$1,000)",
        "no change no change vs previous period (1.2M)",
    ]
    assert page.texts("metric")[0].startswith("Revenue since Jan 1, 2025 ")


def test_a_metric_returning_more_than_one_row_is_still_an_error(make_project, ledger_data):
    report = METRICS.replace("WHERE false", "WHERE true")
    with pytest.raises(ReportError) as error:
        build(project(make_project, ledger_data, report), BuildOptions(out=Path("_site")))
    assert str(error.value) == (
        "reports/ledger.yaml:22:5 metrics[5].query: metric 'Nothing this month': the query must return one row "
        "(it returned more); aggregate it (e.g. SUM(...)) or filter it to one row")


AS_OF = """
title: "Ledger"
data_source: "ledger.parquet"
{as_of}
checks:
  - table: ledger
    freshness: {{column: day, max_age_days: 100000}}
metrics:
  - name: "Rows"
    query: "SELECT count(*) AS value FROM ledger"
"""


def test_data_as_of_is_the_newest_value_of_the_named_column(make_project, ledger_data):
    root = project(make_project, ledger_data, AS_OF.format(as_of="as_of: {table: ledger, column: placed_at}"))
    page = built(root)
    assert page.texts("data-as-of") == ["Data as of 01.07.2026, 16:30 CEST"]
    entry = json.loads((root / "_site" / "manifest.json").read_text())["reports"]["ledger"]
    assert (entry["data_as_of"], entry["data_as_of_label"], entry["data_as_of_at"]) == (
        "01.07.2026, 16:30 CEST", "Data as of", "2026-07-01T16:30:00+02:00")
    index = Page((root / "_site" / "index.html").read_text(encoding="utf-8"))
    assert index.texts("data-as-of") == ["Data as of 01.07.2026, 16:30 CEST"]


def test_data_as_of_defaults_to_the_freshness_column(make_project, ledger_data):
    page = built(project(make_project, ledger_data, AS_OF.format(as_of="")))
    assert page.texts("data-as-of") == ["Data as of 01.07.2026"]  # a DATE: a day, never shifted


def test_without_a_date_column_it_is_the_files_modification_time(make_project, ledger_data, tmp_path):
    import shutil

    data = tmp_path / "files"
    data.mkdir()
    shutil.copy(ledger_data / "ledger.parquet", data / "ledger.parquet")
    os.utime(data / "ledger.parquet", (1767600000, 1767600000))  # 2026-01-05 08:00 UTC
    report = AS_OF.format(as_of="").split("checks:")[0] + "metrics:" + AS_OF.split("metrics:")[1]
    root = project(make_project, data, report, "en-US", "USD")
    page = built(root)
    assert page.texts("data-as-of") == ["Files updated Jan 5, 2026, 9:00 AM CET"]
    entry = json.loads((root / "_site" / "manifest.json").read_text())["reports"]["ledger"]
    assert entry["data_as_of_label"] == "Files updated" and entry["data_as_of_at"] == "2026-01-05T08:00:00+00:00"


@pytest.mark.parametrize(("as_of", "expected"), [
    ("as_of: {table: ledgr, column: day}",
     "reports/ledger.yaml:3:9 as_of.table: table 'ledgr' is not defined (did you mean 'ledger'?); defined "
     "tables: ledger"),
    ("as_of: {table: ledger, column: dy}",
     "reports/ledger.yaml:3:24 as_of.column: column 'dy' is not in table 'ledger' (did you mean 'day'?) "
     "(columns: year, customer_id, postal_code, name, revenue, rate, share, placed_at, local_time, day)"),
    ("as_of: {table: ledger, column: name}",
     "reports/ledger.yaml:3:24 as_of.column: column 'name' of table 'ledger' is not a date or timestamp (its "
     "newest value is 'Zürich Hauptbahnhof Kiosk')"),
])
def test_a_wrong_as_of_is_an_error_at_its_key(make_project, ledger_data, as_of, expected):
    with pytest.raises(ReportError) as error:
        build(project(make_project, ledger_data, AS_OF.format(as_of=as_of)), BuildOptions(out=Path("_site")))
    assert str(error.value) == expected
