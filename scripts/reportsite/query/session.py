"""Run report SQL on the report's engine (``engine``: the locked DuckDB, or Athena): bound parameters, the time
limit, one retry after running out of memory, and every failure as a located ``QueryError`` (see ``located``).

A query that many pages or filter choices run is handed all their bindings first (``prefetch``): it then runs
once for all of them (``batch``), and each page's ``fetch`` or ``stream`` gets its share (``prefetch``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reportsite.errors import QueryError
from reportsite.query import batch, memory, sqlpolicy
from reportsite.query.duckdb_engine import DuckDBEngine
from reportsite.query.engine import Engine, EngineError
from reportsite.query.located import (
    QueryRef,
    bound_parameters,
    describe_engine_error,
    locate,
    read_error,
    timeout_message,
)
from reportsite.query.prefetch import Key, Shared, Stored, binding_key
from reportsite.query.sqltext import position_note, statement


@dataclass
class Session:
    """A report's engine (``engine``: its locked DuckDB, or Athena), its table names, and the time limit for each
    query.

    ``engine`` may be given as a locked DuckDB connection: it becomes a ``DuckDBEngine`` with ``timeout`` and
    ``reopen`` (a fresh locked connection over the same tables with a lower memory footprint, see ``memory``): a
    query that runs out of memory is run once more on it, and the session keeps using it for the rest of the
    report.
    """

    engine: Any
    tables: list[str]
    timeout: float | None = None
    reopen: Callable[[], Any] | None = None
    retried: list[str] = field(default_factory=list)  # labels of queries retried after running out of memory
    count: int = 0  # statements run
    passes: int = 0  # of them, queries run once for several pages or choices (one pass)
    one_key: int = 0  # of those, top-N queries sorted by one key (batch's module text)
    one_key_refused: list[str] = field(default_factory=list)  # labels whose one-key top-N DuckDB refused
    # (run in one pass as written instead)
    reviewed: dict[str, list[Any]] = field(default_factory=dict)  # SQL text → its refusals (a for_each report
    # runs the same SQL once per page)
    shared: dict[tuple[str | int, ...], Shared] = field(default_factory=dict)  # query key path → its prefetched
    notes: list[str] = field(default_factory=list)  # queries that run once per value, and why
    failed: dict[tuple[str | int, ...], QueryError] = field(default_factory=dict)  # a remote engine's failures:
    # a query that failed there is not submitted again for the other pages (they report the same problem)

    def __post_init__(self) -> None:
        if not isinstance(self.engine, Engine):
            self.engine = DuckDBEngine(self.engine, self.timeout, self.reopen)
        self.timeout = self.engine.timeout

    @property
    def con(self) -> Any:
        """The engine's local DuckDB connection."""
        return self.engine.local

    @property
    def low_footprint(self) -> bool:
        return bool(getattr(self.engine, "low_footprint", False))

    def fetch(self, ref: QueryRef, parameters: Mapping[str, Any], limit: int | None = None) -> Any:
        """The query's result as an Arrow table (at most ``limit + 1`` rows when a limit is given)."""
        found = self._shared(ref, parameters, limit, stream=False)
        if found is not None:
            return found
        sql, params = self._prepared(ref, parameters)
        return self._twice(ref, lambda: self.engine.table(sql, params, None if limit is None else limit + 1))

    def stream(self, ref: QueryRef, parameters: Mapping[str, Any], batch_rows: int = 65536) -> Iterator[Any]:
        """The query's result as Arrow record batches (for CSV downloads of large tables); the first item
        is the result's schema. A failure before the first batch is retried with a lower footprint."""
        found = self._shared(ref, parameters, None, stream=True)
        if found is not None:
            yield found.schema
            yield from found.to_batches(batch_rows)
            return
        sql, params = self._prepared(ref, parameters)
        batches = self._twice(ref, lambda: self.engine.reader(sql, params, batch_rows))
        with self._guard(ref):
            yield from batches

    def materialize(self, ref: QueryRef, parameters: Mapping[str, Any], limit: int | None = None,
                    stream: bool = False) -> Any:
        """One use's rows as a table (``fetch``, or every batch of ``stream``): from what was fetched ahead, else
        by running the query."""
        if not stream:
            return self.fetch(ref, parameters, limit)
        import pyarrow as pa

        parts = list(self.stream(ref, parameters))
        return pa.Table.from_batches(parts[1:], schema=parts[0])

    def rows(self, sql: str, label: str) -> list[tuple[Any, ...]]:
        """Every row of SQL the build wrote (checks, ``as_of``), once more with a lower footprint if it ran out of
        memory (``label`` is noted then). Raises ``EngineError``."""
        try:
            return self.engine.rows(sql)
        except EngineError as exc:
            if not exc.out_of_memory or not self.engine.lower_footprint():
                raise
            self.retried.append(label)
            return self.engine.rows(sql)

    def prefetch(self, ref: QueryRef, bindings: Sequence[Mapping[str, Any]], limit: int | None = None,
                 stream: bool = False) -> None:
        """Run ``ref`` ahead for every binding the pages will ask with, in that order: once for each distinct
        binding of the names it mentions, and in one pass for those that differ (``batch``) where that is
        proven the same. ``fetch``/``stream`` with the same ``limit`` then serve each use from here.

        Nothing is raised: a query that cannot run ahead is run by each page as before, which reports its
        problems where they belong."""
        self._forget(ref.path)
        if len(bindings) < 2 or not one_pass_enabled():
            return
        sql = statement(ref.sql)
        try:
            self._relation_checks(ref, sql)
            bound = [bound_parameters(sql, binding, ref) for binding in bindings]
        except (QueryError, OSError):
            return
        keys = [binding_key(b) for b in bound]
        uses = Counter(keys)
        distinct = list(dict.fromkeys(keys))
        first: dict[Key, Any] = {}
        for key, one in zip(keys, bound, strict=True):
            first.setdefault(key, one)  # each key's first binding
        shared = Shared(limit, stream, uses)
        names = [name for name in bound[0] if len({repr(b[name]) for b in bound}) > 1]
        for group in self._groups(distinct, first, names):
            bindings = [first[k] for k in group]
            varying = [name for name in names if len({repr(b[name]) for b in bindings}) > 1]
            if len(group) == 1 or not varying:
                for key in group:
                    self._run_one(ref, shared, key, first[key], limit)
                continue
            self._run_batch(ref, sql, shared, group, bindings, varying, limit)
        if shared.tables or shared.stored:
            self.shared[ref.path] = shared

    def _groups(self, distinct: list[Key], first: Mapping[Key, Mapping[str, Any]],
                varying: list[str]) -> list[list[Key]]:
        """The distinct bindings in groups of one pass each: one DuckDB type per name, NULL as its own (so in a
        pass every varying value is a value, and a NULL is bound as one, as for a single page)."""
        groups: dict[Any, list[Key]] = {}
        kinds = batch.signatures([first[key] for key in distinct], varying) if varying else [None] * len(distinct)
        for key, kind in zip(distinct, kinds, strict=True):
            groups.setdefault(kind if kind is not None else ("alone", key), []).append(key)
        return list(groups.values())

    def _run_one(self, ref: QueryRef, shared: Shared, key: Key, parameters: Mapping[str, Any],
                 limit: int | None) -> None:
        """One binding that several pages share: run once (as ``fetch`` would) and keep it."""
        if shared.stream:
            return  # a stream shared by several pages is read once per page (each writes its own CSV)
        try:
            shared.tables[key] = self.fetch(ref, parameters, limit)
        except QueryError:
            return

    def _run_batch(self, ref: QueryRef, sql: str, shared: Shared, keys: list[Key],
                   bindings: list[Mapping[str, Any]], varying: list[str], limit: int | None) -> None:
        """Several bindings in one pass; on any doubt they are left to run once each, and the build says why."""
        constants = {k: v for k, v in bindings[0].items() if k not in varying}
        try:
            with self._guard(ref):
                columns = self.engine.columns(sql, bindings[0])
        except QueryError:
            return  # it fails for one binding already: each page reports it
        plan = (batch.rewrite(sql, varying, columns) if columns is not None
                else batch.NotBatched("its result's columns are known only once it runs"))
        if isinstance(plan, batch.NotBatched):
            self._note(ref, plan.reason)
            return
        values = batch.values_table(bindings, plan.names)
        text = batch.with_cap(plan, None if limit is None else limit + 1)
        stored = f"{batch.PREFIX}result_{len(self.shared)}_{len(shared.stored)}"

        def run() -> Any:
            if not shared.stream:
                return self.engine.table(text, constants, values=values)
            self.engine.store(stored, text, constants, values)
            counts = self.engine.read_local(f"SELECT {batch.quoted(batch.INDEX)}, count(*) FROM "
                                            f"{batch.quoted(stored)} GROUP BY 1").to_pylist()
            return {int(row[batch.INDEX]): int(row["count_star()"]) for row in counts}

        try:
            try:
                result = self._twice(ref, run, remember=False)
            except QueryError:
                if not plan.one_key:
                    raise
                self.one_key_refused.append(ref.label)
                plan = batch.rewrite(sql, varying, columns, one_key=False)  # its top-N sorted as written
                assert isinstance(plan, batch.Rewrite)
                text = batch.with_cap(plan, None if limit is None else limit + 1)
                result = self._twice(ref, run, remember=False)
        except QueryError as exc:
            self._note(ref, f"{self.engine_name} could not run it in one pass "
                            f"({exc.problems[0].message.split(': ', 1)[-1]})")
            return
        self.count += 1
        self.passes += 1
        self.one_key += plan.one_key
        if shared.stream:
            shared.stored.append(Stored(stored, {key: position for position, key in enumerate(keys)}, result,
                                        plan.hidden))
            return
        for key, rows in zip(keys, batch.split(result, len(keys), hidden=plan.hidden), strict=True):
            shared.tables[key] = rows

    @property
    def engine_name(self) -> str:
        return "Athena" if self.engine.name == "athena" else "DuckDB"

    def _read_stored(self, ref: QueryRef) -> Callable[[str, int, int], Any]:
        """Reads bindings ``first``…``last`` of a stored batched result, in order, under the time limit."""
        def read(table: str, first: int, last: int) -> Any:
            index, ordinal = batch.quoted(batch.INDEX), batch.quoted(batch.ORDINAL)
            with self._guard(ref):
                return self.engine.read_local(f"SELECT * FROM {batch.quoted(table)} WHERE {index} BETWEEN {first} "
                                              f"AND {last} ORDER BY {index}, {ordinal}")

        return read

    def _shared(self, ref: QueryRef, parameters: Mapping[str, Any], limit: int | None, stream: bool) -> Any:
        """This use's rows when they were fetched ahead (None: run the query)."""
        shared = self.shared.get(ref.path)
        if shared is None or shared.stream != stream or shared.limit != limit:
            return None
        try:
            key = binding_key(bound_parameters(statement(ref.sql), parameters, ref))
        except (QueryError, OSError):
            return None
        if not shared.has(key):
            return None
        rows = shared.take(key, self._read_stored(ref))
        if shared.done():
            self._forget(ref.path)
        return rows

    def _forget(self, path: tuple[str | int, ...]) -> None:
        """Drop what was fetched ahead for one query (its temporary tables too)."""
        shared = self.shared.pop(path, None)
        for stored in shared.stored if shared else []:
            self.engine.drop_local(stored.table)

    def _note(self, ref: QueryRef, reason: str) -> None:
        note = f"{ref.label} runs once per page or choice: {reason}"
        if note not in self.notes:
            self.notes.append(note)

    def _twice(self, ref: QueryRef, run: Callable[[], Any], remember: bool = True) -> Any:
        """``run()`` under the guard; once more on the low-footprint connection if it ran out of memory. A query
        that failed on a remote engine fails the same way for every later page without being submitted again
        (``remember``: not for a one-pass statement, whose pages then run one by one)."""
        if ref.path in self.failed:
            raise self.failed[ref.path]
        try:
            try:
                with self._guard(ref):
                    return run()
            except _RetryLowFootprint:
                with self._guard(ref):
                    return run()
        except QueryError as exc:
            if remember and self.engine.name != "duckdb":
                self.failed[ref.path] = exc
            raise

    def close(self) -> None:
        for path in list(self.shared):
            self._forget(path)
        self.engine.close()

    def _prepared(self, ref: QueryRef, parameters: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The statement to run and its bound parameters, after the review (counted as a statement run)."""
        sql = statement(ref.sql)
        self._relation_checks(ref, sql)
        params = bound_parameters(sql, parameters, ref)
        self.count += 1
        return sql, params

    def _relation_checks(self, ref: QueryRef, sql: str) -> None:
        """The review every query passes before it runs (``sqlpolicy``; done when the report was loaded too)."""
        if sql not in self.reviewed:
            self.reviewed[sql] = sqlpolicy.review(sql, ref.report.config.tables_by_name())
        refusals = self.reviewed[sql]  # config refused these already: the same
        if refusals:                                                    # check guards every caller
            raise QueryError([locate(ref, f"{ref.label}: {r.message}{position_note(sql, r.offset)}", offset=r.offset)
                              for r in refusals])

    @contextmanager
    def _guard(self, ref: QueryRef) -> Iterator[None]:
        """Every failure of the engine becomes one located QueryError (or a retry, once, when the query ran out of
        memory and the engine could lower its footprint)."""
        try:
            yield
        except EngineError as exc:
            if exc.timed_out:
                raise QueryError(locate(ref, timeout_message(ref.label, exc.seconds))) from None
            if exc.out_of_memory:
                if self.engine.lower_footprint():
                    self.retried.append(ref.label)
                    raise _RetryLowFootprint from None
                raise QueryError(locate(ref, memory.out_of_memory_message(ref.label, memory.memory_limit()))
                                 ) from None
            if exc.read_failure is not None:  # an unexpected reader failure, named with its source
                raise QueryError(locate(ref, f"{ref.label}: {read_error(ref, exc.read_failure)}")) from None
            if exc.plain:
                raise QueryError(locate(ref, f"{ref.label}: {exc.message}")) from None
            raise QueryError(describe_engine_error(exc.message, exc.kind, ref, self.tables)) from None


ONE_PASS_ENV = "REPORTSITE_ONE_PASS"  # "off": every query runs once per value (to compare, and to debug)


def one_pass_enabled() -> bool:
    return os.environ.get(ONE_PASS_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


class _RetryLowFootprint(Exception):
    """The query ran out of memory and the session moved to a low-footprint connection: run it again."""


__all__ = ["ONE_PASS_ENV", "Session", "one_pass_enabled"]
