"""formats: numbers, money, percentages, dates and changes written by the site's locale, currency and zone."""

from __future__ import annotations

import datetime as dt
import decimal

import pyarrow as pa
import pytest

from reportsite.values.formats import Formats, column_kind, id_like, year_like

NBSP, NNBSP = "\u00a0", "\u202f"
US = Formats()
DE = Formats("de-DE", "EUR", "Europe/Zurich")
CH = Formats("en-US", "CHF", "Europe/Zurich")


@pytest.mark.parametrize(("formats", "value", "expected"), [
    (DE, 1234.56, f"1.234,56{NBSP}€"),
    (US, 1234.56, "$1,234.56"),
    (US, -12.5, "-$12.50"),
    (CH, 1234.56, f"CHF{NBSP}1,234.56"),
    (CH, -1234.5, f"-CHF{NBSP}1,234.50"),
    (Formats("de-CH", "CHF"), 1234567.5, f"CHF{NBSP}1'234'567.50"),  # Babel alone drops the ' separators
    (US, 0.00042, "$0.00042"),  # less than a cent keeps its digits
    (Formats("ja-JP", "JPY"), 1234, "￥1,234"),
])
def test_money_follows_the_locale_and_the_currency(formats, value, expected):
    assert formats.value(value, "currency") == expected


def test_a_non_dollar_currency_never_shows_a_dollar_sign():
    shown = [CH.value(1234.5, "currency"), CH.short(58.1e12, "currency"), CH.short(44.5, "currency"),
             CH.change(1200, 0, "currency").text, CH.change(800, 1000, "currency").text]
    assert shown == [f"CHF{NBSP}1,234.50", f"CHF{NBSP}58.1T", f"CHF{NBSP}44.50", f"▲ CHF{NBSP}1,200", "▼ 20%"]
    assert not any("$" in text for text in shown)


@pytest.mark.parametrize(("value", "expected"), [
    (0.000123, "0.000123"),
    (1234.5678, "1,234.57"),
    (12.0, "12"),
    (12.5, "12.5"),
    (1234567, "1,234,567"),
    (1.29e13, "12,900,000,000,000"),
    (12345678901234567890, "12,345,678,901,234,567,890"),
    (decimal.Decimal("12345678901234567890.12"), "12,345,678,901,234,567,890.12"),
    (-0.0, "0"),
    (-1234.5, "-1,234.5"),
])
def test_numbers_keep_their_significant_digits(value, expected):
    assert US.value(value) == expected


def test_numbers_in_german():
    assert [DE.value(v) for v in (1234.5678, 0.000123, 1.29e13)] == ["1.234,57", "0,000123", "12.900.000.000.000"]


@pytest.mark.parametrize(("formats", "value", "expected"), [
    (US, 0.253, "25.3%"),
    (US, 0.5, "50%"),
    (US, 0.000012, "0.0012%"),
    (DE, 0.367, f"36,7{NBSP}%"),
])
def test_percentages(formats, value, expected):
    assert formats.value(value, "percent") == expected


@pytest.mark.parametrize(("formats", "value", "kind", "expected"), [
    (US, 58.1e12, "currency", "$58.1T"),
    (US, 1234567, "number", "1.2M"),
    (US, 999_999.99, "currency", "$1M"),
    (US, 2617268.4, "currency", "$2.6M"),
    (US, 12345.6, "currency", "$12,346"),
    (US, 800, "currency", "$800"),
    (US, 44.456, "currency", "$44.46"),
    (US, 20000, "number", "20,000"),
    (US, -1.5e18, "number", "-1.5E18"),
    (DE, 1234567, "number", f"1,2{NBSP}Mio."),
    (DE, 58.1e12, "currency", f"58,1{NBSP}Bio.{NBSP}€"),
    (US, None, "currency", "—"),
    (US, float("nan"), "number", "—"),
])
def test_cards_shorten_large_values(formats, value, kind, expected):
    assert formats.short(value, kind) == expected


@pytest.mark.parametrize("name", ["year", "yr", "fiscal_year", "FY", "Year"])
def test_year_columns_by_name(name):
    assert year_like(name)
    assert column_kind(name, pa.int64(), [2013, 2014]) == "plain"


def test_year_words_need_values_that_look_like_years():
    assert column_kind("order_year", pa.int32(), [2013, 2026, None]) == "plain"
    assert column_kind("years_active", pa.int32(), [3, 12]) == "number"
    assert column_kind("orders", pa.int64(), [2013, 2014]) == "number"


@pytest.mark.parametrize(("name", "plain"), [
    ("id", True), ("customer_id", True), ("CustomerID", True), ("zip", True), ("postal_code", True),
    ("invoice_no", True), ("order_number", True), ("sku", True), ("customer_nr", True),
    ("orders", False), ("number_of_orders", False), ("num_orders", False), ("revenue", False), ("idle", False),
])
def test_id_columns_by_name(name, plain):
    assert id_like(name) is plain


