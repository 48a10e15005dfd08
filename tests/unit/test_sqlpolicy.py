"""sqlpolicy: which report SQL may run, and where in the text a refused one goes wrong."""

from __future__ import annotations

import pytest

from reportsite.query.sqlpolicy import READ_ONLY, SOURCES_ONLY, review

TABLES = {"sales": "sales.parquet", "customers": "s3://acme-data/customers.csv"}


def refused(sql: str) -> list[tuple[str, int | None]]:
    return [(r.message, r.offset) for r in review(sql, TABLES)]


@pytest.mark.parametrize("sql", [
    "SELECT * FROM sales",
    "select region, sum(amount) from sales group by all",
    "WITH m AS (SELECT date_trunc('month', date) AS month FROM sales) SELECT * FROM m",
    "VALUES (1, 'a'), (2, 'b')",
    "FROM sales WHERE amount > $min_amount",
    "SELECT * FROM sales s JOIN customers c USING (customer_id)",
    "SELECT * FROM range(10) r, generate_series(1, 3) g, unnest([1, 2]) u",
    "SELECT 'read_text(''/etc/passwd'')' AS just_text -- getenv('X') in a comment",
    "(SELECT 1) UNION ALL (SELECT 2);",
    "SELECT * FROM (PIVOT sales ON region IN ('North', 'South') USING sum(amount))",
    "DESCRIBE sales",
    "SUMMARIZE sales",
    "SELECT * FROM information_schema.columns",
    "SELECT * FROM sales WHERE region = 'a;b'",
    "SELECT 1 FROM sales WHERE name = 'ü' AND ok",
])
def test_read_only_queries_over_the_report_tables_pass(sql: str) -> None:
    assert refused(sql) == []


@pytest.mark.parametrize(("sql", "word"), [
    ("COPY sales TO 'out.csv'", "COPY"), ("EXPORT DATABASE 'x'", "EXPORT"), ("ATTACH 'x.db'", "ATTACH"),
    ("INSTALL httpfs", "INSTALL"), ("LOAD httpfs", "LOAD"), ("SET memory_limit = '9GB'", "SET"),
    ("RESET memory_limit", "RESET"), ("PRAGMA version", "PRAGMA"), ("CALL pragma_version()", "CALL"),
    ("CREATE TABLE t AS SELECT 1", "CREATE"), ("INSERT INTO sales VALUES (1)", "INSERT"),
    ("DELETE FROM sales", "DELETE"), ("EXPLAIN SELECT 1", "EXPLAIN"), ("USE memory", "USE"),
    ("DETACH db", "DETACH"), ("CHECKPOINT", "CHECKPOINT"), ("-- copy\n  COPY sales TO 'x'", "COPY"),
])
def test_statements_other_than_a_query_are_refused_at_their_keyword(sql: str, word: str) -> None:
    found = refused(sql)

    assert len(found) == 1
    message, offset = found[0]
    assert message.startswith(f"{word} is not allowed: {READ_ONLY}")
    assert offset == sql.index(word, sql.find("\n") + 1)


@pytest.mark.parametrize("sql", [
    "PIVOT sales ON region USING sum(amount)",
    "PIVOT sales ON region USING sum(amount) GROUP BY product_id ORDER BY 1",
    "SELECT * FROM (PIVOT sales ON region USING sum(amount))",
    "WITH p AS (PIVOT sales ON region USING sum(amount)) SELECT * FROM p",
    "PIVOT_WIDER sales ON region, year(date) USING sum(amount)",
    "PIVOT sales ON region || '-' || 'x' USING sum(amount) AS total",
    "PIVOT sales ON region IN ('North'), segment USING sum(amount)",
    "PIVOT sales ON region IN (SELECT DISTINCT region FROM sales ORDER BY 1) USING sum(amount)",
    "PIVOT (SELECT * FROM sales JOIN customers USING (customer_id)) ON \"segment\" USING count(*)",
    "SELECT * FROM sales PIVOT (sum(amount) FOR region IN ('North', 'South'))",
    "UNPIVOT sales ON COLUMNS(* EXCLUDE (region)) INTO NAME k VALUE v",
    "SELECT * FROM information_schema.columns",
    "SELECT * FROM main.sales",
])
def test_pivot_and_unpivot_pass_in_every_form(sql: str) -> None:
    assert refused(sql) == []


@pytest.mark.parametrize(("sql", "spot", "what"), [
    ("PIVOT sales ON region IN (SELECT content FROM read_text('/proc/self/environ')) USING sum(amount)",
     "read_text", "reading '/proc/self/environ'"),
    ("PIVOT (SELECT * FROM read_csv('x.csv')) ON a USING count(*)", "read_csv", "reading 'x.csv'"),
    ("PIVOT sales ON region, segment USING sum(amount) + len(getenv('HOME'))", "getenv", "reading environment"),
    ("WITH p AS (PIVOT sales ON region USING max(current_setting('temp_directory'))) SELECT * FROM p",
     "current_setting", "current_setting() is not allowed"),
])
def test_a_dynamic_pivot_is_reviewed_as_the_static_one_it_becomes(sql: str, spot: str, what: str) -> None:
    found = refused(sql)

    assert [(message.startswith(what), offset) for message, offset in found] == [(True, sql.index(spot))]


