"""notices: build warnings reworded for the people who read the page."""

from __future__ import annotations

import pytest

from reportsite.pages.notices import is_stale, reader_warning, split_located

STALE = ("reports/sales.yaml:5:14 data_source: data source 'sales.parquet' was last modified 2026-11-20 04:00 UTC "
         "(7.0 days ago), older than twice the update_frequency (daily); is the data pipeline running?")


@pytest.mark.parametrize(("warning", "expected"), [
    (STALE, "The “sales” data was last updated 7 days ago (2026-11-20 04:00 UTC). This report normally updates "
            "daily, so its numbers may be out of date."),
    ("reports/x.yaml:6:3 data_sources.orders: data source 's3://b/orders/*.parquet' was last modified "
     "2026-11-30 09:00 UTC (0.2 days ago), older than twice the update_frequency (hourly); is the data pipeline "
     "running?",
     "The “orders” data was last updated 5 hours ago (2026-11-30 09:00 UTC). This report normally updates hourly, "
     "so its numbers may be out of date."),
    ("reports/x.yaml:30:5 checks[0].min_rows: table 'sales' has 120 rows; at least 1000 expected",
     "The “sales” data has only 120 rows, fewer than the 1,000 expected, so some of it may be missing."),
    ("reports/x.yaml:31:5 checks[0].not_null: column 'segment' of table 'customers' has 1 null value; none expected",
     "1 row of the “customers” data has no “segment”; every row is expected to have one."),
    ("reports/x.yaml:31:5 checks[0].not_null: column 'segment' of table 'customers' has 12 null values; "
     "none expected",
     "12 rows of the “customers” data have no “segment”; every row is expected to have one."),
    ("reports/x.yaml:32:5 checks[1].unique: 3 values of (customer_id) in table 'customers' occur more than once "
     "(e.g. customer_id = 17, 4 times); each must be unique",
     "In the “customers” data, 3 customer_id values appear more than once (e.g. customer_id = 17, 4 times), so "
     "some totals may count things twice."),
    ("reports/x.yaml:33:5 checks[2].freshness: newest date in table 'sales' is 2026-11-01 (30.0 days old); "
     "at most 2 days expected",
     "The newest “date” in the “sales” data is 2026-11-01, 30 days old; it is expected to be at most 2 days old, "
     "so recent activity may be missing."),
    ("reports/x.yaml:33:5 checks[2].freshness: column 'date' of table 'sales' is empty; cannot judge freshness",
     "The “date” column of the “sales” data is empty, so how recent the data is cannot be judged."),
    ("reports/x.yaml:34:5 checks[3].not_null: column 'dat' is not in table 'sales' (did you mean 'date'?) "
     "(columns: date, amount)",
     "A data check did not pass: column 'dat' is not in table 'sales' (did you mean 'date'?) (columns: date, "
     "amount)."),
    ("something unexpected happened", "Something unexpected happened."),
])
def test_reader_warning(warning, expected):
    assert reader_warning(warning) == expected


def test_numbers_follow_the_site_locale():
    warning = "reports/x.yaml:30:5 checks[0].min_rows: table 'sales' has 1200 rows; at least 100000 expected"
    assert "1.200 rows, fewer than the 100.000 expected" in reader_warning(warning, "de-DE")


def test_split_located_keeps_the_key_and_the_message():
    assert split_located("reports/my report.yaml:3 title: x: y") == ("title", "x: y")
    assert split_located("no location here") == (None, "no location here")


def test_is_stale():
    assert is_stale(STALE)
    assert not is_stale("reports/x.yaml:30:5 checks[0].min_rows: table 'sales' has 120 rows; at least 1000 expected")
