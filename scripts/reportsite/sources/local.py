"""Local data sources: the Parquet and CSV files behind a path, a folder or a glob, and the files never to read."""

from __future__ import annotations

import datetime as dt
import glob
import os
from collections.abc import Iterable
from pathlib import Path

from reportsite.errors import SourceError, did_you_mean
from reportsite.sources.model import GLOB_CHARS, DataFile, data_files

MAX_LISTED = 100_000  # files looked at for one local source (a typo like '/' must not walk the whole disk)


SYSTEM_FOLDERS = ("/proc", "/sys", "/dev", "/run", "/var/run", "/etc")


def list_local(path: str, written: str, data_root: str | None = None) -> list[DataFile]:
    """The Parquet/CSV files behind a local source (one file, a folder or a glob); SourceError if none, or if one
    is not safe to read (see refuse_unsafe)."""
    if GLOB_CHARS.search(path):
        found: Iterable[str] = glob.iglob(path, recursive=True)
    elif os.path.isdir(path):
        found = (str(p) for p in Path(path).rglob("*"))
    elif os.path.exists(path):
        found = [path]
    else:
        raise SourceError(f"data source '{written}' not found: {path} does not exist{near_file(path)}")
    matches = []
    for number, candidate in enumerate(found):
        if number >= MAX_LISTED:
            raise SourceError(f"data source '{written}' holds more than {MAX_LISTED:,} files; name the folder or "
                              "glob that holds just the data")
        if os.path.isfile(candidate):
            matches.append(candidate)
    files = data_files(matches)
    if not files:
        raise SourceError(f"data source '{written}' matches no .parquet or .csv files ({path})")
    out = []
    for p in files:
        refuse_unsafe(p, written, data_root)
        st = os.stat(p)
        modified = dt.datetime.fromtimestamp(st.st_mtime, tz=dt.UTC)
        out.append(DataFile(url=os.path.abspath(p), size=st.st_size, modified=modified, tag=str(st.st_mtime_ns)))
    return out


def refuse_unsafe(path: str, written: str, data_root: str | None = None) -> None:
    """A data file must be a regular file that is not a system file or a hidden file reached through a link, and
    a file under the local ``data_root`` must still be under it once its links are followed.

    A committed symlink such as ``data/env.csv -> /proc/self/environ``, ``-> ~/.aws/credentials`` or
    ``data/sales.csv -> ~/other-project/payroll.csv`` would otherwise be read as data and published.
    """
    real = os.path.realpath(path)
    target = os.readlink(path) if os.path.islink(path) else real
    shown = f"'{path}' leads to {target}" if real != os.path.abspath(path) else f"'{path}' is"
    if any(real == root or real.startswith(root + os.sep) for root in SYSTEM_FOLDERS):
        raise SourceError(f"data source '{written}': {shown}, a system file; a data source must be a data file")
    if not os.path.isfile(real):
        raise SourceError(f"data source '{written}': {shown}, which is not a regular file")
    hidden = _hidden_parts(real) - _hidden_parts(os.path.abspath(path))
    if hidden:
        raise SourceError(f"data source '{written}': {shown}, inside the hidden folder or file "
                          f"'{sorted(hidden)[0]}'; name hidden locations in the report if they really hold data")
    if data_root and "://" not in data_root:
        refuse_outside(path, real, written, data_root)


def refuse_outside(path: str, real: str, written: str, data_root: str) -> None:
    """A file named under the data root whose links lead outside it (``real``) is refused; a place outside the
    data root is read only when the report names it itself (an absolute path)."""
    root = os.path.abspath(data_root)
    if not _inside(os.path.abspath(path), root) or _inside(real, os.path.realpath(root)):
        return
    raise SourceError(f"data source '{written}': '{path}' leads to {real}, outside the data root {root}; a data "
                      "source under the data root must be a file there (links that stay inside it are fine); name "
                      "a file elsewhere by its own path in the report")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _hidden_parts(path: str) -> set[str]:
    return {part for part in Path(path).parts if part.startswith(".") and part not in (".", "..")}


def near_file(path: str) -> str:
    """' (did you mean 'sales.parquet'?)' for a file of a similar name in the same folder."""
    folder, name = os.path.split(path)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return ""
    return did_you_mean(name, names)


__all__ = ["MAX_LISTED", "SYSTEM_FOLDERS", "list_local", "near_file", "refuse_outside", "refuse_unsafe"]
