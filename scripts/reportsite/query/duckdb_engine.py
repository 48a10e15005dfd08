"""The engine on the build machine: the report's locked DuckDB (``sandbox``) over local files and S3 column copies.

Each statement runs under the time limit; a DuckDB error becomes an ``EngineError`` with DuckDB's message and
exception name; one that ran out of memory can move the engine to a fresh low-footprint connection (one thread,
insertion order not preserved; ``memory``), on which the session runs it once more.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from reportsite.query import batch, memory
from reportsite.query.engine import EngineError
from reportsite.query.sandbox import time_limit


@contextmanager
def guarded(con: Any, timeout: float | None) -> Iterator[None]:
    """Run DuckDB work on ``con`` under the time limit; any failure becomes an ``EngineError``."""
    import duckdb

    with time_limit(con, timeout) as limit:
        try:
            yield
        except EngineError:
            raise
        except Exception as exc:
            if limit.expired:
                raise EngineError(str(exc), type(exc).__name__, timed_out=True, seconds=limit.seconds) from None
            if isinstance(exc, duckdb.Error):
                raise EngineError(str(exc), type(exc).__name__, out_of_memory=memory.is_out_of_memory(exc)) from None
            raise EngineError(str(exc), type(exc).__name__, read_failure=exc) from None


class DuckDBEngine:
    """A locked DuckDB connection with the report's tables registered (see ``build.report_run``)."""

    name = "duckdb"

    def __init__(self, con: Any, timeout: float | None = None, reopen: Callable[[], Any] | None = None) -> None:
        self.con = con
        self.timeout = timeout
        self.reopen = reopen  # a fresh locked connection over the same tables, with a lower footprint
        self.low_footprint = False

    @property
    def local(self) -> Any:
        return self.con

    def columns(self, sql: str, params: Mapping[str, Any] | None) -> list[str] | None:
        with guarded(self.con, self.timeout):
            return list(self.con.sql(sql, params=params or None).columns)

    def table(self, sql: str, params: Mapping[str, Any] | None, limit: int | None = None,
              values: Any = None) -> Any:
        with guarded(self.con, self.timeout), self._values(values):
            relation = self.con.sql(sql, params=params or None)
            if limit is not None:
                relation = relation.limit(limit)
            return relation.to_arrow_table()

    def reader(self, sql: str, params: Mapping[str, Any] | None, batch_rows: int) -> Iterator[Any]:
        """The schema and the first batch are read before this returns, so a failure to start (out of memory,
        a bad column) is raised here, where the session can retry it."""
        with guarded(self.con, self.timeout):
            reader = self.con.sql(sql, params=params or None).to_arrow_reader(batch_rows)
            try:
                first = reader.read_next_batch()
            except StopIteration:
                first = None
        return self._batches(reader, first)

    def _batches(self, reader: Any, first: Any) -> Iterator[Any]:
        yield reader.schema
        if first is not None:
            yield first
        with guarded(self.con, self.timeout):
            yield from reader

    def store(self, name: str, sql: str, params: Mapping[str, Any] | None, values: Any) -> None:
        with guarded(self.con, self.timeout), self._values(values):
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {batch.quoted(name)} AS {sql}", params or None).fetchall()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with guarded(self.con, self.timeout):
            return list(self.con.sql(sql).fetchall())

    def read_local(self, sql: str) -> Any:
        with guarded(self.con, self.timeout):
            return self.con.sql(sql).to_arrow_table()

    def drop_local(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.con.execute(f"DROP TABLE IF EXISTS {batch.quoted(name)}").fetchall()

    def lower_footprint(self) -> bool:
        if self.reopen is None or self.low_footprint:
            return False
        old, self.con = self.con, self.reopen()
        self.low_footprint = True
        old.close()
        return True

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def _values(self, values: Any) -> Iterator[None]:
        """The values table of a one-pass statement registered for the block (Arrow, never copied)."""
        if values is None:
            yield
            return
        self.con.register(batch.VALUES, values)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                self.con.unregister(batch.VALUES)


__all__ = ["DuckDBEngine", "guarded"]
