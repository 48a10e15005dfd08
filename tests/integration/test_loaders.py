"""Python loaders: a file beside the report calls an HTTP API (a loopback server here) with a token from the
environment; its result is cached per refresh window and counts in the report's fingerprint; a failing
loader shows its own traceback lines and nothing is built."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import polars as pl
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.cli.main import main
from reportsite.errors import ReportError

pytestmark = pytest.mark.integration

ORDERS = [
    {"id": 1, "day": "2026-11-01", "region": "North", "amount": 120.5},
    {"id": 2, "day": "2026-11-01", "region": "South", "amount": None},
    {"id": 3, "day": "2026-11-02", "region": "North", "amount": 80.0},
]

LOADER = """
import json
import os
import urllib.request

import polars as pl


def load(region=None):
    request = urllib.request.Request(os.environ["SHOP_URL"] + "/orders",
                                     headers={"Authorization": "Bearer " + os.environ["SHOP_TOKEN"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        rows = json.load(response)["orders"]
    frame = pl.DataFrame(rows).with_columns(pl.col("day").str.to_date())
    return frame.filter(pl.col("region") == region) if region else frame
"""

REPORT = """
title: Shop
REFRESH
data_sources:
  orders: {loader: shop_orders.py, env: [SHOP_URL, SHOP_TOKEN] SPEC}
tables:
  - name: Orders
    query: SELECT * FROM orders ORDER BY id
"""


class Api:
    """A JSON API on 127.0.0.1 that wants a bearer token; counts the requests it answered."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.orders = list(ORDERS)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append(self.headers.get("Authorization", ""))
                if self.headers.get("Authorization") != "Bearer s3cret":
                    self.send_response(401)
                    self.end_headers()
                    return
                body = json.dumps({"orders": api.orders}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    served = Api()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SHOP_URL", served.url)
    monkeypatch.setenv("SHOP_TOKEN", "s3cret")
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        thread.join()


def project(make_project, loader: str = LOADER, spec: str = "", parameters: str = "") -> Path:
    root = make_project({"shop.yaml": REPORT.replace("REFRESH", parameters).replace(" SPEC", spec)})
    (root / "reports" / "shop_orders.py").write_text(loader, encoding="utf-8")
    return root


def rows(root: Path) -> list[list[str]]:
    text = (root / "_site" / "data" / "shop" / "table-1-orders.csv").read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def run(root: Path, at: dt.datetime = NOW) -> str:
    return build(root, BuildOptions(out=root / "_site"), now=lambda: at).status


def test_a_loader_calls_an_api_with_a_token_from_the_environment(api, make_project):
    root = project(make_project)
    assert run(root) == "ok"
    assert api.requests == ["Bearer s3cret"]
    assert rows(root) == [
        ["id", "day", "region", "amount"],
        ["1", "2026-11-01", "North", "120.5"],
        ["2", "2026-11-01", "South", ""],
        ["3", "2026-11-02", "North", "80"],
    ]
    # the values Polars makes of the same rows, queried by DuckDB
    frame = pl.DataFrame(ORDERS).with_columns(pl.col("day").str.to_date())
    built = root / "_site" / "data" / "shop" / "table-1-orders.csv"
    assert (
        duckdb.sql(f"SELECT * FROM read_csv('{built}')").fetchall()
        == duckdb.from_arrow(frame.to_arrow()).order("id").fetchall()
    )
    assert not list((root / "reports").glob("__pycache__"))


def test_results_are_reused_within_the_day_and_count_in_the_fingerprint(api, make_project):
    root = project(make_project)
    assert run(root) == "ok"
    assert run(root, NOW + dt.timedelta(hours=5)) == "unchanged"  # same day: the cached result
    assert len(api.requests) == 1

    assert run(root, NOW + dt.timedelta(days=1)) == "unchanged"  # ran again, same rows: the page is kept
    assert len(api.requests) == 2

    api.orders.append({"id": 4, "day": "2026-11-03", "region": "East", "amount": 10.0})
    assert run(root, NOW + dt.timedelta(days=1, hours=1)) == "unchanged"  # still that day's result
    assert run(root, NOW + dt.timedelta(days=2)) == "ok"  # a new day, new rows: rebuilt
    assert rows(root)[-1] == ["4", "2026-11-03", "East", "10"]

    (root / "reports" / "shop_orders.py").write_text(LOADER + "\n# changed\n")  # new code runs at once
    assert run(root, NOW + dt.timedelta(days=2)) == "unchanged"
    assert len(api.requests) == 4


@pytest.mark.parametrize(
    ("refresh", "later", "runs"),
    [("hourly", dt.timedelta(minutes=20), 1), ("hourly", dt.timedelta(hours=1), 2), ("always", dt.timedelta(0), 2)],
)
def test_refresh_sets_how_long_a_result_is_kept(api, make_project, refresh, later, runs):
    root = project(make_project, spec=f", refresh: {refresh}")
    assert run(root) == "ok"
    run(root, NOW + later)
    assert len(api.requests) == runs


def test_a_loader_takes_the_report_parameters_it_names(api, make_project):
    root = project(make_project, parameters="parameters: {region: North, year: 2026}")
    assert run(root) == "ok"
    assert [row[0] for row in rows(root)] == ["id", "1", "3"]


def test_a_loader_may_return_a_lazy_frame(api, make_project):
    lazy = LOADER.replace("return frame.filter", "return frame.lazy().filter").replace(
        "if region else frame", "if region else frame.lazy()"
    )
    root = project(make_project, loader=lazy)
    assert run(root) == "ok"
    assert len(rows(root)) == 4


def failure(root: Path) -> str:
    with pytest.raises(ReportError) as caught:
        run(root)
    assert not (root / "_site").exists()  # nothing is built, so nothing can be published
    return "\n".join(str(p) for p in caught.value.problems)


def test_a_failing_loader_shows_its_own_traceback_lines(api, make_project, monkeypatch):
    monkeypatch.setenv("SHOP_TOKEN", "wrong")
    root = project(make_project)
    assert failure(root) == (
        "reports/shop.yaml:4:3 data_sources.orders: loader 'shop_orders.py' failed: HTTPError: HTTP Error 401: "
        "Unauthorized (reports/shop_orders.py:12 in load: with urllib.request.urlopen(request, timeout=10) as "
        "response:)"
    )


@pytest.mark.parametrize(
    ("loader", "message"),
    [
        (
            "x = 1\n",
            "loader 'shop_orders.py' failed: shop_orders.py has no load() function; define def load(): … "
            "returning a Polars DataFrame or LazyFrame",
        ),
        (
            "def load():\n    return [1, 2]\n",
            "loader 'shop_orders.py' failed: load() returned list; it must return a "
            "Polars DataFrame or LazyFrame (pl.DataFrame(rows) makes one from a list "
            "of dicts)",
        ),
        (
            "def load(since):\n    return None\n",
            "loader 'shop_orders.py' failed: load() needs the parameter 'since', "
            "which the report does not define under parameters (defined: none)",
        ),
        (
            "def helper():\n    return 1 / 0\n\ndef load():\n    return helper()\n",
            "loader 'shop_orders.py' failed: ZeroDivisionError: division by zero (reports/shop_orders.py:2 in helper: "
            "return 1 / 0; reports/shop_orders.py:5 in load: return helper())",
        ),
        (
            "import sys\ndef load():\n    sys.stderr.write('bye\\n')\n    sys.stderr.flush()\n    import os\n"
            "    os._exit(3)\n",
            "loader 'shop_orders.py' ended without a result (exit code 3): bye",
        ),
    ],
)
def test_loader_mistakes_are_located(make_project, loader, message):
    root = project(make_project, loader=loader)
    assert failure(root) == f"reports/shop.yaml:4:3 data_sources.orders: {message}"


def test_a_missing_loader_and_a_slow_one(make_project):
    root = project(make_project, spec=", timeout_seconds: 1", loader="import time\ndef load():\n    time.sleep(30)\n")
    (root / "reports" / "other.yaml").write_text("title: O\ndata_sources:\n  x: {loader: shop_order.py}\ntext: hi\n")
    assert failure(root).splitlines() == [
        "reports/other.yaml:3:3 data_sources.x: loader 'shop_order.py' not found beside the report (no file "
        f"{root / 'reports' / 'shop_order.py'}) (did you mean 'shop_orders.py'?)",
        "reports/shop.yaml:4:3 data_sources.orders: loader 'shop_orders.py' did not finish within 1 s "
        "(timeout_seconds); it was stopped",
    ]


def test_reports_sharing_a_loader_with_other_parameters_keep_their_own_results(api, make_project):
    root = project(make_project, parameters="parameters: {region: North}")
    south = REPORT.replace("REFRESH", "parameters: {region: South}").replace(" SPEC", "")
    (root / "reports" / "south.yaml").write_text(south.lstrip(), encoding="utf-8")
    assert run(root) == "ok"
    assert run(root, NOW + dt.timedelta(hours=1)) == "unchanged"
    assert len(api.requests) == 2  # once for each report's parameters, then both reused


SPY = """
import json, os
import polars as pl

def load():
    return pl.DataFrame({"names": [json.dumps(sorted(os.environ))]})
"""


def test_a_loader_sees_only_the_variables_it_declares(make_project, monkeypatch) -> None:
    """Issue 23: loaders saw every variable: audience passwords, AWS keys, GitHub's OIDC request token."""
    for name in ("SHOP_TOKEN", "REPORTSITE_PASSWORD_FINANCE", "AWS_SECRET_ACCESS_KEY", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                 "ACTIONS_ID_TOKEN_REQUEST_URL", "UNRELATED"):
        monkeypatch.setenv(name, "secret-value")
    root = make_project({"spy.yaml": 'title: "Spy"\ndata_sources:\n  seen: {loader: spy.py, env: [SHOP_TOKEN]}\n'
                                     'tables:\n  - name: "Seen"\n    query: "SELECT names FROM seen"\n'},
                        data_root="data")
    (root / "reports" / "spy.py").write_text(SPY, encoding="utf-8")

    build(root, BuildOptions(out=Path("_site")))

    seen = json.loads(duckdb.sql(f"SELECT names FROM '{root / '_site/data/spy/table-1-seen.csv'}'").fetchall()[0][0])
    assert "SHOP_TOKEN" in seen and "PATH" in seen
    assert not {"REPORTSITE_PASSWORD_FINANCE", "AWS_SECRET_ACCESS_KEY", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                "ACTIONS_ID_TOKEN_REQUEST_URL", "UNRELATED"} & set(seen)


def test_a_loader_may_not_ask_for_the_oidc_token(make_project, capsys) -> None:
    root = make_project({"spy.yaml": 'title: "Spy"\ndata_sources:\n  seen: {loader: spy.py, env: '
                                     '[ACTIONS_ID_TOKEN_REQUEST_TOKEN]}\ntext: hi\n'}, data_root="data")
    (root / "reports" / "spy.py").write_text(SPY, encoding="utf-8")

    assert main(["--project", str(root), "check"]) == 1
    assert ("'ACTIONS_ID_TOKEN_REQUEST_TOKEN' is never passed to a loader (it mints or holds the workflow's "
            "credentials)") in capsys.readouterr().err
