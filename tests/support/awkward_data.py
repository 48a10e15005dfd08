"""The awkward data set behind ``tests/fixtures/awkward``: the cases real data brings and demo data does not.

Written in DuckDB SQL with integer arithmetic only (no random state), so every run writes the same values;
a few hundred kilobytes in all. What each file holds, and why it is awkward:

``places.parquet``   18 places with 40–80 character names in several scripts (Zürich, São Paulo, 東京, Kraków,
                     Reykjavík, Montréal, …), short city names, 3 segments and 2 periods; revenue that is negative
                     for some places and flips sign between the periods; a place with no city (NULL); id-like
                     integer customer numbers (100 000 and up).
``years.parquet``    years as INTEGER, 1956–2013, with an id-like station number and values with gaps (NULL).
``hourly.parquet``   8,759 hourly readings over 2025 (one short of a full year), as naive TIMESTAMP (``reading_at``,
                     the wall clock in Zürich) and as TIMESTAMPTZ (``measured_at``, the same instants); the week of
                     20–27 October crosses the end of summer time, when the Zürich clock repeats 02:00–03:00.
``values.parquet``   huge (5.8e13), tiny (0.000123), negative and missing values, per month, with a profit that
                     changes sign from one month to the next.
``empty.parquet``    the columns of a daily table and no rows.
``one_row.csv``      one row.

Run ``python -m tests.support.awkward_data DIR`` to make a whole project in DIR (the repository's site_src, the
awkward reports and this data) to build, smoke-check and look at by hand.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "awkward"

PLACES = [  # (place, city): long labels, several scripts; one place has no city
    ("Zürich — Kreis 4 (Langstrasse) warehouse and pick-up point", "Zürich"),
    ("São Paulo — Vila Madalena distribution centre, second floor", "São Paulo"),
    ("東京 — 渋谷区 (Shibuya) flagship store and showroom", "東京"),
    ("Kraków — Stare Miasto café counter, Rynek Główny 12", "Kraków"),
    ("Reykjavík — Laugavegur pop-up shop (summer season only)", "Reykjavík"),
    ("Montréal — Plateau-Mont-Royal roastery and coffee school", "Montréal"),
    ("Genève — Eaux-Vives wholesale desk for hotels and restaurants", "Genève"),
    ("København — Nørrebro bicycle delivery hub", "København"),
    ("Ålesund — harbour kiosk, open when the ferries run", "Ålesund"),
    ("İstanbul — Kadıköy market stall next to the ferry pier", "İstanbul"),
    ("Łódź — Piotrkowska Street shop in the old textile factory", "Łódź"),
    ("Thessaloníki — Ladadika tasting room with a long name", "Thessaloníki"),
    ("Москва — Патриаршие пруды, small corner café", "Москва"),
    ("Mexico City — Coyoacán, beside the Frida Kahlo Museum", "Mexico City"),
    ("Saint-Denis de la Réunion — island depot for the Indian Ocean", "Saint-Denis"),
    ("Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch", "Llanfair PG"),
    ("Online shop (all countries, shipped from the central warehouse)", None),
    ("Wholesale accounts that have not been given a region yet", "Unassigned"),
]
SEGMENTS = ["Retail", "Wholesale", "Online-only"]


def _values(rows: list[tuple[object, ...]]) -> str:
    def literal(value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return str(value)

    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


TABLES = {
    # 18 places × 3 segments × 2 periods. Revenue swings with the place and segment; the 5th, 9th and 14th
    # place lose money in one period and make it in the other.
    "places": f"""
        WITH p(place_no, place, city) AS (VALUES {_values([(i + 1, p, c) for i, (p, c) in enumerate(PLACES)])}),
             s(segment_no, segment) AS (VALUES {_values([(i + 1, s) for i, s in enumerate(SEGMENTS)])}),
             h(period_no, period) AS (VALUES (1, '2025-H1'), (2, '2025-H2'))
        SELECT place_no, place, city, segment, period,
               100000 + place_no * 37 + segment_no * 1009 AS customer_id,
               CASE WHEN place_no IN (5, 9, 14)
                    THEN (CASE WHEN period_no = 1 THEN -1 ELSE 1 END) * (place_no * 1250.5 + segment_no * 333)
                    ELSE (place_no * place_no * 911 + segment_no * 4321 + period_no * 777) % 97000 + 1500.25
               END AS revenue,
               (place_no * 13 + segment_no * 7 + period_no) % 41 + 1 AS orders
        FROM p, s, h ORDER BY place_no, segment_no, period_no
    """,
    "years": """
        SELECT y::INTEGER AS year, 100001 + (y - 1956) * 17 AS station_id,
               CASE WHEN y IN (1963, 1987, 1988) THEN NULL
                    ELSE round(2800000 + (y - 1956) * 61234.5 + ((y * 7919) % 300000), 1) END AS population,
               round(((y * 31) % 21 - 10) / 1000.0, 4) AS growth
        FROM range(1956, 2014) t(y)
    """,
    "hourly": """
        WITH h AS (SELECT i, TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_hours(i) AS measured_at FROM range(8759) t(i))
        SELECT timezone('Europe/Zurich', measured_at) AS reading_at, measured_at,
               CASE WHEN i % 997 = 0 THEN NULL
                    ELSE round(420 + 180 * sin(2 * pi() * ((i + 15) % 24) / 24)
                               + 90 * cos(2 * pi() * i / 8760) + (i * 7919) % 53, 2) END AS load_kw,
               round(0.000123 * (1 + (i * 13) % 17), 7)::DOUBLE AS price_per_wh
        FROM h ORDER BY i
    """,
    "values": """
        SELECT (DATE '2025-01-01' + to_months(m))::DATE AS month,
               5.8e13 + m * 109334713905 AS gross_volume,
               0.000123 * (1 + m % 4) AS error_rate,
               CASE WHEN m % 2 = 0 THEN -4200000.5 - m * 10000 ELSE 3900000.25 + m * 5000 END AS profit,
               CASE WHEN m IN (3, 7) THEN NULL ELSE 120.5 - m * 31.25 END AS margin,
               0.05 + m * 0.0125 AS refund_rate
        FROM range(12) t(m)
    """,
    "empty": """
        SELECT DATE '2025-01-01' AS day, 0.0::DOUBLE AS amount, 'none'::VARCHAR AS label WHERE false
    """,
}


def write_awkward_data(out: Path) -> list[Path]:
    """Write every file of the awkward data set into ``out``; return their paths."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'").fetchall()
    files = []
    for name, sql in TABLES.items():
        path = out / f"{name}.parquet"
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)").fetchall()
        files.append(path)
    one_row = out / "one_row.csv"
    con.execute(f"COPY (SELECT DATE '2025-06-30' AS day, 1234.5 AS amount, 'Zürich' AS label) TO '{one_row}' "
                "(FORMAT csv, HEADER true)").fetchall()
    files.append(one_row)
    con.close()
    return files


def make_project(root: Path, site_yaml: str = "site.yaml", reports: list[str] | None = None) -> Path:
    """A project in ``root``: the repository's site_src with the fixture's ``site_yaml``, the awkward reports
    (all, or those named in ``reports``) and the data in ``root/data``."""
    repo = FIXTURE.parents[2]
    shutil.copytree(repo / "site_src", root / "site_src", dirs_exist_ok=True)
    shutil.copy(FIXTURE / site_yaml, root / "site_src" / "site.yaml")
    (root / "reports").mkdir(parents=True, exist_ok=True)
    for path in sorted((FIXTURE / "reports").glob("*.yaml")):
        if reports is None or path.stem in reports:
            shutil.copy(path, root / "reports" / path.name)
    write_awkward_data(root / "data")
    return root


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m tests.support.awkward_data DIR [site.yaml|site.de-DE.yaml]")
    made = make_project(Path(sys.argv[1]).resolve(), *sys.argv[2:])
    print(f"awkward project in {made}: reportsite --project {made} build && "
          f"reportsite smoke --url {made}/_site --screenshots {made}/screenshots")
