"""The S3 column cache keeps under its budget by evicting the least recently used copies."""

from __future__ import annotations

import os
from pathlib import Path

from reportsite import integrity
from reportsite.sources import cachebudget


def copy(root: Path, name: str, size: int, used_at: int) -> Path:
    path = root / "lake" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    integrity.record(path)
    os.utime(path, (used_at, used_at))
    return path


def test_room_is_made_by_evicting_the_least_recently_used_copies_first(tmp_path: Path) -> None:
    old, middle, new = (copy(tmp_path, f"{n}.parquet", 1000, t) for n, t in (("old", 100), ("mid", 200), ("new", 300)))
    budget = cachebudget.Budget(tmp_path, limit=3400)  # three copies and their sums (65 bytes each) fit

    assert budget.make_room(1500)

    assert not old.exists() and not integrity.sum_file(old).exists()
    assert not middle.exists() and new.exists()
    assert budget.used() + 1500 <= 3400


def test_copies_the_running_report_uses_are_never_evicted(tmp_path: Path) -> None:
    kept = copy(tmp_path, "kept.parquet", 1000, 100)
    other = copy(tmp_path, "other.parquet", 1000, 200)
    budget = cachebudget.Budget(tmp_path, limit=2200, keep={kept})

    assert budget.make_room(1000)
    assert kept.exists() and not other.exists()
    assert not budget.make_room(1500)  # with the kept copy, more than the budget: the source is streamed
    assert kept.exists()


def test_the_budget_is_the_configured_size_else_half_the_free_disk_at_most_4_gb(tmp_path: Path) -> None:
    import shutil

    assert cachebudget.budget_bytes(0.5, tmp_path) == 500_000_000
    free = shutil.disk_usage(tmp_path).free
    assert cachebudget.budget_bytes(None, tmp_path / "not-yet") == int(min(4e9, free * 0.5))  # the Actions cache: twice
