"""How much memory and how many threads DuckDB may use on this machine, and what an out-of-memory is.

The default memory limit is about half the memory available to the build (the machine's, or its
container's cgroup limit when lower), never below 256 MB; ``REPORTSITE_DUCKDB_MEMORY`` overrides it.
Threads follow the cores the process may run on. What does not fit still spills to disk.

A query that runs out of memory anyway is retried once on a connection with a lower footprint
(insertion order not preserved, one thread); if that fails too, the message names the setting to raise.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

MEMORY_ENV = "REPORTSITE_DUCKDB_MEMORY"
FLOOR = 256 * 1024 * 1024
SHARE = 0.5  # of the memory available when the build starts
CGROUP_FILES = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
OUT_OF_MEMORY = re.compile(
    r"could not allocate block|Out of Memory Error|failed to allocate|"
    r"OutOfMemory",
    re.I,
)
LOW_FOOTPRINT_THREADS = 1


def available_bytes() -> int | None:
    """Memory this process can use now: MemAvailable, capped by a cgroup limit (None if unknown)."""
    found: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except OSError:
        pass
    if not found:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    for path in CGROUP_FILES:
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # "max" or a huge number: no limit
            found.append(int(text))
    return min(found) if found else None


def default_limit(available: int | None = None) -> str:
    """About half of ``available`` (default: what this machine has now), never below 256 MB, as '1234MB'."""
    available = available_bytes() if available is None else available
    share = int(available * SHARE) if available else FLOOR
    return f"{max(share, FLOOR) // (1024 * 1024)}MB"


def memory_limit() -> str:
    """The DuckDB memory limit of a build: $REPORTSITE_DUCKDB_MEMORY, else ``default_limit()``."""
    configured = os.environ.get(MEMORY_ENV, "").strip()
    return configured or default_limit()


def threads() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether a DuckDB error means the query did not fit in the memory limit."""
    return type(exc).__name__ == "OutOfMemoryException" or bool(OUT_OF_MEMORY.search(str(exc)))


def out_of_memory_message(label: str, limit: str) -> str:
    """The located message of a query that ran out of memory twice (normal and low-footprint settings)."""
    return (
        f"{label}: ran out of memory (DuckDB memory limit {limit}), also when retried with one thread and "
        f"insertion order not preserved; raise the limit with the environment variable {MEMORY_ENV} "
        "(e.g. 4GB; the default is half the machine's available memory), or aggregate or filter earlier "
        "in the SQL"
    )


__all__ = ["MEMORY_ENV", "available_bytes", "default_limit", "is_out_of_memory", "memory_limit", "threads"]
