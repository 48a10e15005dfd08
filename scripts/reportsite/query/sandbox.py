"""The locked DuckDB that report SQL runs in, and the time limit on each statement.

Report SQL is configuration, not code: it may read the report's own data and nothing else. Every
connection that runs report SQL (report queries, data checks, and the EXPLAIN that plans which S3
columns to fetch) is made here:

- only the named files are readable (the report's local data files or their S3 column copies), plus
  the folder DuckDB spills to; external access (other files, http, s3) is off;
- extensions are never installed or loaded, and Python objects are never scanned by name;
- the configuration is locked once the report's tables are registered, so SQL cannot ``SET`` its
  way out (memory cap, allowed paths);
- each statement is interrupted after ``query_timeout_seconds``.

``sqlpolicy`` refuses what this lock would stop, earlier and with a located message; the lock is
what holds if something gets past it.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsite.query import memory
from reportsite.query.memory import MEMORY_ENV  # noqa: F401  (re-exported: tests and callers name it here)


def spill_folder(cache: Path | None) -> Path:
    """Where DuckDB writes what does not fit in memory: ``<cache>/duckdb-tmp``, else a temporary folder."""
    folder = cache / "duckdb-tmp" if cache is not None else Path(tempfile.gettempdir()) / "reportsite-duckdb"
    folder.parent.mkdir(parents=True, exist_ok=True)  # DuckDB creates only the last folder, when it spills
    return folder


def connect(readable: Iterable[str], cache: Path | None = None, timezone: str = "UTC",
            low_footprint: bool = False) -> Any:
    """An in-memory DuckDB that can read only ``readable`` files (and spill); call ``lock`` after set-up.

    Its time zone is the site's, so date_trunc and casts of TIMESTAMPTZ work in the zone the site shows,
    whatever the build machine's.

    The memory cap (``memory.memory_limit()``: about half the machine's available memory, at least 256MB;
    env REPORTSITE_DUCKDB_MEMORY) and threads (the cores) fit the machine; what does not fit spills to disk.
    ``low_footprint`` (the retry of a query that ran out of memory) uses one thread and does not preserve
    insertion order, so operators buffer less; these are set before the lock, like every setting.
    """
    import duckdb

    spill = spill_folder(cache)
    con = duckdb.connect(":memory:", config={
        "memory_limit": memory.memory_limit(),
        "threads": memory.LOW_FOOTPRINT_THREADS if low_footprint else memory.threads(),
        "preserve_insertion_order": not low_footprint,
        "temp_directory": str(spill),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "python_enable_replacements": False,
    })
    try:
        con.execute("SET TimeZone = ?", [timezone])  # ICU is built in: nothing is loaded from disk
        con.execute("SET enable_progress_bar = false")  # a long one-pass query would draw it into the build's log
        # Order matters: the allowed paths can only be set while external access is still on.
        con.execute("SET allowed_paths = ?", [sorted(set(readable))])
        con.execute("SET allowed_directories = ?", [[str(spill)]])
        con.execute("SET enable_external_access = false")
    except BaseException:
        con.close()
        raise
    return con


def lock(con: Any) -> None:
    """Freeze the connection's configuration: no SET, PRAGMA or RESET can change it any more."""
    con.execute("SET lock_configuration = true")


@contextmanager
def locked(readable: Iterable[str], cache: Path | None = None) -> Iterator[Any]:
    """A locked connection for the block (for callers that register nothing from files)."""
    con = connect(readable, cache)
    try:
        lock(con)
        yield con
    finally:
        con.close()


@dataclass
class Limit:
    """A running time limit; ``expired`` tells an interrupt caused by it from any other failure."""

    seconds: float
    expired: bool = False


@contextmanager
def time_limit(con: Any, seconds: float | None) -> Iterator[Limit]:
    """Interrupt whatever ``con`` runs inside the block once ``seconds`` have passed (None: no limit)."""
    limit = Limit(seconds or 0.0)
    if not seconds:
        yield limit
        return
    done = threading.Event()

    def expire() -> None:
        if done.wait(seconds):
            return
        limit.expired = True
        # An interrupt that arrives while DuckDB is still preparing a statement is forgotten when the statement
        # starts, so keep interrupting until the block gives up.
        while not done.is_set():
            con.interrupt()
            done.wait(0.05)

    watcher = threading.Thread(target=expire, name="reportsite-query-time-limit", daemon=True)
    watcher.start()
    try:
        yield limit
    finally:
        done.set()
        watcher.join()


def seconds_text(seconds: float) -> str:
    """'120 s', '0.5 s'."""
    return f"{seconds:g} s"


__all__ = ["Limit", "connect", "lock", "locked", "spill_folder", "time_limit"]
