"""The rows of a page's tables as HTML, written here rather than cell by cell in Jinja.

A family of 2,000 pages writes some 300 cells a page; a Jinja loop spends most of a page's rendering time on
them (its per-cell ``set``, ``if`` and escaping), where these functions build the same text from the same
values in a fraction of it. The output is byte for byte what the templates wrote before (``components/
table.html``'s and ``components/chart_data.html``'s row loops: tests/unit/test_table_html.py renders both
over awkward tables and compares); tables.js draws redrawn rows the same way (keep the three alike).
Every value is escaped as Jinja's autoescape does (markupsafe).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from reportsite.values.words import N_

ROW = '        <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/60">{cells}        </tr>\n'
NULL = ('<span class="{tone}" data-null><span aria-hidden="true">—</span>'
        '<span class="sr-only">{no_value}</span></span>')
TABLE_NULL_TONE = "text-slate-300 dark:text-slate-600"
DATA_NULL_TONE = "text-slate-400 dark:text-slate-500"
PLAIN_KINDS = ("date", "datetime", "plain")  # written whole, not truncated: they never wrap
NO_VALUE = N_("no value")  # a NULL cell, for a screen reader
TITLE_AFTER = 20  # a text cell longer than this carries its whole value as a tooltip


def table_body(table: Any, no_value: str) -> Markup:
    """A table card's ``<tbody>`` rows (a ``TableBlock``); ``no_value`` is "no value" in the site's words."""
    null = NULL.format(tone=TABLE_NULL_TONE, no_value=no_value)
    kinds, keys, numeric = table.kinds, table.keys, table.numeric
    rows = []
    for r, row in enumerate(table.rows):
        links = table.hrefs[r] if table.hrefs else None
        cells = []
        for c, value in enumerate(row):
            if value is None:
                cells.append(f'<td class="px-4 py-2 {"text-right" if numeric[c] else ""}">{null}</td>')
                continue
            key = keys[c][r] if keys and keys[c] is not None else None
            sort = f' data-sort="{escape(key)}"' if key is not None else ""
            href = links[c] if links else None
            shown = (f'<a href="{escape(href)}" class="font-medium text-brand-ink hover:underline" '
                     f'data-testid="cell-link">{escape(value)}</a>' if href else escape(value))
            if numeric[c]:
                cells.append(f'<td class="px-4 py-2 whitespace-nowrap text-right tabular-nums"{sort}>{shown}</td>')
            elif (kinds[c] if kinds else "text") in PLAIN_KINDS:
                cells.append(f'<td class="px-4 py-2 whitespace-nowrap tabular-nums"{sort}>{shown}</td>')
            else:
                title = f' title="{escape(value)}"' if len(value) > TITLE_AFTER else ""
                cells.append(f'<td class="px-4 py-2"{sort}><span class="block max-w-[12rem] sm:max-w-xs truncate"'
                             f'{title}>{shown}</span></td>')
        rows.append(ROW.format(cells="".join(cells)))
    return Markup("".join(rows))


def chart_data_body(data: Any, no_value: str) -> Markup:
    """The ``<tbody>`` rows of a chart's data table (a ``chart_text.DataTable``)."""
    null = NULL.format(tone=DATA_NULL_TONE, no_value=no_value)
    rows = []
    for r, row in enumerate(data.rows):
        links = data.hrefs[r] if data.hrefs else None
        cells = []
        for c, value in enumerate(row):
            href = links[c] if links else None
            align = "text-right tabular-nums whitespace-nowrap" if data.numeric[c] else ""
            if value is None:
                shown = null
            elif href:
                shown = f'<a href="{escape(href)}" class="text-brand-ink hover:underline">{escape(value)}</a>'
            else:
                shown = escape(value)
            cells.append(f'<td class="px-3 py-1 {align}">{shown}</td>')
        rows.append(f"        <tr>{''.join(cells)}</tr>\n")
    return Markup("".join(rows))


__all__ = ["NO_VALUE", "chart_data_body", "table_body"]
