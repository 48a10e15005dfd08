"""The DuckDB memory limit and threads come from the machine; REPORTSITE_DUCKDB_MEMORY overrides the limit."""

from __future__ import annotations

import duckdb
import pytest

from reportsite.query import memory, sandbox


def test_the_default_limit_is_half_the_available_memory_but_never_below_256_mb() -> None:
    assert memory.default_limit(8 * 1024**3) == "4096MB"
    assert memory.default_limit(7 * 1024**3) == "3584MB"
    assert memory.default_limit(300 * 1024**2) == "256MB"
    assert memory.default_limit(0) == "256MB"


def test_the_environment_overrides_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.MEMORY_ENV, "1GB")
    assert memory.memory_limit() == "1GB"
    monkeypatch.delenv(memory.MEMORY_ENV)
    assert memory.memory_limit() == memory.default_limit()


def test_a_sandbox_uses_the_limit_and_the_cores_and_the_retry_connection_lowers_its_footprint(tmp_path) -> None:
    normal = sandbox.connect([], tmp_path)
    low = sandbox.connect([], tmp_path, low_footprint=True)
    try:
        settings = "SELECT current_setting('threads'), current_setting('preserve_insertion_order')"
        assert normal.execute(settings).fetchall() == [(memory.threads(), True)]
        assert low.execute(settings).fetchall() == [(1, False)]
        limit = normal.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        assert limit == low.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        normal.close()
        low.close()


def test_out_of_memory_errors_are_recognised() -> None:
    con = duckdb.connect(config={"memory_limit": "4MB", "threads": 1})
    with pytest.raises(duckdb.Error) as raised:
        con.execute("SELECT count(*) FROM (SELECT md5(range::VARCHAR) AS s FROM range(2000000) ORDER BY s)").fetchall()
    assert memory.is_out_of_memory(raised.value)
    assert not memory.is_out_of_memory(duckdb.CatalogException("Table with name x does not exist"))
