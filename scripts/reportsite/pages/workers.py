"""Units made on every core: a pool of worker processes for a run with many pages or choices.

Making a unit's blocks is Python work (chart specs, CSV and Excel files, formatted cells) that needs no
database once the queries have run, so a report with hundreds of pages or choices spreads its units over
worker processes, one per core. A worker starts from a clean process (``forkserver``: never a copy of one
holding DuckDB's threads) and is sent the report once; each chunk of units arrives with the results it needs.
Small runs are made in this process: starting a worker costs more than they do.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from reportsite.pages import units as unit_blocks
from reportsite.pages import warm
from reportsite.pages.units import Made, ResultKey, Setting, Unit
from reportsite.pages.warm import WORKERS_ENV, preloads
from reportsite.query import memory

MIN_UNITS = 64  # a run with fewer units makes them in this process
CHUNK_UNITS = 32  # units sent to a worker at a time

_setting: Setting | None = None  # in a worker: the report it makes units for


def worker_count(units: int) -> int:
    """How many workers to start for ``units`` units (0: make them here)."""
    count = warm.configured()
    if count is not None:
        return count if count > 1 else 0
    if units < MIN_UNITS or not warm.may_use_workers():
        return 0
    return memory.threads()


Build = Callable[[list[Unit], Mapping[ResultKey, Any], Mapping[int, Mapping[str, str]]], list[Made]]


@contextmanager
def makers(setting: Setting, count: int) -> Iterator[Callable[..., Future[list[Made]]]]:
    """A function that makes a chunk of units: in a pool of ``count`` workers, or here when ``count`` is 0."""
    if not count:
        def here(chunk: list[Unit], found: Mapping[ResultKey, Any],
                 colors: Mapping[int, Mapping[str, str]]) -> Future[list[Made]]:
            future: Future[list[Made]] = Future()
            future.set_result(unit_blocks.build(setting, chunk, found, colors))
            return future

        yield here
        return
    with process_pool(count, _start, (setting,), *preloads(bool(setting.report.config.charts))) as pool:
        yield lambda chunk, found, colors: pool.submit(_make, chunk, _compact(found), colors)


def _compact(found: Mapping[ResultKey, Any]) -> dict[ResultKey, Any]:
    """Each result with buffers of its own. A page's rows are a slice of its item's one-pass result, and Arrow
    pickles a slice with the buffers of the whole (a 5-row slice of 4M rows would travel as megabytes)."""
    import pyarrow as pa

    return {key: value.take(pa.array(range(value.num_rows), pa.int64())) if isinstance(value, pa.Table) else value
            for key, value in found.items()}


class Pool:
    """A pool whose workers are being started from a thread (``_start_all``): ``submit`` waits, the first time,
    until every worker has been started, and raises what starting them raised."""

    def __init__(self, pool: ProcessPoolExecutor, count: int) -> None:
        self.pool = pool
        self.failed: BaseException | None = None
        self.starting = threading.Thread(target=self._start, args=(count,), name="reportsite-start-workers")
        self.starting.start()

    def _start(self, count: int) -> None:
        try:
            _start_all(self.pool, count)
        except BaseException as exc:  # handed to the caller's next submit
            self.failed = exc

    def started(self) -> None:
        self.starting.join()  # a submit before then could start a worker with the caller's __main__
        if self.failed is not None:
            raise self.failed

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        self.started()
        return self.pool.submit(function, *args)


@contextmanager
def process_pool(count: int, initializer: Callable[..., None], initargs: tuple[Any, ...],
                 *preload: str) -> Iterator[Pool]:
    """``count`` worker processes, each started from a clean process (``forkserver``) with ``initializer`` run
    once, every one started now, from a thread, while the caller goes on (see ``_start_all``: the first pool of a
    build also waits for the fork server to import ``preload``: the module their work lives in, and any heavy
    library every worker would otherwise import for itself, such as Altair for chart specs)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))  # the first pool's: the fork server lives as long as the build
    with ProcessPoolExecutor(count, mp_context=context, initializer=initializer, initargs=initargs) as pool:
        started = Pool(pool, count)
        try:
            yield started
        finally:
            started.starting.join()


def _start_all(pool: ProcessPoolExecutor, count: int) -> None:
    """Start every worker now, without the caller's main module.

    A new worker imports the program's ``__main__`` first (multiprocessing does, to find functions defined
    there); a script that calls ``build()`` without an ``if __name__ == "__main__":`` guard would build again in
    every worker. The workers need only reportsite, so they are started while ``__main__`` is a bare module,
    all of them at once (the pool starts no more later; each ``submit`` starts one, and what a new process
    imports is decided as it starts), and the real one is put back before anything else. The workers get ready
    (their imports, the report) while the caller goes on: ``slices`` starts them before its queries run.
    """
    real = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        for _ in range(count):
            pool.submit(os.getpid)  # starts one worker, its __main__ sent as it starts; not waited for
        # A submit starts no worker when one is idle: one that already did its task (this thread can wait a
        # while between submits for the interpreter). Submit until there are as many as asked for.
        while len(pool._processes) < count:  # read only: the pool has no public count
            pool.submit(os.getpid)
    finally:
        sys.modules["__main__"] = real


def _start(setting: Setting) -> None:
    global _setting
    _setting = setting


def _make(chunk: list[Unit], found: Mapping[ResultKey, Any], colors: Mapping[int, Mapping[str, str]]) -> list[Made]:
    assert _setting is not None
    return unit_blocks.build(_setting, chunk, found, colors)


__all__ = ["CHUNK_UNITS", "MIN_UNITS", "WORKERS_ENV", "makers", "process_pool", "worker_count"]
