"""DuckDB's PIVOT runs in every form a report can write it; the columns come from the data, found on the
report's locked connection (a regression: issue 23 found every dynamic PIVOT refused)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.cli import main as cli

pytestmark = pytest.mark.integration

# A yearly generation-by-source table and a year-end-close table, as written for public data sets.
REPORTS = {
    "energy.yaml": """
        title: "Generation by source"
        data_source: "generation.parquet"
        tables:
          - name: "Yearly generation (TWh)"
            query: |
              PIVOT generation ON source USING round(sum(twh), 1) GROUP BY year ORDER BY year
          - name: "Shares"
            query: |
              WITH totals AS (PIVOT generation ON source USING sum(twh) GROUP BY year)
              SELECT * FROM totals ORDER BY year DESC LIMIT 2
        charts:
          - name: "Wind and solar"
            type: line
            query: |
              SELECT year, wind + solar AS renewables
              FROM (PIVOT generation ON source IN ('wind', 'solar') USING sum(twh) GROUP BY year) ORDER BY year
            params: {x: year, y: renewables}
        """,
    "close.yaml": """
        title: "Year-end close"
        data_source: "ledger.parquet"
        tables:
          - name: "Balances by quarter"
            query: |
              PIVOT (SELECT account, 'Q' || quarter(posted) AS q, amount FROM ledger)
              ON q USING sum(amount) GROUP BY account ORDER BY account
          - name: "Long again"
            query: |
              UNPIVOT (PIVOT (SELECT account, quarter(posted) AS quarter, amount FROM ledger)
                     ON account USING sum(amount) GROUP BY quarter)
              ON COLUMNS(* EXCLUDE (quarter)) INTO NAME account VALUE total ORDER BY quarter, account
        """,
}


@pytest.fixture
def project(make_project, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    duckdb.sql(f"""COPY (SELECT 2020 + (i % 4) AS year, ['wind', 'solar', 'coal', '=1+1'][1 + i // 4] AS source,
                        (i * 1.5)::DOUBLE AS twh FROM range(16) t(i))
                   TO '{data / "generation.parquet"}' (FORMAT parquet)""")
    duckdb.sql(f"""COPY (SELECT ['cash', 'receivables', 'payables'][1 + i % 3] AS account,
                        DATE '2025-01-15' + INTERVAL (i * 30) DAY AS posted, (100 + i)::DECIMAL(12, 2) AS amount
                        FROM range(12) t(i)) TO '{data / "ledger.parquet"}' (FORMAT parquet)""")
    return make_project(REPORTS, data_root=data)


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_dynamic_pivots_build_and_their_columns_come_from_the_data(project: Path, capsys) -> None:
    assert cli.main(["--project", str(project), "check"]) == 0
    result = build(project, BuildOptions(out=Path("_site")))

    assert [r.status for r in result.reports] == ["built", "built"]
    energy = rows(project / "_site" / "data" / "energy" / "table-1-yearly-generation-twh.csv")
    assert energy[0] == ["year", "'=1+1", "coal", "solar", "wind"]  # a data value as a header is text too
    assert energy[1] == ["2020", "18", "12", "6", "0"]
    close = rows(project / "_site" / "data" / "close" / "table-1-balances-by-quarter.csv")
    assert close[0] == ["account", "Q1", "Q2", "Q3", "Q4"]
    assert close[1][0] == "cash"
    long = rows(project / "_site" / "data" / "close" / "table-2-long-again.csv")
    assert long[0] == ["quarter", "account", "total"] and len(long) == 1 + 12


def test_a_dynamic_pivot_cannot_reach_beyond_the_report_tables(project: Path, capsys) -> None:
    (project / "reports" / "energy.yaml").write_text(
        'title: "E"\ndata_source: "generation.parquet"\ntables:\n  - name: "T"\n    query: |\n'
        "      PIVOT generation ON source IN (SELECT content FROM read_text('/etc/hostname')) USING sum(twh)\n",
        encoding="utf-8")

    assert cli.main(["--project", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert ("reports/energy.yaml:6:58 tables[0].query: table 'T': reading '/etc/hostname' is not allowed: a query "
            "can read only the report's data sources (SQL line 1, column 52)") in err
