"""Progress of a report with many pages or choices: pages filled and written, the rate, the time left.

In a terminal one line is rewritten as the work goes (``product: 1,240 of 2,000 pages · 310 pages/s · 3 s
left``); in a CI log, where a rewritten line becomes hundreds of lines, nothing is printed until the report is
done and then one line says what it took.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

THROTTLE_S = 0.25  # the terminal line is rewritten at most this often


class ReportProgress:
    """Progress of one report's run: called with (what, done, total) by its stages (see ``pages.context``)."""

    def __init__(self, slug: str, stream: TextIO | None, clock: Callable[[], float] = time.perf_counter) -> None:
        self.slug, self.stream, self.clock = slug, stream, clock
        self.started = clock()
        self.shown = 0.0
        self.last: tuple[str, int, int] | None = None
        self.width = 0

    def __call__(self, what: str, done: int, total: int) -> None:
        self.last = (what, done, total)
        now = self.clock()
        if self.stream is None or (now - self.shown < THROTTLE_S and done < total):
            return
        self.shown = now
        line = f"  {self.slug}: {done:,} of {total:,} {what}{self._pace(done, total, now)}"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def summary(self) -> str | None:
        """'2,000 pages in 41.2 s (49 pages/s)': the line a log gets once the report is done."""
        if self.last is None:
            return None
        what, _, total = self.last
        seconds = self.clock() - self.started
        return f"{total:,} {what} in {seconds:.1f}s ({total / max(seconds, 1e-9):,.0f} {what}/s)"

    def close(self) -> None:
        if self.stream is not None and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()

    def _pace(self, done: int, total: int, now: float) -> str:
        seconds = now - self.started
        if not done or seconds <= 0:
            return ""
        rate = done / seconds
        left = (total - done) / rate if rate else 0
        return f" · {rate:,.0f}/s · {left:,.0f} s left" if done < total else f" · {rate:,.0f}/s"


ProgressFactory = Callable[[str], ReportProgress]  # a report's slug → its progress


def progress_for(stream: TextIO | None) -> ProgressFactory:
    """Progress written live to ``stream`` (a terminal), or kept for one line at the end (None: CI, a file)."""
    return lambda slug: ReportProgress(slug, stream)


QUIET = progress_for(None)  # nothing live: the build's log gets one line per report

__all__ = ["QUIET", "ProgressFactory", "ReportProgress", "progress_for"]
