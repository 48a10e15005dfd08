"""engine: athena end to end, against the loopback Athena stand-in (``tests/support/athena_standin``) over the
moto S3 data: the same reports built on DuckDB and on Athena give the same pages and downloads, byte for byte.

Both builds read the same S3 objects (``REPORTSITE_DATA_ROOT`` points at the bucket), so the pages' source lists
and file times agree; the only difference is where the SQL runs. Bytes are compared as they are: the stand-in
runs the same DuckDB, and Athena's text of every value reads back exactly (DOUBLEs as their shortest exact text),
so not even floating-point sums may differ here. Both engines run DuckDB on one thread in these tests, so rows a
query leaves unordered (``ORDER BY hour`` over seven rows an hour) come in the same order on both, as they do
not between two runs on several threads. Against the real Athena a sum of DOUBLEs can differ in its last digit
and unordered rows can come in another order, as between two local runs on different thread counts (the
one-pass tests compare those within 1e-9 and as multisets); a page would then differ only there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.build.checking import check_project
from reportsite.query.session import ONE_PASS_ENV
from tests.support import awkward_data

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
ATHENA_SITE = """
athena:
  workgroup: reports
  output_location: s3://athena-results/reportsite/
"""


def upload(s3, folder: Path, bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket=bucket)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), bucket, path.relative_to(folder).as_posix())


def files_of(site: Path) -> dict[str, str]:
    """Every file of a built site with its sha256, but the manifest (it records timings and the engine's use)."""
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file() and p.name != "manifest.json"}


@pytest.fixture
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local DuckDB on one thread, like the stand-in's (see the module's docstring)."""
    from reportsite.query import memory

    monkeypatch.setattr(memory, "threads", lambda: 1)


def build_both(root: Path, site_yaml: str) -> tuple[Path, Path]:
    """The project built with engine duckdb and with engine athena (same data root), into two folders."""
    site_file = root / "site_src" / "site.yaml"
    site_file.write_text(site_yaml + ATHENA_SITE, encoding="utf-8")
    local = build(root, BuildOptions(out=root / "_local"), now=lambda: NOW)
    assert local.status == "ok"
    site_file.write_text(site_yaml + ATHENA_SITE + "engine: athena\n", encoding="utf-8")
    remote = build(root, BuildOptions(out=root / "_athena"), now=lambda: NOW)
    assert remote.status == "ok"
    return root / "_local", root / "_athena"


def assert_same_site(local: Path, remote: Path) -> None:
    ours, theirs = files_of(local), files_of(remote)
    assert sorted(ours) == sorted(theirs)
    differing = [name for name in ours if ours[name] != theirs[name]]
    assert differing == []


def test_the_demo_builds_on_athena_with_the_same_pages_and_downloads(athena, s3, sample_data, make_project,
                                                                   monkeypatch, one_thread):
    upload(s3, sample_data, "acme-data")
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://acme-data")
    root = make_project(demo_reports=True)
    local, remote = build_both(root, (root / "site_src" / "site.yaml").read_text(encoding="utf-8"))

    assert_same_site(local, remote)
    manifest = json.loads((remote / "manifest.json").read_text())
    used = {slug: entry["athena"] for slug, entry in manifest["reports"].items()}
    assert all(u["queries"] > 0 and u["bytes_scanned"] > 0 for u in used.values())
    assert sum(u["queries"] for u in used.values()) == len(athena.queries)
    assert "athena" not in json.loads((local / "manifest.json").read_text())["reports"]["sales"]
    # one pass per item, not per page or choice: the product family has 30 pages; sales, run choice by choice
    # (REPORTSITE_ONE_PASS=off, on DuckDB: the same queries), runs several times what Athena was sent
    assert used["product"]["queries"] < manifest["reports"]["product"]["pages"] / 2
    (root / "site_src" / "site.yaml").write_text(ATHENA_SITE, encoding="utf-8")  # back on DuckDB
    monkeypatch.setenv(ONE_PASS_ENV, "off")
    choice_by_choice = check_project(root, full=True).queries["sales"]
    assert used["sales"]["queries"] < choice_by_choice / 4


def test_the_awkward_project_builds_on_athena_with_the_same_pages_and_downloads(athena, s3, tmp_path, monkeypatch,
                                                                               one_thread):
    root = awkward_data.make_project(tmp_path / "awkward")
    upload(s3, root / "data", "awkward-data")
    shutil.rmtree(root / "data")
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://awkward-data")
    local, remote = build_both(root, (root / "site_src" / "site.yaml").read_text(encoding="utf-8"))

    assert_same_site(local, remote)


FAMILY = """
title: "Store"
data_source: "stores.parquet"
for_each:
  parameter: store
  query: "SELECT DISTINCT store FROM stores ORDER BY store"
  title: "Store $store"
