"""A table's rows written in Python (render/table_html.py) are byte for byte what the templates' Jinja loops
wrote before: the old loops are kept here and both are rendered over seeded awkward tables (NULLs, links, long
and hostile text, every kind, sort keys and none, no rows) in an English and a German environment."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reportsite.pages.chart_text import DataTable
from reportsite.pages.page import TableBlock
from reportsite.render import table_html, templates
from reportsite.values.words import Words

ROOT = Path(__file__).resolve().parents[2]
# The templates' row loops as they were (components/table.html and components/chart_data.html).
OLD_TABLE_ROWS = """\
        {% for row in table.rows %}{% set r = loop.index0 %}
        {% set links = table.hrefs[r] if table.hrefs else [] %}
        <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/60">
          {%- for v in row %}
          {%- set kind = table.kinds[loop.index0] if table.kinds else 'text' %}
          {%- set key = table.keys[loop.index0][r] if table.keys and table.keys[loop.index0] is not none else none %}
          {%- set href = links[loop.index0] if links else none %}
          {%- set shown %}{% if href %}<a href="{{ href }}" class="font-medium text-brand-ink hover:underline" \
data-testid="cell-link">{{ v }}</a>{% else %}{{ v }}{% endif %}{% endset %}
          {%- if v is none %}<td class="px-4 py-2 {{ 'text-right' if table.numeric[loop.index0] else '' }}"><span \
class="text-slate-300 dark:text-slate-600" data-null><span aria-hidden="true">—</span><span class="sr-only">\
{{ _("no value") }}</span></span></td>
          {%- elif table.numeric[loop.index0] %}<td class="px-4 py-2 whitespace-nowrap text-right tabular-nums"\
{% if key is not none %} data-sort="{{ key }}"{% endif %}>{{ shown }}</td>
          {%- elif kind in ('date', 'datetime', 'plain') %}<td class="px-4 py-2 whitespace-nowrap tabular-nums"\
{% if key is not none %} data-sort="{{ key }}"{% endif %}>{{ shown }}</td>
          {%- else %}<td class="px-4 py-2"{% if key is not none %} data-sort="{{ key }}"{% endif %}><span \
class="block max-w-[12rem] sm:max-w-xs truncate"{% if v|length > 20 %} title="{{ v }}"{% endif %}>{{ shown }}\
</span></td>
          {%- endif %}
          {%- endfor %}
        </tr>
        {% endfor %}
"""
OLD_DATA_ROWS = """\
        {% for row in data.rows %}{% set links = data.hrefs[loop.index0] if data.hrefs else [] %}
        <tr>{% for v in row %}{% set href = links[loop.index0] if links else none %}<td class="px-3 py-1 \
{{ 'text-right tabular-nums whitespace-nowrap' if data.numeric[loop.index0] else '' }}">{% if v is none %}<span \
class="text-slate-400 dark:text-slate-500" data-null><span aria-hidden="true">—</span><span class="sr-only">\
{{ _("no value") }}</span></span>{% elif href %}<a href="{{ href }}" class="text-brand-ink hover:underline">{{ v }}\
</a>{% else %}{{ v }}{% endif %}</td>{% endfor %}</tr>
        {% endfor %}
"""
TEXTS = ["", "a", "North", "Région Île-de-France", "x" * 20, "y" * 21, "Quattro Formaggi (4 Käse) mit Extra",
         "<script>alert('x')</script>", 'say "hi" & <b>bye</b>', "=HYPERLINK(\"http://e.example\")", "1,234.50",
         "−12.5%", "Jan 5, 2026", "🍕 pizza", "tab\there", "{{ not jinja }}", "%(name)s 100%"]
KINDS = ["text", "number", "currency", "percent", "plain", "date", "datetime", "boolean"]


def _table(rng: random.Random, rows: int, columns: int) -> TableBlock:
    numeric = [rng.random() < 0.4 for _ in range(columns)]
    cells = [[None if rng.random() < 0.15 else rng.choice(TEXTS) for _ in range(columns)] for _ in range(rows)]
    keys = [None if rng.random() < 0.4 else [rng.choice([None, 0, -3, 1791849600000, 490.5, -1e300, 2.5e-7])
                                              for _ in range(rows)] for _ in range(columns)]
    hrefs = ([[rng.choice([None, None, "product/apron.html", "a b/c?d=1&e=<2>"]) for _ in range(columns)]
              for _ in range(rows)] if rng.random() < 0.5 else [])
    return TableBlock(id="table-1", name="T", columns=[f"c{i}" for i in range(columns)], numeric=numeric,
                      rows=cells, total_rows=rows, description=None, csv=None,
                      kinds=[rng.choice(KINDS) for _ in range(columns)] if rng.random() < 0.8 else [],
                      hrefs=hrefs, keys=keys if rng.random() < 0.8 else [])


@pytest.mark.parametrize(("language", "labels"), [("en", None), ("de", None), ("fr", None),
                                                   ("de", {"no value": "100% leer & <fehlt>"})])
def test_rows_written_in_python_are_what_the_jinja_loops_wrote(language: str, labels: dict[str, str] | None) -> None:
    words = Words.make(language, labels)
    env = templates.environment(ROOT / "site_src" / "templates", words, ROOT / "site_src" / "static")
    old_table, old_data = env.from_string(OLD_TABLE_ROWS), env.from_string(OLD_DATA_ROWS)
    new_table, new_data = env.from_string("{{ table_body(table) }}"), env.from_string("{{ chart_data_body(data) }}")
    rng = random.Random(f"table-html-{language}")
    for case in range(300):
        table = _table(rng, rows=rng.choice([0, 1, 2, 7]), columns=rng.choice([1, 2, 5]))
        assert new_table.render(table=table) == old_table.render(table=table), case
        data = DataTable(table.columns, table.numeric, table.rows, len(table.rows), "", "",
                         hrefs=[list(row) for row in table.hrefs])
        assert new_data.render(data=data) == old_data.render(data=data), case
    nulls = TableBlock(id="t", name="T", columns=["a"], numeric=[False], rows=[[None]], total_rows=1,
                       description=None, csv=None)
    assert ("no value" in new_table.render(table=nulls)) == (language == "en")


def test_every_class_the_rows_use_is_compiled_into_the_css() -> None:
    """Tailwind sees only what it scans: the classes written in Python are listed in site.css."""
    css = (ROOT / "site_src" / "static" / "site.css").read_text(encoding="utf-8")
    listed = css.split('@source inline("', 1)[1].split('"', 1)[0].split()
    import re

    source = (ROOT / "scripts" / "reportsite" / "render" / "table_html.py").read_text(encoding="utf-8")
    used = {name for found in re.findall(r'class="([^"{]*)', source) for name in found.split()}
    used |= set(table_html.TABLE_NULL_TONE.split()) | set(table_html.DATA_NULL_TONE.split())
    used |= {"text-right", "tabular-nums", "whitespace-nowrap"}
    assert used <= set(listed), used - set(listed)
