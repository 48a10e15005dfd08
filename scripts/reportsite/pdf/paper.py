"""Paper sizes and the page box the PDFs and the print checks lay pages out in.

The margins are the ones of site.css's ``@page`` rule, so a page printed from a browser and a PDF of the build
break alike. A page is laid out at the width between the margins, in CSS pixels (96 to the inch), which is
the width its charts are drawn at.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4
PX_PER_INCH = 96
PT_PER_INCH = 72
MARGIN_SIDE_MM = 12.0  # site.css: @page { margin: 14mm 12mm; }
MARGIN_TOP_MM = 14.0
# Locales whose countries use US Letter (the rest of the world uses A4).
LETTER_REGIONS = {"US", "CA", "MX", "PH", "CL", "CO", "VE", "PR", "GT", "CR", "PA", "DO", "SV", "NI", "HN"}


@dataclass(frozen=True)
class Paper:
    name: str  # A4 | Letter: Playwright's format names
    width_mm: float
    height_mm: float

    @property
    def content_width_px(self) -> int:
        """The width between the side margins in CSS pixels: where the page is laid out and charts drawn."""
        return int((self.width_mm - 2 * MARGIN_SIDE_MM) / MM_PER_INCH * PX_PER_INCH)

    @property
    def content_height_px(self) -> int:
        return int((self.height_mm - 2 * MARGIN_TOP_MM) / MM_PER_INCH * PX_PER_INCH)

    @property
    def points(self) -> tuple[float, float]:
        """Width and height in PDF points (what a PDF reader reports as the page's size)."""
        return (self.width_mm / MM_PER_INCH * PT_PER_INCH, self.height_mm / MM_PER_INCH * PT_PER_INCH)

    @property
    def margins(self) -> dict[str, str]:
        side, top = f"{MARGIN_SIDE_MM:g}mm", f"{MARGIN_TOP_MM:g}mm"
        return {"top": top, "bottom": top, "left": side, "right": side}


A4 = Paper("A4", 210.0, 297.0)
LETTER = Paper("Letter", 215.9, 279.4)
PAPERS = {"a4": A4, "letter": LETTER}


def paper_for(setting: str, locale: str) -> Paper:
    """site.yaml's ``pdf.paper``: a4, letter, or auto (Letter where the locale's country uses it, else A4)."""
    if setting in PAPERS:
        return PAPERS[setting]
    region = locale.replace("_", "-").split("-")[-1].upper() if "-" in locale or "_" in locale else ""
    return LETTER if region in LETTER_REGIONS else A4


__all__ = ["A4", "LETTER", "PAPERS", "Paper", "paper_for"]