metrics:
  - name: "Revenue"
    query: "SELECT SUM(amount) AS value FROM stores WHERE store = $store"
charts:
  - name: "By month"
    type: bar
    query: "SELECT month, SUM(amount) AS revenue FROM stores WHERE store = $store GROUP BY month ORDER BY month"
    params: {x: month, y: revenue}
tables:
  - name: "Largest sales"
    query: "SELECT month, amount FROM stores WHERE store = $store ORDER BY amount DESC, month LIMIT 3"
"""


def test_a_family_of_2000_pages_submits_one_query_per_item_not_per_page(athena, s3, make_project, tmp_path,
                                                                        monkeypatch):
    import duckdb

    data = tmp_path / "data"
    data.mkdir()
    duckdb.sql(f"COPY (SELECT printf('S%04d', i % 2000) AS store, 1 + i % 12 AS month, (i * 37) % 1000 + 0.5 AS amount "
               f"FROM range(8000) t(i)) TO '{data / 'stores.parquet'}' (FORMAT parquet)")
    upload(s3, data, "family-data")
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://family-data")
    root = make_project({"store.yaml": FAMILY}, site_yaml="max_pages: 2000\nengine: athena\n" + ATHENA_SITE)

    result = build(root, BuildOptions(out=root / "_site"), now=lambda: NOW)

    assert result.status == "ok"
    assert len(list((root / "_site" / "reports" / "store").glob("*.html"))) == 2000
    queries = athena.queries
    # the table's columns (DESCRIBE), the for_each values, and one pass each for the metric, chart and table
    assert len(queries) == 5
    assert sum('"__rs_values"' in q for q in queries) == 3
    manifest = json.loads((root / "_site" / "manifest.json").read_text())
    assert manifest["reports"]["store"]["athena"]["queries"] == 5
    page = root / "_site" / "reports" / "store" / f"{manifest['reports']['store']['members']['S0007']}.html"
    assert 'data-testid="metric-value">1,038<' in page.read_text()  # 4 sales of 259.5


def test_private_reports_on_athena_are_sealed_as_on_duckdb(athena, s3, tmp_path, monkeypatch, one_thread):
    """Sealed files differ from build to build (fresh salts and nonces): what they open to is the same."""
    import re

    from reportsite.private import crypto
    from tests.integration.test_private_build import opened, page_key
    from tests.support import private_data

    private_data.write_data(tmp_path / "data")
    upload(s3, tmp_path / "data", "private-data")
    for name, value in private_data.PASSWORDS.items():
        monkeypatch.setenv(name, value)
    root = private_data.make_project(tmp_path / "project", tmp_path / "data")
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://private-data")
    local, remote = build_both(root, (root / "site_src" / "site.yaml").read_text(encoding="utf-8"))

    opened_pages = []
    for site in (local, remote):
        html = (site / "reports" / "margins.html").read_text()
        key = page_key(html, private_data.FINANCE)
        assert key is not None
        content = opened(html, key)["content"]
        downloads = [crypto.unseal(key, (site / path).read_bytes())
                     for path in re.findall(r'href="\.\./(data/margins/[0-9a-f]+\.csv)"', content)]
        opened_pages.append((re.sub(r"data/margins/[0-9a-f]+\.csv", "data/margins/…", content), downloads))
    assert opened_pages[0] == opened_pages[1]
    assert len(opened_pages[0][1]) == 2 and b"Quasarland,Zorblax Ltd,7310529.17" in opened_pages[1][1][1]
    assert athena.queries
