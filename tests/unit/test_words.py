"""The site's words: catalogs complete for every shipped language, labels on top, plurals by CLDR; and the
values and chart choices issue 19 fixed (card units, change precision, natural order, week ticks, previous
periods, download names)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from reportsite.charts import vega_lite
from reportsite.charts.order import natural_order
from reportsite.charts.temporal import week_ticks
from reportsite.config.labels import label_problems
from reportsite.config.models import Chart
from reportsite.config.site_models import SiteConfig
from reportsite.pages.filters import previous_range
from reportsite.pages.page import slugify
from reportsite.values import cards, catalog_tool
from reportsite.values.formats import Formats
from reportsite.values.words import SHIPPED, Words, known_messages, shown_language


@pytest.mark.parametrize("language", catalog_tool.CATALOGS)
def test_every_shipped_catalog_has_every_message_the_code_marks(language: str) -> None:
    # Extracts from the package, the templates and the scripts now: a new _("…") fails here until translated.
    assert catalog_tool.missing(language) == []


def test_the_template_lists_every_marked_message() -> None:
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog_tool.extract() if m.id}
    assert extracted == set(known_messages())


def test_a_missing_translation_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    template = catalog_tool.extract()
    template.add("A text nobody translated yet")
    monkeypatch.setattr(catalog_tool, "extract", lambda: template)
    assert "de: missing 'A text nobody translated yet'" in catalog_tool.missing("de")


def test_words_follow_the_language_and_the_locale() -> None:
    assert Words.make("de").gettext("Download CSV") == "CSV herunterladen"
    assert Words.make("fr").gettext("All") == "Tous"
    assert Words.make("de-CH").gettext("Largest: %(label)s, %(share)s of the total.", label="A", share="5 %") \
        == "Grösster Anteil: A, 5 % des Ganzen."  # Swiss spelling over German's ß
    assert Words.make("de").gettext("Largest: %(label)s, %(share)s of the total.", label="A", share="5 %") \
        == "Größter Anteil: A, 5 % des Ganzen."
    assert shown_language(None, "de-CH") == "de-CH" and shown_language(None, "pl-PL") == "en"
    assert shown_language("fr", "de-CH") == "fr"


def test_plurals_follow_cldr() -> None:
    words = Words.make("fr")
    assert words.ngettext("%(count)s page", "%(count)s pages", 1) == "1 page"
    assert words.ngettext("%(count)s page", "%(count)s pages", 0) == "0 page"  # French: 0 is singular
    assert words.ngettext("%(count)s page", "%(count)s pages", 2) == "2 pages"
    scripts = words.for_scripts([("%(count)s page", "%(count)s pages")])["%(count)s page"]
    assert scripts["one"] == "%(count)s page" and scripts["other"] == scripts["many"] == "%(count)s pages"


def test_labels_override_single_texts_with_braces_and_plural_forms() -> None:
    words = Words.make("de", {"All": "Alle Filialen", "%(count)s page": {"one": "Eine Seite", "other": "{count} S."},
                              "Data as of": "Stand (100 %)"})
    assert words.gettext("All") == "Alle Filialen"
    assert words.ngettext("%(count)s page", "%(count)s pages", 1) == "Eine Seite"
    assert words.ngettext("%(count)s page", "%(count)s pages", 7) == "7 S."
    assert words.gettext("Data as of") == "Stand (100 %)"  # a lone % is a percent sign
    assert words.gettext("Download CSV") == "CSV herunterladen"  # the rest from the catalog


def test_label_mistakes_say_what_is_known() -> None:
    assert label_problems({"Donwload CSV": "x"}) == [
        "unknown text 'Donwload CSV' (did you mean 'Download CSV'?); labels are named by the English text they "
        "replace"]
    assert label_problems({"Search %(title)s": "Suche in {name}"}) == [
        "'Search %(title)s': {name} is not one of its placeholders ({title})"]
    assert label_problems({"All": {"one": "x"}}) == [
        "'All' does not count anything, so it takes one text, not forms per plural category"]


def test_site_yaml_language_must_have_a_catalog() -> None:
    with pytest.raises(ValueError, match="there are no words in 'pl' yet; the site speaks en, de, fr, it, es, nl, pt"):
        SiteConfig(language="pl")
    assert SiteConfig(language="de-CH").language == "de-CH"
    assert set(SHIPPED) == {"en", "de", "fr", "it", "es", "nl", "pt"}


def test_changes_use_comparable_precision() -> None:
    formats = Formats()
    assert formats.change(0.366, 0.36303, "percent").text == "▲ 0.3 pp"  # not 0.297 pp beside 22.9%
    assert formats.change(77.1, 100).text == "▼ 22.9%"
    assert formats.change(0.000492, 0.000123, "percent").text == "▲ 0.04 pp"  # one decimal would read 0.0
    assert formats.change(100.02, 100).text == "▲ 0.02%"
    assert Formats("de-DE", words=Words.make("de")).change(0.34, 0.366, "percent").spoken == \
        "gesunken um 2,6 Prozentpunkte, schlechter"


def test_one_card_row_shortens_alike() -> None:
    swiss = Formats("de-CH", "CHF")
    shown = [type("Card", (), dict(value=v, previous=None, format="number", shown=swiss.short(v),
                                   previous_shown=None, currency=None))() for v in (2_312_345, 286_397, 512)]
    cards.align(shown, swiss)
    assert [c.shown for c in shown] == ["2.3\u00a0Mio.", "0.29\u00a0Mio.", "512"]


def test_numeric_weekday_and_month_categories_sort_naturally_and_ids_keep_the_query_order() -> None:
    assert natural_order([10, 11, 23, 9]) == [9, 10, 11, 23]
    assert natural_order(["10", "23", "09"]) == ["09", "10", "23"]
    assert natural_order(["Wednesday", "Monday", "Sunday"], "de-CH") == ["Monday", "Wednesday", "Sunday"]
    assert natural_order(["Wednesday", "Monday", "Sunday"], "en-US") == ["Sunday", "Monday", "Wednesday"]
    assert natural_order(["März", "Januar"], "de-DE") == ["Januar", "März"]
    assert natural_order([105, 101], id_like=True) is None
    assert natural_order(["North", "South"]) is None


def test_an_hour_heatmap_runs_from_the_first_hour() -> None:
    table = pa.table({"hour": [10, 23, 9], "day": ["Mon", "Mon", "Mon"], "n": [1.0, 2.0, 3.0]})
    spec = vega_lite(Chart(name="h", type="heatmap", query="q", params={"x": "hour", "y": "day", "color": "n"}),
                     table)
    assert spec["encoding"]["x"]["sort"] == [9, 10, 23]


def test_weekly_ticks_fall_on_the_weeks_first_day() -> None:
    monday = round((dt.datetime(2025, 1, 6) - dt.datetime(1970, 1, 1)).total_seconds() * 1000)
    ticks = week_ticks(monday + 2 * 86_400_000, monday + 30 * 86_400_000, 0, 1)
    assert [dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=t) for t in ticks][:2] == [
        dt.datetime(2025, 1, 6), dt.datetime(2025, 1, 13)]
    weeks = pa.table({"week": [dt.date(2025, 1, 6) + dt.timedelta(days=7 * i) for i in range(10)],
                      "n": list(range(10))})
    spec = vega_lite(Chart(name="w", type="line", query="q", params={"x": "week", "y": "n"}), weeks)
    weekly = next(t for t in spec["usermeta"]["reportsite"]["ticks"] if t["interval"] == "week")
    assert all((dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=v)).weekday() == 0 for v in weekly["values"])


def test_a_value_axis_over_one_value_still_has_a_scale() -> None:
    spec = vega_lite(Chart(name="one", type="line", query="q", params={"x": "d", "y": "v"}),
                     pa.table({"d": [dt.date(2025, 6, 30)], "v": [1234.5]}))
    assert spec["encoding"]["y"]["scale"] == {"zero": True}


def test_the_previous_period_has_the_same_length() -> None:
    assert previous_range(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == (dt.date(2026, 1, 29), dt.date(2026, 2, 28))
    assert previous_range(dt.date(1, 1, 1), dt.date(9999, 12, 31)) == (None, None)


def test_download_names_transliterate_like_page_names() -> None:
    assert slugify("Änderungen pro Monat") == "anderungen-pro-monat"
    assert slugify("Herkunftsländer") == "herkunftslander"
    assert slugify("東京") == "item"


def test_scripts_get_their_messages_and_plurals_only_where_they_count() -> None:
    from reportsite.values.words import messages_in

    found = messages_in('_("Rows per page"); _("Search %(title)s", {title: t}); '
                        'ngettext("%(count)s row", "%(count)s rows", n, {x: 1});')
    assert found == [("Rows per page", None), ("Search %(title)s", None), ("%(count)s row", "%(count)s rows")]
