"""make test's schedule: the files it starts first exist (a renamed one would silently lose its place)."""

from __future__ import annotations

from tests.conftest import LONGEST_FIRST, REPO


def test_the_longest_files_named_first_exist_once() -> None:
    assert [path for path in LONGEST_FIRST if not (REPO / path).is_file()] == []
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
