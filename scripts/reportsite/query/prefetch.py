"""Results fetched ahead, in one pass, for the pages and filter choices that will ask for them.

Before a report's items run page by page, each item's query is handed every binding it will be run with
(``Session.prefetch``). Bindings that agree on every ``$name`` the query mentions share one result; the rest
run as one batched query (``batch``) where that is proven the same, else once each, as before. Each page
then asks the session as usual (``Session.fetch``, ``Session.stream``) and gets its share.

Fetched results are whole tables (metrics and charts: a few rows each, capped). Streamed ones (tables, whose
CSV holds every row) are kept in a temporary DuckDB table (it spills to disk, not to Python memory) and read
back a chunk of bindings at a time: no query result stays open while the pages work, so the connection is
free for every other query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reportsite.query import batch

Key = tuple[tuple[str, str, str], ...]  # ($name, DuckDB type, value as text) for each name the query mentions
CHUNK_ROWS = 100_000  # rows of a stored result read back at once


def binding_key(binding: Mapping[str, Any]) -> Key:
    """What identifies one run of a query: its bound values, by name and type."""
    key = []
    for name in sorted(binding):
        found = batch.value_type(binding[name])
        key.append((name, found[0] if found else type(binding[name]).__name__, repr(binding[name])))
    return tuple(key)


@dataclass
class Stored:
    """A batched result kept in a temporary table: which binding is which ``__rs_i``, and its row count."""

    table: str
    positions: dict[Key, int]
    counts: dict[int, int]
    hidden: tuple[str, ...] = ()  # sort keys stored with the rows, left out when they are read


@dataclass
class Shared:
    """One query's results for several bindings: per binding key, its rows."""

    limit: int | None
    stream: bool
    uses: Counter[Key]
    tables: dict[Key, Any] = field(default_factory=dict)  # rows at hand
    stored: list[Stored] = field(default_factory=list)  # streams: batched results in temporary tables
    left: int = field(init=False)  # uses still to be served

    def __post_init__(self) -> None:
        self.left = sum(self.uses.values())

    def has(self, key: Key) -> bool:
        """Whether a use of ``key`` is still to be served from here."""
        return self.uses[key] > 0 and (key in self.tables or any(key in s.positions for s in self.stored))

    def take(self, key: Key, read: Callable[[str, int, int], Any]) -> Any:
        """The rows for one use of ``key`` (forgotten after its last use); ``read(table, first, last)`` reads the
        rows of bindings ``first``…``last`` of a stored result, ordered by binding and row."""
        if key not in self.tables:
            self._load(key, read)
        rows = self.tables[key]
        self.uses[key] -= 1
        self.left -= 1
        if self.uses[key] <= 0:
            del self.tables[key]
        return rows

    def done(self) -> bool:
        return self.left <= 0

    def _load(self, key: Key, read: Callable[[str, int, int], Any]) -> None:
        """Read a chunk of a stored result: this binding and the ones after it, up to ``CHUNK_ROWS`` rows."""
        stored = next(s for s in self.stored if key in s.positions)
        first = stored.positions[key]
        by_position = {position: k for k, position in stored.positions.items()}
        last, rows = first, stored.counts.get(first, 0)
        while last + 1 in by_position and rows + stored.counts.get(last + 1, 0) <= CHUNK_ROWS:
            last += 1
            rows += stored.counts.get(last, 0)
        table = read(stored.table, first, last)
        for position, part in enumerate(batch.split(table, last - first + 1, first, stored.hidden)):
            wanted = by_position[first + position]
            if self.uses[wanted] > 0 and wanted not in self.tables:
                self.tables[wanted] = part


__all__ = ["CHUNK_ROWS", "Key", "Shared", "Stored", "binding_key"]
