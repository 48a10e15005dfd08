"""sources.registry: a kind of data source is one module that registers itself; kinds dispatches through it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reportsite.errors import SourceError
from reportsite.sources import kinds, registry
from reportsite.sources.model import DataFile, Source

TABLES = {"numbers": pa.table({"n": [1, 2, 3]})}  # what the throwaway kind serves


def resolve_memory(wanted: registry.Wanted) -> Source:
    name = wanted.written.removeprefix("memory:")
    if name not in TABLES:
        raise SourceError(f"data source '{wanted.written}': no such table in memory")
    found = DataFile(url=wanted.written, size=TABLES[name].nbytes, modified=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                     tag=str(TABLES[name].num_rows))
    return Source(table=wanted.table, written=wanted.written, url=wanted.written, files=(found,), format="memory",
                  hive=False)


def register_memory(con: Any, source: Source) -> None:
    con.register(f"__memory_{source.table}", TABLES[source.url.removeprefix("memory:")])
    con.execute(f'CREATE OR REPLACE VIEW "{source.table}" AS SELECT * FROM "__memory_{source.table}"')


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> registry.SourceKind:
    monkeypatch.setattr(registry, "KINDS", list(registry.KINDS))  # registered for this test only
    return registry.register(registry.SourceKind(
        "memory", lambda wanted: wanted.written.startswith("memory:"), resolve_memory, ("memory",), register_memory))


def test_a_kind_registered_from_one_module_is_resolved_and_queried(memory: registry.SourceKind,
                                                                   tmp_path: Path) -> None:
    source = kinds.resolve("numbers", "memory:numbers", str(tmp_path))
    assert (source.format, source.url, source.files[0].tag) == ("memory", "memory:numbers", "3")
    assert kinds.kind_of(source) is memory
    con = duckdb.connect()
    kinds.register(con, source)
    assert con.execute('SELECT sum(n) FROM "numbers"').fetchone() == (6,)
    with pytest.raises(SourceError, match="'memory:missing': no such table in memory"):
        kinds.resolve("other", "memory:missing", str(tmp_path))


def test_files_stay_the_fallback(memory: registry.SourceKind, tmp_path: Path) -> None:
    pq.write_table(pa.table({"n": [4, 5]}), tmp_path / "numbers.parquet")
    source = kinds.resolve("numbers", "numbers.parquet", str(tmp_path))
    assert kinds.kind_of(source).name == "files"
    con = duckdb.connect()
    kinds.register(con, source)
    assert con.execute('SELECT sum(n) FROM "numbers"').fetchone() == (9,)


def test_every_kind_of_the_site_is_registered() -> None:
    # the kinds claim sources no other kind claims (a prefix, an extension, a mapping), so the order they were
    # imported in does not matter; the plain files, which take anything, are asked last
    assert sorted(k.name for k in registry.KINDS) == ["excel", "glue", "loader"]
    assert [k.name for k in registry.FALLBACK] == ["files"]
    assert {k.name for k in kinds.KINDS} == {"excel", "glue", "loader", "files"}


def test_a_name_registers_once(memory: registry.SourceKind) -> None:
    with pytest.raises(ValueError, match="source kind 'memory' is registered twice"):
        registry.register(memory)


def test_a_glue_table_is_refused_on_duckdb() -> None:
    source = Source(table="orders", written="glue:sales.orders", url="glue:sales.orders", files=(), format="glue",
                    hive=False)
    with pytest.raises(SourceError, match="is a Glue table, which only Athena reads: set engine: athena"):
        kinds.register(duckdb.connect(), source)
