"""A workbook's container checked before any cell is parsed: a few kilobytes must not stop the build.

An .xlsx is a zip of XML parts. The Excel reader (calamine, through fastexcel) trusts what the parts say
and sizes its memory by it: a 1.9 KB workbook whose cells reach A1 and XFD1048576 asks for 512 GiB and
aborts the process, a ``uniqueCount="4000000000"`` in the shared strings does the same, and a 1.5 MB zip
that inflates to 4.9 GB runs for minutes. Before the sheet is read this module reads only the zip's
directory and the first bytes of two parts, and refuses, with the reason:

- more than ``MAX_PARTS`` parts, more than ``MAX_UNCOMPRESSED`` bytes once inflated, or a part that inflates
  more than ``MAX_RATIO`` times (real sheets inflate 5–30 times; a zip bomb a thousand);
- a sheet whose declared range (``<dimension ref="A1:XFD1048576"/>``) holds more than ``MAX_CELLS`` cells;
- shared strings that claim more strings than ``MAX_STRINGS`` or than their part has bytes for.

What the parts do not declare is bounded by ``excel_child``: the sheet is parsed in a child process with a
memory and CPU-time limit.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

MAX_PARTS = 10_000
MAX_UNCOMPRESSED = 2 * 1024**3  # 2 GiB of XML: about 10 million cells
MAX_RATIO = 400
RATIO_FROM = 16 * 1024**2  # smaller parts may inflate as much as they like
MAX_CELLS = 50_000_000
MAX_STRINGS = 20_000_000
HEAD = 64 * 1024
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_UNIQUE = re.compile(rb'\buniqueCount="(\d+)"')


@dataclass(frozen=True)
class Refused:
    """Why a workbook is not parsed, as the end of a sentence that starts with the source's name."""

    reason: str


def column_number(letters: str) -> int:
    """'A' → 1, 'XFD' → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def check(path: str) -> Refused | None:
    """The reason ``path`` must not be parsed, or None; a file that is not a zip is left to the reader."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return None  # the reader says what is wrong with it


def _check_archive(archive: zipfile.ZipFile) -> Refused | None:
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        return Refused(f"holds {len(parts):,} parts (a workbook has a few dozen; at most {MAX_PARTS:,})")
    total = sum(p.file_size for p in parts)
    if total > MAX_UNCOMPRESSED:
        return Refused(f"inflates to {_size(total)} (at most {_size(MAX_UNCOMPRESSED)}); it is a zip bomb or far "
                       "too large to read: export the data as Parquet or CSV")
    for part in parts:
        if part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            times = part.file_size // max(part.compress_size, 1)
            return Refused(f"has a part ({part.filename}) that inflates {times:,} times, to {_size(part.file_size)} "
                           "(real workbooks: under 30 times); it looks like a zip bomb")
    for part in parts:
        name = part.filename.lower()
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            refused = _dimension(archive, part)
        elif name == "xl/sharedstrings.xml":
            refused = _shared_strings(archive, part)
        else:
            continue
        if refused:
            return refused
    return None


def _head(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bytes:
    with archive.open(part) as handle:
        return handle.read(HEAD)


def _dimension(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> Refused | None:
    found = _DIMENSION.search(_head(archive, part))
    if not found or not found.group(3):
        return None
    first_col, first_row = column_number((found.group(1) or b"A").decode()), int(found.group(2) or 1)
    last_col, last_row = column_number(found.group(3).decode()), int(found.group(4))
    cells = max(last_row - first_row + 1, 1) * max(last_col - first_col + 1, 1)
    if cells <= MAX_CELLS:
        return None
    sheet = part.filename.rsplit("/", 1)[-1].removesuffix(".xml")
    span = f"{(found.group(1) or b'A').decode()}{first_row}:{found.group(3).decode()}{last_row}"
    return Refused(f"declares {sheet}'s used range as {span}, {cells:,} cells (at most {MAX_CELLS:,}); a cell far "
                   "beyond the data stretches it: in Excel, delete the empty rows and columns after the data "
                   "(Ctrl+End shows the last cell) and save again")


def _shared_strings(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> Refused | None:
    head = _head(archive, part)
    start = head.find(b"<sst")
    end = head.find(b">", start)
    if start < 0 or end < 0:
        return None
    found = _UNIQUE.search(head[start:end])  # count="…" counts the cells that use them: it may be large
    claimed = int(found.group(1)) if found else 0
    room = part.file_size // 7 + 1  # every string takes at least <si/> and a little more
    if claimed <= min(MAX_STRINGS, room):
        return None
    return Refused(f"claims {claimed:,} shared strings in {_size(part.file_size)} (at most {MAX_STRINGS:,}, and no "
                   "more than its bytes can hold); the file is damaged or made to exhaust the reader: open it in "
                   "Excel and save it again")


def _size(count: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


__all__ = ["MAX_CELLS", "MAX_RATIO", "MAX_STRINGS", "MAX_UNCOMPRESSED", "Refused", "check", "column_number"]
