"""How dates read in charts, per locale: CLDR patterns (Babel) turned into d3-time-format strings.

"Jan 5, 2026" in en-US, "5. Jan. 2026" in de-DE, "5 janv. 2026" in fr-CH; month and day names come
from the same locale (``time_format_locale``), so axis labels and tooltips read as the reader writes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

CLDR_TO_D3 = [("yyyy", "%Y"), ("y", "%Y"), ("MMMM", "%B"), ("MMM", "%b"), ("LLLL", "%B"), ("LLL", "%b"),
              ("MM", "%m"), ("M", "%-m"), ("L", "%-m"), ("dd", "%d"), ("d", "%-d"), ("HH", "%H"), ("H", "%-H"),
              ("hh", "%I"), ("h", "%-I"), ("K", "%-I"), ("mm", "%M"), ("ss", "%S"), ("a", "%p"), ("EEEE", "%A"),
              ("EEE", "%a"), ("QQQ", "Q%q")]


@dataclass(frozen=True)
class DatePatterns:
    """d3-time-format strings for one locale."""

    day: str  # Jan 5
    month: str  # Jan
    year: str  # 2026
    clock: str  # 14:00 or 2:00 PM
    clock_seconds: str
    full_day: str  # Jan 5, 2026
    full_month: str  # January 2026
    full_time: str  # Jan 5, 2026, 14:00
    full_seconds: str
    quarter: str  # Q1 2026


def to_d3(pattern: str) -> str:
    """A CLDR date pattern ('MMM d, y') as a d3-time-format string ('%b %-d, %Y'); quoted text kept."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "'":
            end = pattern.find("'", index + 1)
            end = len(pattern) if end < 0 else end
            out.append(pattern[index + 1:end].replace("%", "%%") or "'")
            index = end + 1
            continue
        for cldr, d3 in CLDR_TO_D3:
            if pattern.startswith(cldr, index) and not (index + len(cldr) < len(pattern)
                                                        and pattern[index + len(cldr)] == cldr[0]):
                out.append(d3)
                index += len(cldr)
                break
        else:
            out.append("%%" if char == "%" else char)
            index += 1
    return "".join(out).replace("\u202f", " ")


@functools.cache
def patterns(locale: str) -> DatePatterns:
    from babel import Locale

    loc = Locale.parse(locale.replace("-", "_"))
    skeletons = loc.datetime_skeletons

    def skeleton(name: str, fallback: str) -> str:
        found = skeletons.get(name)
        return to_d3(found.pattern if found is not None and hasattr(found, "pattern") else fallback)

    twelve_hours = "a" in loc.time_formats["short"].pattern
    clock = skeleton("hm", "h:mm a") if twelve_hours else skeleton("Hm", "HH:mm")
    clock_seconds = skeleton("hms", "h:mm:ss a") if twelve_hours else skeleton("Hms", "HH:mm:ss")
    joiner = str(loc.datetime_formats.get("medium", "{1}, {0}"))
    full_day = skeleton("yMMMd", "MMM d, y")
    return DatePatterns(
        day=skeleton("MMMd", "MMM d"), month=skeleton("LLL", "LLL"), year=skeleton("y", "y"), clock=clock,
        clock_seconds=clock_seconds, full_day=full_day, full_month=skeleton("yMMMM", "MMMM y"),
        full_time=joiner.replace("{1}", full_day).replace("{0}", clock),
        full_seconds=joiner.replace("{1}", full_day).replace("{0}", clock_seconds),
        quarter=re.sub(r"\s+", " ", skeleton("yQQQ", "QQQ y")))


@functools.cache
def time_format_locale(locale: str) -> dict[str, Any]:
    """d3-time-format locale definition (names of months, days, am/pm) for vega-embed, from CLDR."""
    from babel import Locale

    loc = Locale.parse(locale.replace("-", "_"))
    months, days = loc.months, loc.days
    wide_months = months.get("stand-alone", months["format"]).get("wide") or months["format"]["wide"]
    short_months = months.get("stand-alone", months["format"]).get("abbreviated") or months["format"]["abbreviated"]
    wide_days, short_days = days["format"]["wide"], days["format"]["abbreviated"]
    periods = loc.periods.get("abbreviated", loc.periods) if hasattr(loc.periods, "get") else {}
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday, d3 from Sunday
    chosen = patterns(locale)
    return {
        "dateTime": chosen.full_time, "date": chosen.full_day, "time": chosen.clock,
        "periods": [str(periods.get("am", "AM")), str(periods.get("pm", "PM"))],
        "days": [str(wide_days[i]) for i in sunday_first], "shortDays": [str(short_days[i]) for i in sunday_first],
        "months": [str(wide_months[i]) for i in range(1, 13)],
        "shortMonths": [str(short_months[i]).rstrip(".") for i in range(1, 13)],
    }


__all__ = ["DatePatterns", "patterns", "time_format_locale", "to_d3"]
