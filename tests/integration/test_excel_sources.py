"""Excel workbooks as data sources: local, relative to data_root and on the loopback S3 server; values as
Polars and DuckDB read them; a missing sheet, a corrupt or a password-protected workbook is a located error."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.errors import ReportError

pytestmark = pytest.mark.integration

# The 2026 sheet as a person reads it: dates, whole numbers, an empty cell in each column, a formula.
EXPECTED_2026 = [
    ["month", "region", "target", "units", "note", "checked_at"],
    ["2026-01-01", "North", "1000.5", "3", "first", "2026-01-02T08:30:00"],
    ["2026-02-01", "South", "", "4", "", ""],
    ["2026-03-01", "", "1200", "5", "third", "2026-03-02T09:00:00"],
    ["2026-04-01", "East", "2200.5", "12", "sum of the above", "2026-04-02T10:15:00"],
]


def make_workbook(path: Path) -> Path:
    """Three sheets made with xlsxwriter: '2026' (dates, empty cells, formulas with cached values),
    'Budget' (written by Polars), and an empty one."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("2026")
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, EXPECTED_2026[0])
    rows = [
        (dt.date(2026, 1, 1), "North", 1000.5, 3, "first", dt.datetime(2026, 1, 2, 8, 30)),
        (dt.date(2026, 2, 1), "South", None, 4, None, None),
        (dt.date(2026, 3, 1), None, 1200, 5, "third", dt.datetime(2026, 3, 2, 9)),
    ]
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(number, column, value, moment)
            elif isinstance(value, dt.date):
                sheet.write_datetime(number, column, dt.datetime.combine(value, dt.time()), day)
            elif value is not None:
                sheet.write(number, column, value)
    sheet.write_datetime(4, 0, dt.datetime(2026, 4, 1), day)
    sheet.write(4, 1, "East")
    sheet.write_formula(4, 2, "=SUM(C2:C4)", None, 2200.5)  # Excel would compute it; the file keeps the value
    sheet.write_formula(4, 3, "=SUM(D2:D4)", None, 12)
    sheet.write(4, 4, "sum of the above")
    sheet.write_datetime(4, 5, dt.datetime(2026, 4, 2, 10, 15), moment)
    pl.DataFrame({"account": ["Rent", "Payroll", "Ads"], "amount": [1200.0, 15000.0, 800.25]}).write_excel(
        workbook, worksheet="Budget"
    )
    workbook.add_worksheet("Later").write_row(0, 0, ["month", "target"])  # a header, no rows yet
    workbook.add_worksheet("Empty")
    workbook.close()
    return path


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


REPORT = """
title: Targets
data_sources:
  targets: {path: SOURCE, sheet: "2026"}
  budget: {path: BUDGET, sheet: Budget}
  first: FIRST
tables:
  - name: Targets
    query: SELECT * FROM targets
  - name: Types
    query: SELECT typeof(month) AS month, typeof(target) AS target, typeof(units) AS units,
      typeof(checked_at) AS checked_at, typeof(note) AS note FROM targets LIMIT 1
  - name: Budget
    query: SELECT account, amount FROM budget ORDER BY amount DESC
  - name: First
    query: SELECT count(*) AS n FROM first
"""


def report(source: str, budget: str | None = None, first: str | None = None) -> str:
    return REPORT.replace("SOURCE", source).replace("BUDGET", budget or source).replace("FIRST", first or source)