def test_years_and_ids_print_without_separators():
    assert US.column([2013, 2026], column_kind("year", pa.int64(), [2013, 2026])) == ["2013", "2026"]
    assert US.column([1141, None], column_kind("customer_id", pa.int64(), [1141, None])) == ["1141", None]
    assert US.column([2013], column_kind("orders", pa.int64(), [2013])) == ["2,013"]


def test_declared_column_formats_win():
    assert column_kind("revenue", pa.float64(), [1.0], "currency") == "currency"
    assert column_kind("year", pa.int64(), [2013], "number") == "number"


def test_a_table_column_shares_its_decimals_and_keeps_tiny_values():
    assert US.column([12.0, 12.5, 100.25, None, float("nan"), 0.000123], "number") == [
        "12.00", "12.50", "100.25", None, None, "0.000123"]
    assert US.column([0.253, 0.5], "percent") == ["25.3%", "50.0%"]
    assert US.column([12.0, 13.0], "number") == ["12", "13"]


def test_nothing_is_none_in_a_table_and_a_dash_elsewhere():
    assert [US.cell(v) for v in (None, float("nan"), decimal.Decimal("NaN"))] == [None, None, None]
    assert US.value(None) == "—"


@pytest.mark.parametrize(("formats", "expected"), [
    (US, "Jan 5, 2026"), (DE, "05.01.2026"), (Formats("en-GB"), "5 Jan 2026"), (Formats("fr-CH"), "5 janv. 2026"),
])
def test_dates_in_the_locale(formats, expected):
    assert formats.value(dt.date(2026, 1, 5)) == expected


def test_instants_are_shown_in_the_site_zone_with_a_label_when_not_utc():
    instant = dt.datetime(2013, 1, 1, 6, 0, tzinfo=dt.UTC)
    assert US.value(instant) == f"Jan 1, 2013, 6:00{NNBSP}AM"
    assert CH.value(instant) == f"Jan 1, 2013, 7:00{NNBSP}AM CET"
    assert DE.value(dt.datetime(2026, 7, 1, 14, 30, tzinfo=dt.UTC)) == "01.07.2026, 16:30 CEST"


def test_wall_clock_times_are_shown_as_written():
    assert DE.value(dt.datetime(2026, 3, 29, 2, 30)) == "29.03.2026, 02:30"
    assert US.value(dt.datetime(2013, 7, 1, 6, 0, 5)) == f"Jul 1, 2013, 6:00:05{NNBSP}AM"


def test_change_of_a_percent_metric_is_in_percentage_points():
    change = US.change(0.342, 0.367, "percent")
    assert (change.text, change.tone, change.spoken) == ("▼ 2.5 pp", "bad", "down 2.5 percentage points, worse")


def test_change_from_zero_or_across_zero_is_the_difference_itself():
    assert US.change(1200, 0, "currency").text == "▲ $1,200"
    assert US.change(200, -1000, "currency").text == "▲ $1,200"
    assert US.change(-50, 100, "number").text == "▼ 150"


def test_change_is_relative_otherwise():
    change = US.change(105.26, 100)
    assert (change.text, change.tone, change.spoken) == ("▲ 5.3%", "good", "up 5.3%, better")
    assert DE.change(105.26, 100).text == f"▲ 5,3{NBSP}%"


def test_lower_is_better_turns_the_colours_around():
    fall, rise = US.change(800, 1000, "currency", "lower"), US.change(1200, 1000, "currency", "lower")
    assert (fall.text, fall.tone, fall.spoken) == ("▼ 20%", "good", "down 20%, better")
    assert (rise.text, rise.tone, rise.spoken) == ("▲ 20%", "bad", "up 20%, worse")


def test_equal_values_are_no_change_and_missing_ones_no_comparison():
    change = US.change(5, 5)
    assert (change.text, change.tone, change.spoken) == ("no change", "neutral", "no change")
    assert US.change(5, None) is None and US.change(None, 5) is None and US.change("a", 5) is None


def test_parameters_in_titles():
    assert US.parameter("year", 2025) == "2025"
    assert US.parameter("since", dt.date(2025, 1, 1)) == "Jan 1, 2025"
    assert DE.parameter("since", dt.date(2025, 1, 1)) == "01.01.2025"
    assert US.parameter("region", "North") == "North"
    assert US.parameter("store_id", 12345) == "12345"
    assert US.parameter("limit", 50000) == "50,000"


def test_a_text_column_of_numbers_shows_them_as_written():
    assert US.column([1141, 12.5, None], "text") == ["1141", "12.5", None]
