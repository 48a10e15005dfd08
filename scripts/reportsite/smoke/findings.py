"""What smoke found: each page checked at each width, and each problem a reader would notice."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

VIEWPORTS: dict[str, tuple[int, int]] = {"desktop": (1280, 800), "phone": (390, 844)}
SITE = "site"  # the pseudo-page that site-wide problems are reported against


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one page, at one or both screen widths."""

    page: str
    message: str
    viewports: tuple[str, ...] = ()

    def __str__(self) -> str:
        """``page: message``, then the screen widths when the problem shows at only some of them."""
        widths = ", ".join(f"{v} {VIEWPORTS[v][0]} px" if v in VIEWPORTS else v for v in self.viewports)
        return f"{self.page}: {self.message}" + (f" ({widths})" if widths else "")


@dataclass
class PageCheck:
    """What one page showed at one screen width."""

    page: str
    viewport: str
    status: int | None = None
    charts: int = 0
    charts_drawn: int = 0
    metrics: int = 0
    tables: int = 0
    hovered: int = 0  # chart marks hovered by the reader checks
    tooltips: int = 0  # tooltips those hovers showed
    screenshot: Path | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class SmokeResult:
    """Every page checked and every problem found, in page order."""

    base: str
    pages: list[str]
    checks: list[PageCheck]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


__all__ = ["SITE", "VIEWPORTS", "PageCheck", "Problem", "SmokeResult"]