@pytest.mark.parametrize(("sql", "spot", "message"), [
    ("SELECT current_setting('home_directory')", "current_setting",
     "current_setting() is not allowed (it shows the build machine, not the data: its folders, memory and "
     f"settings): {SOURCES_ONLY}"),
    ("SELECT version()", "version", f"version() is not allowed (it shows the build machine, not the data: its "
     f"software): {SOURCES_ONLY}"),
    ("SELECT getvariable('x')", "getvariable",
     f"getvariable() is not allowed (it shows the build machine, not the data): {SOURCES_ONLY}"),
    ("SELECT count(*) FROM customers.csv", "customers.csv",
     f"reading 'customers.csv' is not allowed: {SOURCES_ONLY}; query the table 'customers' instead"),
    ("FROM other.sales", "other", f"'other.sales' is not one of the report's tables: {SOURCES_ONLY} (its tables: "
     "sales, customers)"),
    ('SELECT * FROM (WITH "x.csv" AS (SELECT 1) SELECT * FROM "x.csv"), \'x.csv\'', '"x.csv")',
     f"reading 'x.csv' is not allowed: {SOURCES_ONLY}; declare it under data_sources and query it by its table name"),
])
def test_machine_functions_dotted_files_and_path_named_ctes_are_refused(sql: str, spot: str, message: str) -> None:
    assert refused(sql)[0] == (message, sql.index(spot))


def test_more_than_one_statement_points_at_the_second() -> None:
    sql = "SELECT 1;\n  COPY sales TO 'x.csv';"

    assert refused(sql) == [(f"{READ_ONLY}; this one has 2 statements (remove the ';' and what follows it)",
                             sql.index("COPY"))]


@pytest.mark.parametrize(("sql", "path"), [
    ("SELECT * FROM read_text('/proc/self/environ')", "/proc/self/environ"),
    ("SELECT * FROM read_blob('/root/.ssh/id_rsa')", "/root/.ssh/id_rsa"),
    ("SELECT * FROM glob('/etc/*')", "/etc/*"),
    ("SELECT * FROM read_csv('https://attacker.example/x.csv')", "https://attacker.example/x.csv"),
    ("SELECT * FROM read_csv_auto('http://169.254.169.254/latest/meta-data/')",
     "http://169.254.169.254/latest/meta-data/"),
    ("SELECT * FROM parquet_metadata('/data/x.parquet')", "/data/x.parquet"),
    ("SELECT * FROM read_json(['a.json', 'b.json'])", "a.json"),
    ("SELECT * FROM '/etc/passwd'", "/etc/passwd"),
    ("SELECT * FROM 'https://example.com/a.parquet'", "https://example.com/a.parquet"),
    ('SELECT * FROM "~/.aws/credentials"', "~/.aws/credentials"),
])
def test_reading_files_urls_or_paths_is_refused_naming_the_path(sql: str, path: str) -> None:
    found = refused(sql)

    assert len(found) == 1
    assert found[0][0].startswith(f"reading '{path}' is not allowed: {SOURCES_ONLY}")


def test_reading_a_declared_source_by_path_suggests_its_table() -> None:
    assert refused("SELECT * FROM read_parquet('data/sales.parquet')") == [
        (f"reading 'data/sales.parquet' is not allowed: {SOURCES_ONLY}; query the table 'sales' instead", 14)]


def test_reading_another_data_file_says_how_to_declare_it() -> None:
    assert refused("SELECT * FROM 's3://acme-hr/payroll.parquet'") == [
        (f"reading 's3://acme-hr/payroll.parquet' is not allowed: {SOURCES_ONLY}; declare it under data_sources "
         "and query it by its table name", 14)]


@pytest.mark.parametrize("sql", [
    "SELECT * FROM query('SELECT 1')", "SELECT * FROM query_table('sales')", "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_secrets()", "SELECT * FROM pragma_table_info('sales')",
])
def test_table_functions_that_do_not_only_compute_are_refused(sql: str) -> None:
    found = refused(sql)

    assert len(found) == 1
    assert found[0][0].endswith(f"is not allowed: {SOURCES_ONLY} (its tables: sales, customers)")
    assert found[0][1] == 14


def test_getenv_is_refused_anywhere() -> None:
    sql = "SELECT region FROM sales WHERE region <> getenv('AWS_SECRET_ACCESS_KEY')"

    assert refused(sql) == [(f"reading environment variables (getenv) is not allowed: {SOURCES_ONLY}",
                             sql.index("getenv"))]


def test_every_refusal_in_nested_queries_is_found_at_its_character() -> None:
    sql = ("WITH a AS (SELECT content FROM read_text('/proc/self/environ'))\n"
           "SELECT 'é', (SELECT count(*) FROM glob('/root/*')) FROM sales WHERE x IN (SELECT 1 FROM query('x'))")

    found = refused(sql)

    assert [offset for _, offset in found] == [sql.index("read_text"), sql.index("glob"), sql.index("query(")]


def test_sql_that_does_not_parse_is_left_to_duckdb_to_locate() -> None:
    assert refused("SELEC * FROM sales") == []
    assert refused("SELECT * FROM sales WHERE") == []
