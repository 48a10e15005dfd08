"""What runs a report's SQL: the engine interface the session talks to, whichever engine it is.

Two engines implement it: the locked DuckDB on the build machine (``duckdb_engine``) and Amazon Athena's DuckDB
engine (``athena``). The session (``session``) does everything that is the same for both: the review before
anything runs, bound parameters, one pass for many pages (``batch``), results kept for the pages (``prefetch``)
and located errors; an engine only runs statements and hands back Arrow.

Every engine keeps a **local** locked DuckDB connection. For the DuckDB engine it is the connection that runs
everything; for a remote engine it holds empty tables with the remote tables' columns (so a query's result
columns are known by binding it, without running it) and the batched results a stream reads back a chunk at a
time.

Every failure of a statement is an ``EngineError`` with the engine's own message; the session turns it into one
located line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol, runtime_checkable


class EngineError(Exception):
    """A statement failed on the engine: its message, and what kind of failure it was."""

    def __init__(self, message: str, kind: str = "", *, timed_out: bool = False, seconds: float = 0.0,
                 out_of_memory: bool = False, read_failure: Exception | None = None,
                 plain: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind  # DuckDB's exception name (ParserException, BinderException, …) when known
        self.timed_out = timed_out  # stopped by query_timeout_seconds after ``seconds``
        self.seconds = seconds
        self.out_of_memory = out_of_memory
        self.read_failure = read_failure  # a reader outside the engine failed (a streamed S3 source)
        self.plain = plain  # the message is already the user-facing text (not an SQL error to explain)


@runtime_checkable
class Engine(Protocol):
    """Runs statements of one report. ``params`` bind ``$name`` parameters; ``values`` is the values table of a
    one-pass statement (``batch.VALUES``), or None."""

    name: str  # "duckdb" | "athena"
    timeout: float | None  # query_timeout_seconds

    @property
    def local(self) -> Any:
        """The local locked DuckDB connection (see the module's docstring)."""

    def columns(self, sql: str, params: Mapping[str, Any] | None) -> list[str] | None:
        """The names of the statement's result columns, by binding it (nothing runs); None when only running it
        would tell."""

    def table(self, sql: str, params: Mapping[str, Any] | None, limit: int | None = None,
              values: Any = None) -> Any:
        """The statement's result as an Arrow table: at most ``limit`` rows when given."""

    def reader(self, sql: str, params: Mapping[str, Any] | None, batch_rows: int) -> Iterator[Any]:
        """The statement's result as Arrow record batches: first the schema, then the batches."""

    def store(self, name: str, sql: str, params: Mapping[str, Any] | None, values: Any) -> None:
        """Run the statement and keep its result in the local temporary table ``name``."""

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Every row of an SQL statement the build wrote itself (data checks, ``as_of``), as Python values."""

    def read_local(self, sql: str) -> Any:
        """A statement on the local connection (a stored result) as an Arrow table, under the time limit."""

    def drop_local(self, name: str) -> None:
        """Forget the local temporary table ``name`` (quietly)."""

    def lower_footprint(self) -> bool:
        """After running out of memory: move to settings that need less (True), unless that is done already."""

    def close(self) -> None:
        """Release the engine's connections."""


__all__ = ["Engine", "EngineError"]
