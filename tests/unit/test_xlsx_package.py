"""The workbook writer's fast paths write what its plain paths do (xlsx_package.py): text with nothing to
escape is taken as it is, and a text column's width is its longest value."""

from __future__ import annotations

import datetime as dt
import random
from xml.sax.saxutils import escape

from reportsite.downloads import xlsx_package
from reportsite.downloads.xlsx_package import CONTROL, ESCAPE_LIKE


def _plain_text(value: str) -> str:  # the escaping every string went through before the fast path
    text = ESCAPE_LIKE.sub(r"_x005F_x\1_", escape(value)).replace("\r", "&#13;")
    return CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def test_text_written_the_fast_way_is_what_escaping_writes() -> None:
    rng = random.Random(3)
    alphabet = list("abcXYZ _x05F9&<>\"'\r\n\t\x00\x01\x0b\x1f\ufffe\uffffé€🍕")
    samples = ["", "Region 1", "_x0041_", "_x005F_x0041_", "a & b", "<b>", "line\r\nnext", "\x07bell"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for _ in range(5000)]
    for text in samples:
        assert xlsx_package._text(text) == _plain_text(text), repr(text)


def test_a_columns_width_is_its_widest_value() -> None:
    rng = random.Random(4)
    pool = [None, "", "abc", "x" * 70, 12, 1234567.891, -0.5, dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 7), True]
    for _ in range(2000):
        values = [rng.choice(pool) for _ in range(rng.randrange(0, 6))]
        if rng.random() < 0.5:
            values = [v for v in values if v is None or isinstance(v, str)]
        assert xlsx_package._widest(values) == max([xlsx_package._width(v) for v in values], default=0), values
    assert xlsx_package._widest(["a", None, "abcd"]) == 4
