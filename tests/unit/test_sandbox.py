"""sandbox: the locked DuckDB holds on its own, even for SQL that sqlpolicy would have refused."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from reportsite.query import sandbox


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    con = duckdb.connect()
    paths = {"allowed": tmp_path / "data" / "sales.parquet", "other": tmp_path / "data" / "secret.csv"}
    paths["allowed"].parent.mkdir()
    con.execute(f"COPY (SELECT range AS n FROM range(1000)) TO '{paths['allowed']}'")
    con.execute(f"COPY (SELECT 'hunter2' AS password) TO '{paths['other']}'")
    con.close()
    return paths


@pytest.fixture
def locked(files: dict[str, Path], tmp_path: Path):  # type: ignore[no-untyped-def]
    con = sandbox.connect([str(files["allowed"])], tmp_path / "cache")
    con.execute(f"CREATE VIEW sales AS SELECT * FROM read_parquet(['{files['allowed']}'])")
    sandbox.lock(con)
    yield con
    con.close()


def test_the_named_files_can_be_read(locked) -> None:  # type: ignore[no-untyped-def]
    assert locked.execute("SELECT count(*), max(n) FROM sales").fetchall() == [(1000, 999)]


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_text('/proc/self/environ')",
    "SELECT * FROM read_csv('{other}')",
    "SELECT * FROM '{other}'",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_csv('https://example.com/a.csv')",
    "SELECT * FROM read_parquet('s3://bucket/a.parquet')",
    "ATTACH '{tmp}/other.duckdb'",
    "COPY (SELECT 1) TO '{tmp}/written.csv'",
    "INSTALL httpfs",
    "LOAD httpfs",
])
def test_everything_else_on_disk_or_the_network_is_refused(locked, files: dict[str, Path], tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           sql: str) -> None:
    with pytest.raises(duckdb.PermissionException):
        locked.execute(sql.format(other=files["other"], tmp=tmp_path)).fetchall()
    assert not (tmp_path / "written.csv").exists() and not (tmp_path / "other.duckdb").exists()


@pytest.mark.parametrize("sql", ["SET memory_limit = '100GB'", "SET enable_external_access = true",
                                 "SET allowed_paths = ['/']", "RESET lock_configuration",
                                 "PRAGMA memory_limit = '100GB'"])
def test_the_configuration_cannot_be_changed(locked, sql: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(duckdb.Error, match=r"configuration has been locked|Cannot change|disabled|not be enabled"):
        locked.execute(sql).fetchall()
    assert locked.execute("SELECT current_setting('memory_limit')").fetchall() != [("100.0 GiB",)]


def test_python_objects_are_not_scanned_by_name(locked) -> None:  # type: ignore[no-untyped-def]
    import pyarrow as pa

    secrets = pa.table({"key": ["hunter2"]})  # noqa: F841 - would be found by DuckDB's replacement scan

    with pytest.raises(duckdb.CatalogException):
        locked.execute("SELECT * FROM secrets").fetchall()


def test_extensions_are_never_installed_or_loaded_on_demand(locked) -> None:  # type: ignore[no-untyped-def]
    settings = dict(locked.execute("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                   "('autoinstall_known_extensions', 'autoload_known_extensions', "
                                   "'enable_external_access', 'lock_configuration')").fetchall())

    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
                        "enable_external_access": "false", "lock_configuration": "true"}


def test_the_time_limit_interrupts_a_long_query(locked) -> None:  # type: ignore[no-untyped-def]
    started = time.process_time()  # CPU seconds (every thread): a busy machine does not stretch them

    with pytest.raises(duckdb.InterruptException), sandbox.time_limit(locked, 0.3) as limit:
        locked.execute("SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b").fetchall()

    assert limit.expired
    assert time.process_time() - started < 5  # the whole product would take minutes
    assert locked.execute("SELECT 1").fetchall() == [(1,)]  # the connection is still usable


def test_a_query_within_the_limit_is_not_interrupted(locked) -> None:  # type: ignore[no-untyped-def]
    with sandbox.time_limit(locked, 5) as limit:
        assert locked.execute("SELECT count(*) FROM sales").fetchall() == [(1000,)]
    time.sleep(0.05)
    assert not limit.expired


def test_big_aggregations_still_spill_to_the_allowed_folder(files: dict[str, Path], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sandbox.MEMORY_ENV, "32MB")
    con = sandbox.connect([str(files["allowed"])], tmp_path / "cache")
    sandbox.lock(con)
    try:
        rows = con.execute("SELECT count(*) FROM (SELECT range % 2000000 AS k, list(range) FROM range(4000000) "
                           "GROUP BY k ORDER BY k)").fetchall()
    finally:
        con.close()
    assert rows == [(2000000,)]
