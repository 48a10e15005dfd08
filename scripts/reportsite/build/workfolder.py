"""The folder a build assembles the new site in, beside its output, and what builds that died left there.

A build stages into ``.<out>.staging-<pid>`` and, while swapping, moves the old site to ``.<out>.old-<pid>``.
From before it makes the staging folder until after it removed it, it holds ``.<out>.build-<pid>.lock`` with
``fcntl.flock``; the kernel drops that lock when the process ends, however it ends (a killed job, a closed
laptop's OOM kill). So the next build tells a folder whose build still runs (its lock is held: kept) from
one a dead build left behind (nobody holds its lock: removed), and two builds running at once never delete
each other's folders.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Log = Callable[[str], None]


def staging_path(out: Path, pid: int) -> Path:
    return out.parent / f".{out.name}.staging-{pid}"


def old_path(out: Path, pid: int) -> Path:
    return out.parent / f".{out.name}.old-{pid}"


def lock_path(out: Path, pid: int) -> Path:
    return out.parent / f".{out.name}.build-{pid}.lock"


@contextmanager
def held(out: Path) -> Iterator[Path]:
    """Hold this build's lock and yield its new, empty staging folder; remove both afterwards."""
    out.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    lock = lock_path(out, pid)
    handle = _hold(lock)
    staging = staging_path(out, pid)
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        lock.unlink(missing_ok=True)
        os.close(handle)


def _hold(lock: Path) -> int:
    """Open and lock ``lock``; again if a sweep removed the file between the open and the lock."""
    while True:
        handle = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(handle, fcntl.LOCK_EX)  # only another thread of this process could hold it: wait for it
        if _same_file(lock, handle):
            return handle
        os.close(handle)


def _same_file(path: Path, handle: int) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(handle).st_ino
    except FileNotFoundError:
        return False


def sweep(out: Path, log: Log) -> None:
    """Remove the staging folders and lock files of builds of ``out`` that no longer run. The previous site such a
    build had moved aside goes back in place if ``out`` is missing (it stopped between its two renames), else it
    is removed too."""
    pattern = re.compile(re.escape(f".{out.name}.") + r"(?:staging|old|build)-(\d+)(?:\.lock)?")
    try:
        names = os.listdir(out.parent)
    except OSError:
        return
    pids = sorted({int(found.group(1)) for name in names if (found := pattern.fullmatch(name))})
    for pid in pids:
        with _claimed(lock_path(out, pid), pid) as dead:
            if not dead:
                continue
            aside = old_path(out, pid)
            if _folder(aside) and not out.exists():  # stopped between its two renames: the previous site
                aside.rename(out)
                log(f"note: put back {out.name} from {aside.name}, where a build that stopped before it finished "
                    "had moved it")
            for folder in (staging_path(out, pid), aside):
                if _folder(folder):
                    shutil.rmtree(folder, ignore_errors=True)
                    log(f"note: removed {folder.name}, left beside {out.name} by a build that stopped before it "
                        "finished")
            lock_path(out, pid).unlink(missing_ok=True)


def _folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


@contextmanager
def _claimed(lock: Path, pid: int) -> Iterator[bool]:
    """True (holding the lock meanwhile) when no running build holds ``lock``. Without a lock file (a build of an
    older reportsite), its process id tells: a process that still runs keeps its folders."""
    try:
        handle = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        yield not _running(pid)
        return
    except OSError:  # another user's build: not ours to judge
        yield False
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False  # its build is running
            return
        yield _same_file(lock, handle)  # else another sweep removed it meanwhile
    finally:
        os.close(handle)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


__all__ = ["held", "lock_path", "old_path", "staging_path", "sweep"]
