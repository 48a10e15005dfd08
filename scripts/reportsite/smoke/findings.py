"""What smoke found: each page checked at each width, and each problem a reader would notice."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportsite.values.words import ENGLISH, N_, Words

VIEWPORTS: dict[str, tuple[int, int]] = {"desktop": (1280, 800), "phone": (390, 844)}
VIEWPORT_NAMES = {"desktop": N_("desktop"), "phone": N_("phone"), "light": N_("light"), "dark": N_("dark")}
SITE = "site"  # the pseudo-page that site-wide problems are reported against


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one page, at one or both screen widths."""

    page: str
    message: str
    viewports: tuple[str, ...] = ()
    words: Words = field(default=ENGLISH, compare=False, repr=False)

    def __str__(self) -> str:
        """``page: message``, then the screen widths (and themes) when the problem shows at only some of them."""
        def name(viewport: str) -> str:
            width, _, theme = viewport.partition(".")
            shown = self.words.gettext(VIEWPORT_NAMES.get(width, width))
            shown += f" {VIEWPORTS[width][0]} px" if width in VIEWPORTS else ""
            return shown + (f" {self.words.gettext(VIEWPORT_NAMES.get(theme, theme))}" if theme else "")

        widths = ", ".join(name(v) for v in self.viewports)
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
    dark_problems: list[str] = field(default_factory=list)  # found in the dark colour scheme (accessibility)


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