def test_sheets_read_as_a_person_reads_them(make_project, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    workbook = make_workbook(data / "targets.xlsx")
    root = make_project({"targets.yaml": report("targets.xlsx")}, data_root=data)  # relative to data_root

    assert build(root, BuildOptions(out=root / "_site")).status == "ok"

    downloads = root / "_site" / "data" / "targets"
    assert read_csv(downloads / "table-1-targets.csv") == EXPECTED_2026
    assert read_csv(downloads / "table-2-types.csv") == [
        ["month", "target", "units", "checked_at", "note"],
        ["DATE", "DOUBLE", "BIGINT", "TIMESTAMP", "VARCHAR"],
    ]
    assert read_csv(downloads / "table-3-budget.csv") == [
        ["account", "amount"],
        ["Payroll", "15000"],
        ["Rent", "1200"],
        ["Ads", "800.25"],
    ]
    assert read_csv(downloads / "table-4-first.csv") == [["n"], ["4"]]  # no sheet named: the first one

    # the same values as Polars reading the workbook itself, queried by DuckDB
    frame = pl.read_excel(workbook, sheet_name="2026")
    direct = duckdb.sql("SELECT * FROM frame").fetchall()
    built = duckdb.sql(f"SELECT * FROM read_csv('{downloads / 'table-1-targets.csv'}', header = true)").fetchall()
    assert built == direct
    assert frame.schema["month"] == pl.Date and frame.schema["units"] == pl.Int64


def test_an_absolute_path_and_an_unchanged_workbook_is_reused(make_project, tmp_path):
    workbook = make_workbook(tmp_path / "targets.xlsx")
    root = make_project({"targets.yaml": report(str(workbook))})
    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    again = build(root, BuildOptions(out=root / "_site"))
    assert again.status == "unchanged"
    workbook.touch()  # a saved workbook rebuilds the page
    assert [r.status for r in build(root, BuildOptions(out=root / "_site")).reports] == ["built"]


def failure(root: Path) -> str:
    with pytest.raises(ReportError) as caught:
        build(root, BuildOptions(out=root / "_site"))
    return "\n".join(str(p) for p in caught.value.problems)


def test_a_missing_sheet_names_the_sheets_there_are(make_project, tmp_path):
    workbook = make_workbook(tmp_path / "targets.xlsx")
    text = report(str(workbook)).replace('sheet: "2026"', 'sheet: "2025"')
    root = make_project({"targets.yaml": text})
    assert failure(root) == (
        f"reports/targets.yaml:3:3 data_sources.targets: data source '{workbook}': no sheet named '2025' (did you "
        "mean '2026'?); its sheets are: '2026', 'Budget', 'Later', 'Empty'"
    )
    assert not (root / "_site").exists()


def test_a_corrupt_or_a_password_protected_workbook_is_a_located_error(make_project, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    good = make_workbook(tmp_path / "good.xlsx")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    locked = tmp_path / "locked.xlsx"
    with good.open("rb") as plain, locked.open("wb") as sealed:
        OOXMLFile(plain).encrypt("secret", sealed)
    text = """
    title: Broken
    data_sources:
      cut: CUT
      locked: LOCKED
    text: hi
    """.replace("CUT", str(cut)).replace("LOCKED", str(locked))
    missing = tmp_path / "nothing.xlsx"
    root = make_project({"broken.yaml": text, "missing.yaml": f"title: M\ndata_source: {missing}\ntext: hi\n"})
    assert failure(root).splitlines() == [
        f"reports/missing.yaml:2:1 data_source: data source '{missing}' not found: {missing} does not exist (did "
        "you mean 'cut.xlsx'?)",
        f"reports/broken.yaml:3:3 data_sources.cut: data source '{cut}' is not a readable Excel workbook (Xlsx "
        "error: Zip error: invalid Zip archive: Could not find EOCD); open it in Excel and save it again as .xlsx",
        f"reports/broken.yaml:4:3 data_sources.locked: data source '{locked}' is password-protected (an encrypted "
        "workbook); save a copy without a password (File → Info → Protect Workbook) and point the report at it",
    ]


def test_a_sheet_with_only_its_header_is_a_table_without_rows(make_project, tmp_path):
    workbook = make_workbook(tmp_path / "targets.xlsx")
    text = f"""
    title: Later
    data_sources:
      later: {{path: {workbook}, sheet: Later}}
    metrics:
      - name: Rows
        query: SELECT count(*) AS value FROM later
    """
    root = make_project({"later.yaml": text})
    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    assert 'data-testid="metric-value">0<' in (root / "_site" / "reports" / "later.html").read_text()
    (root / "reports" / "later.yaml").write_text(textwrap.dedent(text).lstrip().replace("sheet: Later", "sheet: Empty"))
    assert failure(root) == (
        f"reports/later.yaml:3:3 data_sources.later: data source '{workbook}': sheet 'Empty' "
        "is empty; a sheet needs a header row with the column names"
    )


def test_a_workbook_on_s3_is_fetched_once_per_etag(s3, make_project, tmp_path):
    workbook = make_workbook(tmp_path / "targets.xlsx")
    s3.create_bucket(Bucket="office")
    s3.upload_file(str(workbook), "office", "plans/targets.xlsx")
    root = make_project({"targets.yaml": report("s3://office/plans/targets.xlsx")})

    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    assert read_csv(root / "_site" / "data" / "targets" / "table-1-targets.csv") == EXPECTED_2026
    copies = list(Path(os.environ["REPORTSITE_CACHE_DIR"]).rglob("plans/targets.xlsx.*.xlsx"))
    assert len(copies) == 1  # three tables read one copy

    assert build(root, BuildOptions(out=root / "_site")).status == "unchanged"
    s3.put_object(Bucket="office", Key="plans/targets.xlsx", Body=b"not a workbook any more")
    first = failure(root).splitlines()[0]
    assert first == (
        "reports/targets.yaml:3:3 data_sources.targets: data source 's3://office/plans/targets.xlsx' is not an "
        "Excel workbook (an .xlsx file is a zip archive, this one is not); open it in Excel and save it again as "
        ".xlsx"
    )
    assert len(list(Path(os.environ["REPORTSITE_CACHE_DIR"]).rglob("plans/targets.xlsx.*.xlsx"))) == 1


def test_late_text_an_error_cell_and_a_column_without_a_header(make_project, tmp_path, caplog):
    import xlsxwriter

    path = tmp_path / "odd.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["code", "score"])
    for row in range(1, 1502):
        sheet.write(row, 0, row)  # 1,501 numbers, then text: every row decides the type
    sheet.write(1502, 0, "A-17")
    sheet.write_formula(1, 1, "=NA()", None, "#N/A")
    sheet.write(2, 1, 0.5)
    sheet.write(1, 3, "kept")  # a value in column D, which has no header
    workbook.close()
    text = f"""
    title: Odd
    data_source: {path}
    tables:
      - name: Odd
        query: SELECT typeof(code) AS t, count(*) AS n, max(score) AS top, count(score) AS scores,
          any_value(column_D) AS d FROM odd GROUP BY 1
    """
    root = make_project({"odd.yaml": text})
    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    assert read_csv(root / "_site" / "data" / "odd" / "table-1-odd.csv") == [
        ["t", "n", "top", "scores", "d"],
        ["VARCHAR", "1502", "0.5", "1", "kept"],
    ]
    assert not [r for r in caplog.records if r.name.startswith("fastexcel")]  # no "falling back to string" noise
