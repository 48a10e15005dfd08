"""The workbook writer's fast paths write what its plain paths do (xlsx_package.py): text with nothing to
escape is taken as it is, a column of one type writes what each cell would and its width is its widest value. The
package (zip_archive.py) holds each part as written, in the bytes Python's zipfile wrote, and openpyxl reads
awkward values back."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from reportsite.downloads import xlsx_package, zip_archive
from reportsite.downloads.xlsx_package import CONTROL, ESCAPE_LIKE, Sheet


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


def test_a_columns_width_of_one_type_is_its_widest_value() -> None:
    rng = random.Random(5)
    pools: list[list[Any]] = [
        [None, 0, -7, 123456, 2**63 - 1, 10**30],
        [None, 0.0, -0.0, -0.004, 9.995, 1234567.891, 1e300, -1e300, float("nan"), float("inf")],
        [None, dt.date(1900, 1, 1), dt.date(2026, 1, 5)],
        [None, dt.datetime(2026, 1, 5, 7, 30)],
        [None, "", "abc", "x" * 70],
    ]
    for _ in range(2000):
        pool = rng.choice(pools)
        values = [rng.choice(pool) for _ in range(rng.randrange(0, 6))]
        assert xlsx_package._widest(values) == max([xlsx_package._width(v) for v in values], default=0), values


def test_a_columns_cells_are_what_each_cell_writes() -> None:
    rng = random.Random(6)
    pools: list[list[Any]] = [
        [None, 0, -7, 2**63 - 1, -(2**63), 10**30],
        [None, 0.0, -0.0, 0.1, -1.5, 1e300, 5e-324, float("nan"), float("inf"), -float("inf")],
        [None, dt.date(1, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(9999, 12, 31)],
        [None, "", "a", " pad", "a\nb", "_x0041_", "a & b", "\x01", "line\r\n"],
        [None, True, 1, 2.5, "t", dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 7)],
    ]
    for _ in range(2000):
        pool, style = rng.choice(pools), rng.choice([0, 1, 7])
        values = [rng.choice(pool) for _ in range(rng.randrange(0, 8))]
        assert xlsx_package._column_cells(values, style) == [xlsx_package._cell(v, style) for v in values], values


def test_a_days_serial_is_its_midnights() -> None:
    leap = range(dt.date(1899, 12, 1).toordinal(), dt.date(1900, 4, 1).toordinal())  # every day near 1900-02-29
    for ordinal in [*range(1, dt.date.max.toordinal() + 1, 97), *leap, dt.date.max.toordinal()]:
        day = dt.date.fromordinal(ordinal)
        midnight = dt.datetime(day.year, day.month, day.day)
        assert repr(xlsx_package.serial(day)) == repr(xlsx_package.serial(midnight)), day
    assert xlsx_package.serial(dt.date(1900, 2, 28)) == 59.0 and xlsx_package.serial(dt.date(1900, 3, 1)) == 61.0


CREATED = dt.datetime(1980, 1, 1)
AWKWARD_TEXT = [None, "", " pad ", "a\nb", "line\r\nnext", "_x0041_", "x\x01y\x1f", 'a & <b> "q"', "é€🍕", "x" * 5000,
                "=1+1"]
AWKWARD = Sheet(
    "Data & <more>",
    ["text", "number", "whole", "day", "time", "mixed"],
    [
        AWKWARD_TEXT,
        [None, float("nan"), float("inf"), -float("inf"), -1.5, 0.1, 1e300, -0.0, 2.0**53, 5e-324, 3.0],
        [None, 0, -1, 2**63 - 1, -(2**63), 10**30, 7, 8, 9, 10, 11],
        [None, dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2026, 1, 5),
         dt.date(9999, 12, 31), dt.date(1970, 1, 1), dt.date(2000, 2, 29), dt.date(1999, 12, 31), dt.date(2024, 6, 30),
         dt.date(1901, 1, 1)],
        [None, dt.datetime(2026, 1, 5, 6, 30), dt.datetime(1900, 3, 1, 12), dt.datetime(2024, 2, 29, 23, 59, 59),
         dt.datetime(1999, 12, 31, 0, 0, 1), dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1, 1, 1, 1),
         dt.datetime(1970, 1, 1, 12, 30), dt.datetime(2026, 6, 1, 18), dt.datetime(2026, 6, 2, 18),
         dt.datetime(2026, 6, 3, 18)],
        [None, True, False, 1, 2.5, "t", dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 7), float("nan"), float("inf"),
         10**20],
    ],
    ["@", "General", "#,##0", "m/d/yyyy", "m/d/yyyy hh:mm:ss", "General"],
    note="The first 11 of 12 rows & <more>",
)
BARE = Sheet("Data", [], [], [])  # no header: no table, no sheet relationships


def _parts(sheet: Sheet, created: dt.datetime) -> list[tuple[str, str]]:
    """Each entry's name and text, in order, as the module's part functions write them."""
    styles, xf = xlsx_package._styles(sheet.number_formats, bool(sheet.note))
    top = 1 if sheet.note else 0
    header = xlsx_package.table_names(sheet.header)
    types = xlsx_package.CONTENT_TYPES if header else xlsx_package.CONTENT_TYPES.replace(xlsx_package.TABLE_TYPE, "")
    parts = [
        ("[Content_Types].xml", types),
        ("_rels/.rels", xlsx_package.ROOT_RELS),
        ("docProps/app.xml", xlsx_package.APP),
        ("docProps/core.xml", xlsx_package._core(created, sheet.note)),
        ("xl/workbook.xml", xlsx_package._workbook_xml(sheet.name)),
        ("xl/_rels/workbook.xml.rels", xlsx_package.WORKBOOK_RELS),
        ("xl/styles.xml", styles),
        ("xl/worksheets/sheet1.xml", xlsx_package._sheet_xml(sheet, header, xf, top)),
    ]
    if header:
        parts += [("xl/worksheets/_rels/sheet1.xml.rels", xlsx_package.SHEET_RELS),
                  ("xl/tables/table1.xml", xlsx_package._table_xml(header, top, len(sheet.columns[0])))]
    return parts


def _zipfile_package(parts: list[tuple[str, str]]) -> bytes:  # how workbook() zipped the parts before zip_archive
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as package:
        for name, text in parts:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, text)
    return buffer.getvalue()


@pytest.mark.parametrize("sheet", [AWKWARD, BARE], ids=["awkward", "bare"])
def test_the_package_holds_each_part_as_its_function_writes_it(sheet: Sheet) -> None:
    parts = _parts(sheet, CREATED)
    with zipfile.ZipFile(io.BytesIO(xlsx_package.workbook(sheet, CREATED))) as package:
        assert package.testzip() is None  # every entry's CRC-32 matches its data
        assert package.namelist() == [name for name, _ in parts]
        for info, (name, text) in zip(package.infolist(), parts, strict=True):
            assert (info.compress_type, info.date_time) == (zipfile.ZIP_DEFLATED, (1980, 1, 1, 0, 0, 0)), name
            assert package.read(info).decode() == text, name


@pytest.mark.parametrize("sheet", [AWKWARD, BARE], ids=["awkward", "bare"])
def test_the_package_has_the_bytes_zipfile_wrote(sheet: Sheet) -> None:
    created = dt.datetime(2026, 5, 1, 3, 4, 5)
    assert xlsx_package.workbook(sheet, created) == _zipfile_package(_parts(sheet, created))


def test_the_same_sheet_gives_the_same_bytes() -> None:
    first = xlsx_package.workbook(AWKWARD, CREATED)
    assert xlsx_package.workbook(AWKWARD, CREATED) == first
    zip_archive.deflate_once.cache_clear()  # deflated afresh, the parts are the bytes they were
    assert xlsx_package.workbook(AWKWARD, CREATED) == first
    columns = [list(c) for c in AWKWARD.columns]
    other = Sheet(AWKWARD.name, AWKWARD.header, columns, AWKWARD.number_formats, AWKWARD.note)
    assert xlsx_package.workbook(other, CREATED) == first  # equal rows, other lists
    columns[2][1] = 1
    assert xlsx_package.workbook(other, CREATED) != first


def test_awkward_values_read_back_with_openpyxl() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_package.workbook(AWKWARD, CREATED)))
    sheet = book.active
    assert (sheet.title, book.properties.description, sheet.freeze_panes) == (AWKWARD.name, AWKWARD.note, "A3")
    assert sheet.tables["Table1"].ref == "A2:F13"
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == [AWKWARD.note, None, None, None, None, None]
    assert [c.value for c in rows[1]] == list(AWKWARD.header)
    columns = list(zip(*[[c.value for c in row] for row in rows[2:]], strict=True))
    # openpyxl leaves Excel's _xHHHH_ escapes in the text; Excel reads them as the characters
    assert [unescape(v) if v is not None else None for v in columns[0]] == AWKWARD_TEXT
    assert all(c.data_type == "s" for row in rows[3:] for c in row[:1])  # text, never a formula ("=1+1")
    assert columns[1] == (None, None, "#DIV/0!", "#DIV/0!", -1.5, 0.1, 1e300, -0.0, 2.0**53, 5e-324, 3.0)
    assert columns[2] == tuple(AWKWARD.columns[2])
    assert columns[3] == (None, *(dt.datetime(d.year, d.month, d.day) for d in AWKWARD.columns[3][1:]))
    assert columns[4] == tuple(AWKWARD.columns[4])
    assert columns[5] == (None, True, False, 1, 2.5, "t", 46027.0, 46027 + 7 / 24, None, "#DIV/0!", 10**20)
    assert [rows[2][i].number_format for i in range(6)] == list(AWKWARD.number_formats)
    assert sheet.column_dimensions["A"].width == 60.7  # the 5,000 characters, capped


def test_an_archive_too_large_for_zip_without_zip64_is_refused() -> None:
    small = zip_archive.deflate("x")
    assert zipfile.ZipFile(io.BytesIO(zip_archive.archive([("a.xml", small)]))).read("a.xml") == b"x"
    for huge in (small._replace(size=0xFFFFFFFF), small._replace(size=1 << 40)):
        with pytest.raises(ValueError, match="too large"):
            zip_archive.archive([("a.xml", small), ("b.xml", huge)])
