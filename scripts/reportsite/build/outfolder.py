"""The build's output folder: where it may be, whether what is there is what the build wrote, and write errors.

A build replaces its output folder wholesale, so ``--out`` must never name the project, its reports,
templates, history or data (``build --out .`` once deleted the checkout), nor a folder of someone
else's files. Files carried over from the previous build are reused only if they still have the
sha256 the previous manifest recorded.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reportsite import integrity
from reportsite.build import manifest
from reportsite.build.manifest_model import Manifest
from reportsite.caches import cache_dir
from reportsite.config.project import Project
from reportsite.errors import WriteError
from reportsite.sources.kinds import resolve_url
from reportsite.sources.model import GLOB_CHARS

OWN_FOLDER = "a build replaces its output folder, so choose a folder of its own (the default is _site)"
WRITE_ERRNOS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
                errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                errno.EPERM: "permission denied", errno.ENAMETOOLONG: "a file name is too long"}


def protected_folders(project: Project) -> list[tuple[Path, str]]:
    """Folders a build must never replace or write into, with what they are."""
    root = project.root.resolve()
    found = [(root / "reports", "the reports folder"), (root / "site_src", "the site's templates"),
             (root / ".git", "the git repository"), (cache_dir(root).resolve(), "the build cache")]
    if "://" not in project.data_root:
        found.append((Path(project.data_root).resolve(), "the data_root folder"))
    for report in project.reports:
        for written in report.config.tables_by_name().values():
            url = resolve_url(written, project.data_root)
            if "://" in url:
                continue
            head = GLOB_CHARS.split(url, 1)[0]
            fixed = Path((os.path.dirname(head) if head != url else head) or "/").resolve()
            found.append((fixed, f"data read by {report.display}"))
    return found


def check_out(project: Project, out: Path) -> None:
    """Refuse an output folder the build must not replace; raise WriteError naming why."""
    target = out.resolve()
    root = project.root.resolve()
    shown = f"--out {out}"
    if target == root or root.is_relative_to(target):
        what = "the project folder" if target == root else "a folder that holds the project"
        raise WriteError(f"{shown}: is {what}; {OWN_FOLDER}")
    for folder, what in protected_folders(project):
        if target == folder or target.is_relative_to(folder) or folder.is_relative_to(target):
            relation = "is" if target == folder else ("lies inside" if target.is_relative_to(folder) else "holds")
            raise WriteError(f"{shown}: {relation} {what} ({folder}); {OWN_FOLDER}")
    if target.exists() and not target.is_dir():
        raise WriteError(f"{shown}: is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not manifest.is_own(target):
        found = "a " + manifest.MANIFEST + " that reportsite did not write" if (target / manifest.MANIFEST).is_file() \
            else "no " + manifest.MANIFEST
        raise WriteError(f"{shown}: the folder holds files and {found}, so it is not a reportsite build; a build "
                         "replaces its output folder, so choose an empty or new one")


def changed_files(out: Path, previous: Manifest | None) -> set[str]:
    """Files the previous manifest lists whose bytes in ``out`` differ from it (or that are missing)."""
    if previous is None:
        return set()
    if previous.files is None:  # no files table, or one not of the shape a build writes: all of it counts as changed
        listed = previous.json_extra.get("files")
        return {str(relative) for relative in listed} if isinstance(listed, dict) else set()
    changed = set()
    for relative, entry in previous.files.items():
        path = out / relative
        if ".." in Path(relative).parts or not path.is_file() or integrity.digest(path) != entry.sha256:
            changed.add(str(relative))
    return changed


@contextmanager
def writing(out: Path) -> Iterator[None]:
    """Turn a full disk, read-only folder or refused permission into one clear line (exit 1, not a crash)."""
    try:
        yield
    except OSError as exc:
        reason = WRITE_ERRNOS.get(exc.errno or 0)
        if reason is None:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        raise WriteError(f"cannot write the site to {out}: {reason}{where}; nothing was changed there, the "
                         "previous site (if any) is still in place") from None


__all__ = ["changed_files", "check_out", "protected_folders", "writing"]
