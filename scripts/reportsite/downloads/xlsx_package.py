"""A one-sheet .xlsx workbook written straight from its cells: the package parts of Office Open XML (ECMA-376).

A family of 2,000 pages writes three workbooks a page. Through a general-purpose writer each cost about 5-30 ms,
mostly fixed work (a dozen XML parts built through an object model, then zipped); here the parts that never
change are constant text, the sheet is one string join, and the ZIP container comes from a small writer of its
own (``zip_archive``), which deflates a part that repeats only once per process, so a small workbook costs a
fraction of a millisecond. What it writes is what the Excel downloads need and no more: one sheet of typed cells
(numbers, text as inline strings, which can never be formulas or links, dates as serial numbers, booleans,
errors), one number format per column, a frozen header row that is an Excel table (filterable, banded), an
optional bold note above it, column widths fitted to the values, and the document properties (a fixed creation
date, so the same rows give the same bytes). The tests read every workbook back with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportsite.downloads.zip_archive import archive, deflate, deflate_once

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ESCAPE_LIKE = re.compile(r"_x([0-9A-Fa-f]{4})_")
NEEDS_WORK = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")  # what _text changes
EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug folded in after 1900-03-01)
EPOCH_DAY = EPOCH.toordinal()
MARCH_1900 = 61  # days from day 0 to 1900-03-01
MAX_WIDTH = 60
NOTE_COLOR = "FF9A3412"
BUILT_IN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument"
CONTENT_TYPES = (
    f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{TYPE}.extended-properties+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{TYPE}.spreadsheetml.styles+xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPE}.spreadsheetml.worksheet+xml"/>'
    f'<Override PartName="/xl/tables/table1.xml" ContentType="{TYPE}.spreadsheetml.table+xml"/></Types>'
)
TABLE_TYPE = f'<Override PartName="/xl/tables/table1.xml" ContentType="{TYPE}.spreadsheetml.table+xml"/>'
ROOT_RELS = (
    f'{XML}<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{DOC}/extended-properties" Target="docProps/app.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    f'{XML}<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC}/styles" Target="styles.xml"/></Relationships>'
)
SHEET_RELS = (f'{XML}<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/table" '
              'Target="../tables/table1.xml"/></Relationships>')
APP = (f'{XML}<Properties xmlns="{TYPE}.extended-properties"><Application>reportsite</Application>'
       '<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop></Properties>')


@dataclass(frozen=True)
class Sheet:
    """What one workbook holds: the header, the rows (Python values), each column's number format, a note."""

    name: str
    header: Sequence[str]
    columns: Sequence[Sequence[Any]]  # each column's values, top to bottom
    number_formats: Sequence[str]
    note: str | None = None
    fit: bool = True  # columns fitted to their widest value (a large sheet keeps the default width)


def workbook(sheet: Sheet, created: dt.datetime) -> bytes:
    """The .xlsx file's bytes."""
    styles, xf = _styles(sheet.number_formats, bool(sheet.note))
    top = 1 if sheet.note else 0
    header = table_names(sheet.header)
    body = _sheet_xml(sheet, header, xf, top)
    once = deflate_once  # every part but the sheet is usually one an earlier workbook had: deflated once per process
    entries = [
        ("[Content_Types].xml", once(CONTENT_TYPES if header else CONTENT_TYPES.replace(TABLE_TYPE, ""))),
        ("_rels/.rels", once(ROOT_RELS)),
        ("docProps/app.xml", once(APP)),
        ("docProps/core.xml", once(_core(created, sheet.note))),
        ("xl/workbook.xml", once(_workbook_xml(sheet.name))),
        ("xl/_rels/workbook.xml.rels", once(WORKBOOK_RELS)),
        ("xl/styles.xml", once(styles)),
        ("xl/worksheets/sheet1.xml", deflate(body)),
    ]
    if header:
        entries += [("xl/worksheets/_rels/sheet1.xml.rels", once(SHEET_RELS)),
                    ("xl/tables/table1.xml", once(_table_xml(header, top, _height(sheet))))]
    return archive(entries)


