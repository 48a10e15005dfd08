"""config and messages: the models accept what the README promises and word every mistake plainly."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from reportsite.config import messages
from reportsite.config.models import ReportConfig, table_name_for
from reportsite.config.project import gather_project, load_project, load_report, load_site, validate
from reportsite.config.site_models import SiteConfig
from reportsite.config.yamlsrc import load_text
from reportsite.errors import ConfigError, Problem, did_you_mean

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed_sales.yaml").read_text()  # the brief's example


def report_lines(text: str) -> list[str]:
    """The messages validating ``text`` as reports/x.yaml gives."""
    with pytest.raises(ConfigError) as caught:
        validate(ReportConfig, load_text(textwrap.dedent(text), "reports/x.yaml"))
    return [str(p) for p in caught.value.problems]


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_seed_example_loads_verbatim(tmp_path: Path) -> None:
    report = load_report(tmp_path, write(tmp_path, "reports/sales.yaml", SEED))

    config = report.config
    assert (report.slug, report.display) == ("sales", "reports/sales.yaml")
    assert config.title == "Sales Report"
    assert config.update_frequency == "daily"
    assert config.tables_by_name() == {"sales": "s3://bucket/sales.parquet"}
    chart = config.charts[0]
    assert (chart.type, chart.params.x, chart.params.y, chart.params.title) == ("line", "date", "sales",
                                                                                "Monthly Sales")
    assert chart.width == "full" and chart.params.y_format is None  # chosen from the data


@pytest.mark.parametrize(("url", "table"), [
    ("s3://bucket/sales.parquet", "sales"),
    ("sales.parquet", "sales"),
    ("data/customers.csv", "customers"),
    ("s3://bucket/orders/", "orders"),
    ("s3://bucket/orders/**/*.parquet", "orders"),
    ("sales_by_month/year=2025/month=01/data.parquet", "data"),
    ("s3://bucket/sales_by_month/year=2025/", "sales_by_month"),
    ("s3://bucket/daily-sales.v2.parquet", "daily_sales"),
    ("2024.parquet", "t_2024"),
    ("C:\\data\\sales.csv", "sales"),
])
def test_table_name_for(url: str, table: str) -> None:
    assert table_name_for(url) == table


def test_source_key_names_the_defining_key() -> None:
    config = ReportConfig.model_validate({"title": "t", "text": "x", "data_source": "sales.parquet",
                                          "data_sources": {"customers": "customers.csv"}})

    assert config.source_key("sales") == ("data_source",)
    assert config.source_key("customers") == ("data_sources", "customers")


def test_parameters_keep_yaml_types() -> None:
    located = load_text("title: t\ntext: x\nparameters: {since: 2025-01-01, top: 10, region: North}\n", "x.yaml")

    config = validate(ReportConfig, located)

    assert config.parameters == {"since": dt.date(2025, 1, 1), "top": 10, "region": "North"}


def test_every_problem_in_one_file_is_reported_in_file_order() -> None:
    assert report_lines("""\
        title: [a, b]
        update_frequency: Daily
        charts:
          - name: x
            type: line
            query: SELECT 1
            params: {x: a, y: b, y_format: 5}
          - type: bars
            query: SELECT 1
            params: {x: a, y: b}
        checks:
          - table: sales
            min_rows: -1
            freshness: {column: date, max_age_days: 0.5, when: now}
        """) == [
        "reports/x.yaml:1:1 title: expected text, found a list",
        "reports/x.yaml:2:1 update_frequency: unknown update_frequency 'Daily' (did you mean 'daily'?); expected "
        "one of: hourly, daily, weekly, monthly, manual",
        "reports/x.yaml:7:26 charts[0].params.y_format: expected one of: number, currency, percent, plain, date, "
        "datetime; found a number (5)",
        "reports/x.yaml:8:5 charts[1]: missing required key 'name' (the chart's heading)",
        "reports/x.yaml:8:5 charts[1].type: unknown chart type 'bars' (did you mean 'bar'?); expected one of: line, "
        "bar, area, scatter, pie, histogram, heatmap",
        "reports/x.yaml:13:5 checks[0].min_rows: expected at least 0, found -1",
        "reports/x.yaml:14:50 checks[0].freshness.when: unknown key 'when'; expected one of: column, max_age_days",
    ]


def test_non_text_for_a_choice_and_an_empty_value() -> None:
    assert report_lines("""\
        title: t
        text: x
        update_frequency:
        metrics:
          - name: m
            query: SELECT 1 AS value
            format: {a: 1}
        """) == [
        "reports/x.yaml:3:1 update_frequency: expected one of: hourly, daily, weekly, monthly, manual; found "
        "nothing (an empty value)",
        "reports/x.yaml:7:5 metrics[0].format: expected one of: number, currency, percent, plain; found a mapping",
    ]


def test_a_table_defined_twice() -> None:
    assert report_lines("""\
        title: t
        text: x
        data_source: s3://b/sales.parquet
        data_sources:
          sales: other.parquet
        """) == ["reports/x.yaml:5:3 data_sources.sales: table 'sales' is already defined by data_source "
                 "('s3://b/sales.parquet'); rename one of them"]


def test_top_level_must_be_a_mapping_and_not_empty() -> None:
    assert report_lines("just text\n") == [
        "reports/x.yaml:1:1 expected a mapping of keys (like 'title: ...') at the top, found text ('just text')"]
    assert report_lines("") == [f"reports/x.yaml:1:1 {messages.EMPTY_FILE}"]
    assert report_lines("# soon\n") == [f"reports/x.yaml:1:1 {messages.ONLY_COMMENTS}"]


def test_site_yaml_missing_or_empty_means_defaults(tmp_path: Path) -> None:
    assert load_site(tmp_path) == SiteConfig()
    write(tmp_path, "site_src/site.yaml", "# all defaults\n")

    assert load_site(tmp_path) == SiteConfig()


def test_site_yaml_mistakes_are_located(tmp_path: Path) -> None:
    write(tmp_path, "site_src/site.yaml", "title: Reports\nmax_chart_rows: 0\ndata_rot: data\n")

    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)

    assert [str(p) for p in caught.value.problems] == [
        "site_src/site.yaml:2:1 max_chart_rows: expected at least 1, found 0",
        "site_src/site.yaml:3:1 data_rot: unknown key 'data_rot' (did you mean 'data_root'?); expected one of: "
        "title, description, data_root, base_url, deploy_target, locale, currency, language, labels, timezone, logo, "
        "primary_color, "
        "max_chart_rows, max_slices, max_pages, query_timeout_seconds, footer, publish_hour, monthly_page_views, "
        "monthly_budget, prices, notify, cache_max_gb, engine, athena, audiences, pdf, email_from, digests",
    ]


def test_sql_files_are_found_beside_the_report(tmp_path: Path) -> None:
    write(tmp_path, "reports/monthly.sql", "SELECT 1 AS value\n")
    (tmp_path / "reports" / "latin1.sql").write_bytes(b"SELECT 'caf\xe9' AS value\n")
    path = write(tmp_path, "reports/r.yaml", """\
        title: t
        metrics:
          - {name: a, query: monthly.sql}
          - {name: b, query: latin1.sql}
          - {name: c, query: missing.sql}
        """)

    with pytest.raises(ConfigError) as caught:
        load_report(tmp_path, path)

    assert [str(p) for p in caught.value.problems] == [
        "reports/r.yaml:4:15 metrics[1].query: SQL file 'latin1.sql' is not UTF-8 text; save it as UTF-8",
        "reports/r.yaml:5:15 metrics[2].query: SQL file 'missing.sql' not found beside reports/r.yaml",
    ]


def test_gather_project_keeps_the_good_reports_and_every_error(tmp_path: Path) -> None:
    write(tmp_path, "reports/good.yaml", SEED)
    write(tmp_path, "reports/bad.yaml", "title: x\ncharts: {}\n")
    write(tmp_path, "reports/worse.yaml", "title: [x\n")

    project, errors = gather_project(tmp_path)

    assert [r.slug for r in project.reports] == ["good"]
    assert [str(p) for e in errors for p in e.problems] == [
        "reports/bad.yaml:2:1 charts: expected a list (items starting with '- '), found a mapping",
        "reports/worse.yaml:1:8 YAML syntax error: this list starting with '[' is never closed with ']'",
    ]
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)
    assert len(caught.value.problems) == 2


def test_only_names_an_unknown_report(tmp_path: Path) -> None:
    write(tmp_path, "reports/sales.yaml", SEED)

    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path, only=["sale"])

    assert [str(p) for p in caught.value.problems] == ["no report named 'sale' in reports/ (did you mean 'sales'?)"]


# --- messages -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [
    (None, "nothing (an empty value)"),
    (True, "true/false (true)"),
    (3, "a number (3)"),
    ("abc", "text ('abc')"),
    ("x" * 50, "text"),
    ("two\nlines", "text"),
    ([1], "a list"),
    ({"a": 1}, "a mapping"),
    (dt.date(2025, 1, 2), "a date (2025-01-02)"),
    (dt.datetime(2025, 1, 2, 3, 4), "a date and time (2025-01-02 03:04:00)"),
])
def test_kind_describes_values_as_yaml_authors_see_them(value: object, text: str) -> None:
    assert messages.kind(value) == text


@pytest.mark.parametrize(("description", "phrase"), [
    ("The SQL to run. Inline DuckDB SQL, or a .sql file.", "the SQL to run"),
    ("The page title.", "the page title"),
    (None, ""),
])
def test_summary_is_the_first_sentence_as_a_phrase(description: str | None, phrase: str) -> None:
    assert messages.summary(description) == phrase


@pytest.mark.parametrize(("word", "hint"), [
    ("lines", " (did you mean 'line'?)"),
    ("LINE", " (did you mean 'line'?)"),
    ("pie-chart", " (did you mean 'pie'?)"),
    ("histogram", ""),
])
def test_did_you_mean(word: str, hint: str) -> None:
    assert did_you_mean(word, ["line", "bar", "area", "scatter", "pie"]) == hint


def test_problem_is_always_one_line() -> None:
    problem = Problem("first\n  second\r\nthird", "reports/x.yaml", 3, 2, "charts[0]")

    assert str(problem) == "reports/x.yaml:3:2 charts[0]: first second third"
    assert str(Problem("no place")) == "no place"
    assert str(Problem("whole file", "reports/x.yaml")) == "reports/x.yaml whole file"


def test_wrong_types_say_what_was_found_and_expected() -> None:
    assert report_lines("""\
        title: yes
        text: 2025-01-01
        parameters: {regions: [North, South]}
        charts: "none"
        tables:
          - name: t
            query: {sql: SELECT 1}
            max_rows: lots
        """) == [
        "reports/x.yaml:1:1 title: expected text, found true/false (true); put the value in quotes",
        "reports/x.yaml:2:1 text: expected text, found a date (2025-01-01); put the value in quotes",
        "reports/x.yaml:3:14 parameters.regions: expected a single value (text, a number, true/false or a date), "
        "found a list",
        "reports/x.yaml:4:1 charts: expected a list (items starting with '- '), found text ('none')",
        "reports/x.yaml:7:5 tables[0].query: expected text, found a mapping",
        "reports/x.yaml:8:5 tables[0].max_rows: expected a whole number, found text ('lots')",
    ]


def test_unknown_keys_suggest_the_right_level() -> None:
    assert report_lines("""\
        title: t
        max_rows: 10
        charts:
          - name: c
            type: line
            query: SELECT 1
            x: a
            params: {x: a, y: b}
        """) == [
        "reports/x.yaml:2:1 max_rows: unknown key 'max_rows' ('max_rows' belongs inside an item of tables); "
        "expected one of: title, description, update_frequency, data_source, data_sources, parameters, text, "
        "as_of, metrics, charts, tables, checks, filters, for_each, access, pdf, alerts, hide_title, currency, engine, "
        "athena",
        "reports/x.yaml:7:5 charts[0].x: unknown key 'x' (did you mean 'params.x'?); expected one of: name, type, "
        "query, params, description, width, currency",
    ]


