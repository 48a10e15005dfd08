"""Progress of a report with many pages: a live line in a terminal, one line at the end in a CI log."""

from __future__ import annotations

import io

from reportsite.build.progress import THROTTLE_S, ReportProgress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_sees_pages_done_the_rate_and_the_time_left() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = ReportProgress("product", stream, clock)
    clock.now += 2
    progress("pages", 500, 2000)
    clock.now += THROTTLE_S / 2
    progress("pages", 510, 2000)  # too soon after the last line: not written
    clock.now += 2
    progress("pages", 1000, 2000)
    lines = [line.strip() for line in stream.getvalue().split("\r") if line.strip()]
    assert lines == ["product: 500 of 2,000 pages · 250/s · 6 s left",
                     "product: 1,000 of 2,000 pages · 242/s · 4 s left"]
    progress("pages", 2000, 2000)  # the last is always written
    assert stream.getvalue().split("\r")[-1].strip() == "product: 2,000 of 2,000 pages · 485/s"
    progress.close()
    assert stream.getvalue().endswith("\r")


def test_a_ci_log_gets_nothing_live_and_one_line_at_the_end() -> None:
    clock = Clock()
    progress = ReportProgress("product", None, clock)
    assert progress.summary() is None  # a report with one page has nothing to say
    clock.now += 40
    progress("pages", 2000, 2000)
    progress.close()
    assert progress.summary() == "2,000 pages in 40.0s (50 pages/s)"