def column_letter(index: int) -> str:
    """Excel's name of the 0-based column ``index``: 0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def serial(value: dt.date | dt.datetime) -> float:
    """Excel's serial number of a date or a (naive) date and time."""
    if type(value) is dt.date:  # a whole day: whole days from day 0, as a float like the general case
        whole = value.toordinal() - EPOCH_DAY
        return float(whole if whole >= MARCH_1900 else whole - 1)
    moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    delta = moment - EPOCH
    days = delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return days if moment >= dt.datetime(1900, 3, 1) else days - 1


def _styles(number_formats: Sequence[str], note: bool) -> tuple[str, list[int]]:
    """styles.xml, and the cell style (``s``) of each column; style 1 is the note's bold, when there is one."""
    custom: dict[str, int] = {}
    for shape in number_formats:
        if shape not in BUILT_IN_FORMATS and shape not in custom:
            custom[shape] = 164 + len(custom)
    ids = [BUILT_IN_FORMATS.get(shape, custom.get(shape, 0)) for shape in number_formats]
    distinct = list(dict.fromkeys(ids))
    first = 2 if note else 1
    xf = [first + distinct.index(i) for i in ids]
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
    if note:
        xfs.append('<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>')
    xfs += [f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            for i in distinct]
    formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(shape, {chr(34): "&quot;"})}"/>'
                      for shape, i in custom.items())
    text = (
        f'{XML}<styleSheet xmlns="{MAIN}">'
        + (f'<numFmts count="{len(custom)}">{formats}</numFmts>' if custom else "")
        + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        f'<font><b/><sz val="11"/><color rgb="{NOTE_COLOR}"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    )
    return text, xf


def _text(value: str) -> str:
    """Text for an XML element: the characters XML 1.0 cannot hold written as Excel's ``_xHHHH_`` escapes, and
    text that looks like one escaped itself (``_x005F_``), so every string reads back as it was."""
    if not NEEDS_WORK.search(value):
        return value  # most text: nothing to escape
    text = ESCAPE_LIKE.sub(r"_x005F_x\1_", escape(value)).replace("\r", "&#13;")  # XML would read a CR as LF
    if CONTROL.search(text):
        text = CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text


def _cell(value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return f"<c{s}/>"
    if isinstance(value, bool):
        return f'<c{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return f"<c{s}/>"
        if math.isinf(number):
            return f'<c{s} t="e"><v>#DIV/0!</v></c>'
        return f"<c{s}><v>{value if isinstance(value, int) else repr(number)}</v></c>"
    if isinstance(value, dt.date):
        return f"<c{s}><v>{serial(value)!r}</v></c>"
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c{s} t="inlineStr"><is><t{space}>{_text(text)}</t></is></c>'


def _column_cells(values: Sequence[Any], style: int) -> list[str]:
    """One column's cells (a cell's place is the next in its row: no references needed), whole numbers, finite
    floats, days and plain text the fast way (as ``_cell`` writes them)."""
    s = f' s="{style}"' if style else ""
    empty = f"<c{s}/>"
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int}:
        return [empty if v is None else f"<c{s}><v>{v}</v></c>" for v in values]
    if kinds <= {float}:
        return [empty if v is None else f"<c{s}><v>{v!r}</v></c>" if math.isfinite(v) else _cell(v, style)
                for v in values]
    if kinds <= {dt.date}:
        return [empty if v is None else f"<c{s}><v>{serial(v)!r}</v></c>" for v in values]
    if kinds <= {str}:  # each distinct text written once (a column repeats its names, regions, categories)
        written = {v: f'<c{s} t="inlineStr"><is><t>{_text(v)}</t></is></c>' if v == v.strip() and "\n" not in v
                   else _cell(v, style) for v in set(values) if v is not None}
        return [empty if v is None else written[v] for v in values]
    return [_cell(v, style) for v in values]


def _height(sheet: Sheet) -> int:
    return len(sheet.columns[0]) if sheet.columns else 0


def _width(value: Any) -> int:
    """Characters a value shows (a rough fit: Excel measures the rendered text)."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        return min(len(f"{value:,.2f}"), 20)
    return len(str(value))


def _widest(values: Sequence[Any]) -> int:
    """The widest of a column's values (``_width``), columns of one common type the fast way."""
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {str}:
        return max((len(v) for v in values if v is not None), default=0)
    if kinds == {int}:
        return max(len(str(v)) for v in values if v is not None)
    if kinds == {float}:  # the cap once: the widest of capped widths is the capped widest
        return min(max(len(f"{v:,.2f}") for v in values if v is not None), 20)
    if kinds == {dt.date}:
        return 10
    if kinds == {dt.datetime}:
        return 16
    return max((_width(v) for v in values), default=0)


def table_names(header: Sequence[str]) -> list[str]:
    """The header as an Excel table's column names: unique (ignoring case) and non-empty."""
    names: list[str] = []
    for index, name in enumerate(header):
        base = name.strip() or f"Column{index + 1}"
        unique, suffix = base, 2
        while unique.lower() in (n.lower() for n in names):
            unique, suffix = f"{base}{suffix}", suffix + 1
        names.append(unique)
    return names


def _sheet_xml(sheet: Sheet, header: list[str], xf: list[int], top: int) -> str:
    letters = [column_letter(i) for i in range(len(header))]
    rows = []
    if sheet.note:
        rows.append(f'<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>{_text(sheet.note)}</t></is></c></row>')
    head = top + 1
    if header:
        rows.append(f'<row r="{head}">' + "".join(_cell(name, 0) for name in header) + "</row>")
    cells = [_column_cells(values, style) for values, style in zip(sheet.columns, xf, strict=True)]
    rows += [f'<row r="{number}">{"".join(row)}</row>'
             for number, row in enumerate(zip(*cells, strict=True), start=head + 1)]
    last = head + max(_height(sheet), 1)
    dimension = f"A1:{letters[-1]}{last}" if letters else "A1"
    cols = ""
    if sheet.fit and letters:
        widths = [max(_width(name) + 3, _widest(values) + 1)
                  for name, values in zip(header, sheet.columns, strict=True)]
        cols = "<cols>" + "".join(f'<col min="{i + 1}" max="{i + 1}" width="{min(w, MAX_WIDTH) + 0.7:.2f}" '
                                  'customWidth="1"/>' for i, w in enumerate(widths)) + "</cols>"
    pane = (f'<pane ySplit="{head}" topLeftCell="A{head + 1}" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft"/>')
    parts = '<tableParts count="1"><tablePart r:id="rId1"/></tableParts>' if header else ""
    return (f'{XML}<worksheet xmlns="{MAIN}" xmlns:r="{DOC}"><dimension ref="{dimension}"/><sheetViews>'
            f'<sheetView tabSelected="1" workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>{"".join(rows)}</sheetData>'
            f'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>{parts}'
            '</worksheet>')


def _table_xml(names: list[str], top: int, rows: int) -> str:
    """The header and rows as an Excel table: filterable, banded."""
    last = column_letter(max(len(names) - 1, 0))
    ref = f"A{top + 1}:{last}{top + 1 + max(rows, 1)}"
    columns = "".join(f'<tableColumn id="{i + 1}" name="{escape(n, {chr(34): "&quot;"})}"/>'
                      for i, n in enumerate(names))
    return (f'{XML}<table xmlns="{MAIN}" id="1" name="Table1" displayName="Table1" ref="{ref}" totalsRowShown="0">'
            f'<autoFilter ref="{ref}"/><tableColumns count="{len(names)}">{columns}</tableColumns>'
            '<tableStyleInfo name="TableStyleLight1" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            'showColumnStripes="0"/></table>')


def _workbook_xml(name: str) -> str:
    return (f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name="{escape(name)}" sheetId="1" r:id="rId1"/></sheets></workbook>')


def _core(created: dt.datetime, note: str | None) -> str:
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    description = f"<dc:description>{escape(note)}</dc:description>" if note else ""
    return (f'{XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-'
            'properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'{description}<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')


__all__ = ["Sheet", "column_letter", "serial", "table_names", "workbook"]
