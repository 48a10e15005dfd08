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
