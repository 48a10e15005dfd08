"""Run report SQL on the report's locked DuckDB: bound parameters, the time limit, one retry after running out
of memory, and every failure as a located ``QueryError`` (see ``located``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reportsite.errors import QueryError
from reportsite.query import memory, sqlpolicy
from reportsite.query.located import (
    QueryRef,
    bound_parameters,
    describe_duckdb_error,
    locate,
    read_error,
    timeout_message,
)
from reportsite.query.sandbox import time_limit
from reportsite.query.sqltext import position_note, statement


@dataclass
class Session:
    """A report's locked connection (``sandbox``), its table names, and the time limit for each query.

    ``reopen`` makes a fresh locked connection over the same tables with a lower memory footprint
    (see ``memory``): a query that runs out of memory is run once more on it, and the session keeps
    using it for the rest of the report.
    """

    con: Any
    tables: list[str]
    timeout: float | None = None
    reopen: Callable[[], Any] | None = None
    low_footprint: bool = False
    retried: list[str] = field(default_factory=list)  # labels of queries retried after running out of memory
    count: int = 0  # statements run
    reviewed: dict[str, list[Any]] = field(default_factory=dict)  # SQL text → its refusals (a for_each report
    # runs the same SQL once per page)

    def fetch(self, ref: QueryRef, parameters: Mapping[str, Any], limit: int | None = None) -> Any:
        """The query's result as an Arrow table (at most ``limit + 1`` rows when a limit is given)."""
        def run() -> Any:
            relation = self._relation(ref, parameters)
            if limit is not None:
                relation = relation.limit(limit + 1)
            return relation.to_arrow_table()

        return self._twice(ref, run)

    def stream(self, ref: QueryRef, parameters: Mapping[str, Any], batch_rows: int = 65536) -> Iterator[Any]:
        """The query's result as Arrow record batches (for CSV downloads of large tables); the first item
        is the result's schema. A failure before the first batch is retried with a lower footprint."""
        def run() -> tuple[Any, Any]:
            reader = self._relation(ref, parameters).to_arrow_reader(batch_rows)
            try:
                return reader, reader.read_next_batch()
            except StopIteration:
                return reader, None

        reader, first = self._twice(ref, run)
        yield reader.schema
        if first is not None:
            yield first
        with self._guard(ref):
            yield from reader

    def _twice(self, ref: QueryRef, run: Callable[[], Any]) -> Any:
        """``run()`` under the guard; once more on the low-footprint connection if it ran out of memory."""
        try:
            with self._guard(ref):
                return run()
        except _RetryLowFootprint:
            with self._guard(ref):
                return run()

    def switch_to_low_footprint(self, exc: BaseException) -> bool:
        """After an out-of-memory error: move to a low-footprint connection (True), unless already on one."""
        if self.reopen is None or self.low_footprint or not memory.is_out_of_memory(exc):
            return False
        old, self.con = self.con, self.reopen()
        self.low_footprint = True
        old.close()
        return True

    def close(self) -> None:
        self.con.close()

    def _relation(self, ref: QueryRef, parameters: Mapping[str, Any]) -> Any:
        sql = statement(ref.sql)
        if sql not in self.reviewed:
            self.reviewed[sql] = sqlpolicy.review(sql, ref.report.config.tables_by_name())
        refusals = self.reviewed[sql]  # config refused these already: the same
        if refusals:                                                    # check guards every caller
            raise QueryError([locate(ref, f"{ref.label}: {r.message}{position_note(sql, r.offset)}", offset=r.offset)
                              for r in refusals])
        params = bound_parameters(sql, parameters, ref)
        self.count += 1
        return self.con.sql(sql, params=params or None)

    @contextmanager
    def _guard(self, ref: QueryRef) -> Iterator[None]:
        """Run under the time limit; every failure becomes one located QueryError (or a retry, once, when
        the query ran out of memory)."""
        import duckdb

        with time_limit(self.con, self.timeout) as limit:
            try:
                yield
            except QueryError:
                raise
            except Exception as exc:
                if limit.expired:
                    raise QueryError(locate(ref, timeout_message(ref.label, limit.seconds))) from None
                if isinstance(exc, duckdb.Error) and memory.is_out_of_memory(exc):
                    if self.switch_to_low_footprint(exc):
                        self.retried.append(ref.label)
                        raise _RetryLowFootprint from None
                    raise QueryError(locate(ref, memory.out_of_memory_message(ref.label, memory.memory_limit()))
                                     ) from None
                if isinstance(exc, duckdb.Error):
                    raise QueryError(describe_duckdb_error(exc, ref, self.tables)) from None
                # an unexpected reader failure, named with its source
                raise QueryError(locate(ref, f"{ref.label}: {read_error(ref, exc)}")) from None


class _RetryLowFootprint(Exception):
    """The query ran out of memory and the session moved to a low-footprint connection: run it again."""


__all__ = ["Session"]
