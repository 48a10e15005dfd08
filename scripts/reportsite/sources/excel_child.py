"""The child process that parses one workbook sheet under a memory and CPU-time limit (see ``excel``):
``python -m reportsite.sources.excel_child WORKBOOK WRITTEN SHEET OUT FAILURE [HEADER_ROW]``.

The Excel reader (calamine) sizes its memory by what the workbook says; a hostile or damaged file can make
it ask for hundreds of gigabytes and abort the process. Here that ends only this child: its address space
and CPU time are capped (``resource``) before anything is read, it sees none of the build's environment
(no passwords, no AWS keys), and it hands the sheet back as an Arrow IPC file at OUT, or a SourceError's
message at FAILURE.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

from reportsite.errors import SourceError
from reportsite.sources.excel import read_sheet


def bound(memory: int, seconds: int) -> None:
    """Cap this process (called first thing in the child)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file


def main(argv: list[str]) -> int:
    path, written, sheet, out, failure = argv[:5]
    header_row = int(argv[5]) if len(argv) > 5 and argv[5] else None
    memory, seconds = int(os.environ["REPORTSITE_CHILD_MEMORY"]), int(os.environ["REPORTSITE_CHILD_SECONDS"])
    bound(memory, seconds)  # before the reader (polars, fastexcel) is imported: read_sheet imports it
    try:
        frame = read_sheet(path, written, sheet or None, header_row)
        frame.write_ipc(out, compression="uncompressed")
    except SourceError as exc:
        Path(failure).write_text(json.dumps({"error": str(exc.problems[0].message)}), encoding="utf-8")
        return 1
    except MemoryError:
        Path(failure).write_text(json.dumps({"error": "memory"}), encoding="utf-8")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
