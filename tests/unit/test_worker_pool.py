"""The worker pool starts its workers from a thread; what that thread meets reaches the caller."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from reportsite.pages import workers


def test_a_worker_pool_that_failed_to_start_says_so_on_the_first_submit(monkeypatch: pytest.MonkeyPatch) -> None:
    def cannot_start(pool: ProcessPoolExecutor, count: int) -> None:
        raise OSError("no more processes")

    monkeypatch.setattr(workers, "_start_all", cannot_start)
    with ProcessPoolExecutor(1) as executor:
        pool = workers.Pool(executor, 1)
        with pytest.raises(OSError, match="no more processes"):
            pool.submit(os.getpid)


def test_submit_waits_until_every_worker_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    def slow_start(pool: ProcessPoolExecutor, count: int) -> None:
        import time

        time.sleep(0.2)
        order.append("started")

    monkeypatch.setattr(workers, "_start_all", slow_start)
    with ProcessPoolExecutor(1) as executor:
        pool = workers.Pool(executor, 1)
        future = pool.submit(os.getpid)
        order.append("submitted")
        assert future.result(timeout=60) > 0
    assert order == ["started", "submitted"]


def test_every_worker_is_started_while_the_callers_main_is_hidden() -> None:
    """A worker that finishes its first task before the next is submitted makes the pool reuse it instead of
    starting another; that other would then be started by a later submit, with the caller's ``__main__``. So
    ``_start_all`` keeps submitting until the pool has every worker. It is a race, made likely here as in a
    build: another thread keeps the interpreter busy (a build's queries) while the workers are started."""
    import multiprocessing
    import threading

    context = multiprocessing.get_context("forkserver")
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            sum(range(10_000))

    hog = threading.Thread(target=busy)
    hog.start()
    try:
        for _ in range(12):
            with ProcessPoolExecutor(3, mp_context=context) as executor:
                workers._start_all(executor, 3)
                assert len(executor._processes) == 3  # what a later submit would otherwise start
    finally:
        stop.set()
        hog.join()


def _altair_in_a_worker(warm: bool) -> str:
    import subprocess
    import sys

    script = (
        "import os\n"
        "from reportsite.pages import warm, workers\n"
        f"if {warm}:\n"
        "    warm.start(charts=True, pages=False)\n"
        "if __name__ == '__main__':\n"
        "    with workers.process_pool(1, os.getpid, (), 'reportsite.pages.workers') as pool:\n"
        "        print(pool.submit(eval, \"'altair' in __import__('sys').modules\").result(timeout=120))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != workers.WORKERS_ENV}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300,
                          check=True)
    return done.stdout.strip()


def test_a_warmed_fork_server_gives_every_worker_what_it_preloaded() -> None:
    """``warm`` starts the fork server early with Altair among its imports: a worker started later has it
    without importing it (a pool started cold preloads only what it is told)."""
    if workers.memory.threads() < 2:
        pytest.skip("warm starts nothing on one core")  # this machine and CI have 2
    assert _altair_in_a_worker(warm=True) == "True"
    assert _altair_in_a_worker(warm=False) == "False"
