"""What a build read from S3 and from its column cache, for the build summary.

Every pyarrow read of S3 that the build starts from Python (column copies for the cache, schemas, footers) goes
through ``counting(fs)``, a filesystem that wraps S3's and tallies the bytes; ``s3fetch`` adds the copies it
reuses from the cache, and ``cachebudget`` the copies it evicts and the names of the sources it streams. What a
streamed source reads at query time is not counted (``s3stream`` says why).
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_tally: dict[str, int] = {}
_streamed: list[str] = []
KEYS = ("s3_bytes", "cache_reused_bytes", "cache_fetched_bytes", "cache_evicted_bytes", "downloaded_bytes")


def reset() -> None:
    """Start a new build's tally."""
    with _lock:
        _tally.clear()
        _tally.update(dict.fromkeys(KEYS, 0))
        _streamed.clear()


def add(nbytes: int, key: str = "s3_bytes") -> None:
    with _lock:
        _tally[key] = _tally.get(key, 0) + nbytes


def streamed(url: str) -> None:
    """``url`` was read from S3 at query time (it did not fit in the cache budget)."""
    with _lock:
        if url not in _streamed:
            _streamed.append(url)


def bytes_read() -> int:
    """Bytes read from S3 by pyarrow (and whole CSV downloads) since the last ``reset``."""
    return _tally.get("s3_bytes", 0) + _tally.get("downloaded_bytes", 0)


def snapshot() -> dict[str, object]:
    """The tally so far: bytes by kind (see KEYS), plus the S3 sources streamed at query time."""
    with _lock:
        return {**dict.fromkeys(KEYS, 0), **_tally, "streamed_sources": list(_streamed)}


reset()


class _CountingFile:
    """A file-like view of a pyarrow random-access file that counts the bytes read through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.closed = False

    def read(self, nbytes: int = -1) -> bytes:
        data = self.inner.read() if nbytes is None or nbytes < 0 else self.inner.read(nbytes)
        add(len(data))
        return bytes(data) if not isinstance(data, bytes) else data

    def read_at(self, nbytes: int, offset: int) -> bytes:
        data = self.inner.read_at(nbytes, offset)
        add(len(data))
        return data.to_pybytes() if hasattr(data, "to_pybytes") else data

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self.inner.seek(offset, whence))

    def tell(self) -> int:
        return int(self.inner.tell())

    def size(self) -> int:
        return int(self.inner.size())

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self.inner.close()


def counting(fs: Any) -> Any:
    """``fs`` (a pyarrow filesystem) with every byte read through it counted by ``bytes_read``."""
    from pyarrow import PythonFile
    from pyarrow.fs import FileSystemHandler, PyFileSystem

    class Handler(FileSystemHandler):  # type: ignore[misc]
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Handler) and self.inner.equals(other.inner)

        def __ne__(self, other: object) -> bool:
            return not self == other

        def get_type_name(self) -> str:
            return f"counting+{self.inner.type_name}"

        def normalize_path(self, path: str) -> str:
            return str(self.inner.normalize_path(path))

        def get_file_info(self, paths: list[str]) -> Any:
            return self.inner.get_file_info(paths)

        def get_file_info_selector(self, selector: Any) -> Any:
            return self.inner.get_file_info(selector)

        def open_input_file(self, path: str) -> Any:
            return PythonFile(_CountingFile(self.inner.open_input_file(path)), mode="r")

        def open_input_stream(self, path: str) -> Any:
            return PythonFile(_CountingFile(self.inner.open_input_file(path)), mode="r")

        def _read_only(self, *args: Any) -> Any:
            raise OSError("the S3 data filesystem is read-only")

        create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = delete_file = _read_only
        move = copy_file = open_output_stream = open_append_stream = _read_only

    return PyFileSystem(Handler(fs))


__all__ = ["add", "bytes_read", "counting", "reset", "snapshot", "streamed"]
