"""Recorded sha256 sums for what a build reuses: cached tools, S3 column copies, carried site files.

Whatever the build writes to ``.cache/reportsite`` (the Vega bundle, the compiled CSS, local copies of
S3 data) gets a ``<file>.sha256`` beside it. Before a later build reuses the file, its bytes are hashed
again: a file changed since (by a bug, a full disk, or anything that could write there) is rebuilt or
fetched again, and the build says so, instead of being published or queried.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SUFFIX = ".sha256"


def digest(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def sum_file(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def record(path: Path) -> str:
    """Hash ``path`` and keep the sum beside it (written atomically); returns the sum."""
    value = digest(path)
    recorded = sum_file(path)
    tmp = recorded.with_name(f"{recorded.name}.{os.getpid()}.tmp")
    tmp.write_text(value + "\n", encoding="ascii")
    tmp.replace(recorded)
    return value


def recorded(path: Path) -> str | None:
    """The sum recorded for ``path``, or None when there is none."""
    try:
        return sum_file(path).read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def intact(path: Path) -> bool:
    """True when ``path`` exists and its bytes still have the recorded sum."""
    expected = recorded(path)
    if expected is None or not path.is_file():
        return False
    return digest(path) == expected


def discard(path: Path) -> None:
    """Remove a file and its recorded sum."""
    path.unlink(missing_ok=True)
    sum_file(path).unlink(missing_ok=True)


def reusable(path: Path, what: str, notes: list[str] | None) -> bool:
    """Whether a cached file can be reused: absent → False (make it); changed since → discarded, noted, False."""
    if not path.exists():
        return False
    if intact(path):
        return True
    known = recorded(path) is not None  # a copy from before sums were kept is simply made again
    discard(path)
    if notes is not None and known:
        notes.append(f"{what} in the cache ({path}) did not match its recorded sha256; made it again")
    return False


__all__ = ["digest", "discard", "intact", "record", "recorded", "reusable"]
