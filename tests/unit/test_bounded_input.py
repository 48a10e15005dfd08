"""Bounded input: no report, however hostile, takes unbounded time or memory or crashes the tool.

Files over 1 MB, alias bombs, self-referencing aliases, deep nesting, huge numbers, text a page cannot
hold and report names that cannot be page names each give one located line. The hostile-report corpus
cases named ``yaml_*`` are checked here too, in the format of the bad-report corpus.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from reportsite.cli import main as cli
from reportsite.config.project import gather_project, load_report, suggested_slug
from reportsite.config.yamlsrc import (
    MAX_ALIAS_VALUES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_VALUES,
    load_file,
    load_text,
)
from reportsite.errors import ConfigError, ReportError

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "fixtures" / "hostile_reports"
CASES = sorted(p.stem for p in HOSTILE.glob("yaml_*.yaml"))
Factory = Callable[..., Path]
SAFETY = 10  # CPU seconds: a generous bound that only catches unbounded work; each case takes milliseconds to about
# a second here. CPU time, not wall time: a machine busy with other work does not stretch it, so load cannot fail
# these tests (the speed itself is not asserted)

REPORT = textwrap.dedent("""\
    title: "Sales"
    data_source: "sales.parquet"
    charts:
      - name: "Revenue"
        type: line
        query: "SELECT date, SUM(amount) AS revenue FROM sales GROUP BY 1"
        params: {x: date, y: revenue}
    """)


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_text(text, "reports/x.yaml")
    return [str(p) for p in caught.value.problems]


def problems(text: str) -> list[str]:
    """Problems found while reading (the document still loads), e.g. invalid characters."""
    return [str(p) for p in load_text(text, "reports/x.yaml").problems]


def bounded(func: Callable[[], object]) -> tuple[float, int]:
    """CPU seconds (of this process) and peak traced bytes of ``func()``."""
    tracemalloc.start()
    started = time.process_time()
    with contextlib.suppress(ReportError):
        func()
    seconds = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def bomb(levels: int, width: int = 10) -> str:
    """The classic 'billion laughs': each anchor is a list of ``width`` aliases to the one before."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


# --- size ---------------------------------------------------------------------------------------------------

def test_a_file_over_1_mb_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"title: x\ntext: |\n" + b"  lorem ipsum dolor sit amet\n" * 40_000)

    with pytest.raises(ConfigError) as caught:
        load_file(path, "reports/big.yaml")

    assert [str(p) for p in caught.value.problems] == [
        "reports/big.yaml is too large (1,160,017 bytes); a file may be at most 1 MB (1,000,000 bytes)"]


def test_a_file_of_exactly_1_mb_is_read(tmp_path: Path) -> None:
    path = tmp_path / "edge.yaml"
    head = b"title: x\ntext: |\n"
    line = b"  " + b"x" * 97 + b"\n"
    body = line * ((MAX_FILE_BYTES - len(head)) // len(line))
    path.write_bytes(head + body + b"#" * (MAX_FILE_BYTES - len(head) - len(body)))

    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_file(path, "reports/edge.yaml").data["title"] == "x"


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "sparse.yaml"
    with path.open("wb") as handle:
        handle.truncate(20 * 2**30)  # 20 GiB, sparse: reading it would take minutes

    seconds, peak = bounded(lambda: load_file(path, "reports/sparse.yaml"))

    assert seconds < SAFETY and peak < 10_000_000
    with pytest.raises(ConfigError, match=r"is too large \(21,474,836,480 bytes\)"):
        load_file(path, "reports/sparse.yaml")


def test_a_file_that_grows_after_its_size_was_seen_is_read_only_up_to_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "growing.yaml"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)
    empty = os.stat_result((stat.S_IFREG | 0o644, 0, 0, 1, 0, 0, 0, 0, 0, 0))
    real_stat = Path.stat
    monkeypatch.setattr(Path, "stat", lambda self, **kw: empty if self == path else real_stat(self, **kw))

    _, peak = bounded(lambda: load_file(path, "reports/growing.yaml"))

    with pytest.raises(ConfigError) as caught:
        load_file(path, "reports/growing.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "reports/growing.yaml is too large (more than 1,000,000 bytes); a file may be at most 1 MB (1,000,000 bytes)"]
    assert peak < 5_000_000


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p.mkdir(), "reports/x.yaml is a folder, not a file"),
    (lambda p: p.symlink_to("/dev/zero"), "reports/x.yaml is not a regular file (a device, pipe or socket)"),
    (lambda p: os.mkfifo(p), "reports/x.yaml is not a regular file (a device, pipe or socket)"),
    (lambda p: p.symlink_to(p.parent / "gone.yaml"), "reports/x.yaml does not exist"),
])
def test_a_report_that_is_not_a_regular_file(tmp_path: Path, make: Callable[[Path], None], expected: str) -> None:
    path = tmp_path / "x.yaml"
    make(path)

    with pytest.raises(ConfigError) as caught:
        load_file(path, "reports/x.yaml")

    assert [str(p) for p in caught.value.problems] == [expected]


def test_a_sql_file_over_1_mb_is_located_at_the_query(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "big.sql").write_text("SELECT 1 AS value\n" + "-- padding\n" * 100_000, encoding="utf-8")
    (reports / "nul.sql").write_bytes(b"SELECT 1\x00 AS value\n")
    (reports / "r.yaml").write_text("title: x\nmetrics:\n  - name: a\n    query: big.sql\n"
                                    "  - name: b\n    query: nul.sql\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_report(tmp_path, reports / "r.yaml")

    assert [str(p) for p in caught.value.problems] == [
        "reports/r.yaml:4:5 metrics[0].query: SQL file 'big.sql' is too large (1,100,018 bytes); a file may be "
        "at most 1 MB (1,000,000 bytes)",
        "reports/r.yaml:6:5 metrics[1].query: SQL file 'nul.sql' is a binary file, not SQL text",
    ]


# --- aliases and nesting ------------------------------------------------------------------------------------

def test_an_alias_bomb_is_refused_at_the_alias_that_goes_over_the_budget() -> None:
    text = "title: x\n" + bomb(5)  # 100,000 values when expanded

    seconds, peak = bounded(lambda: load_text(text, "reports/x.yaml"))

    assert errors(text) == [
        "reports/x.yaml:5:45 YAML aliases here expand to more than 10,000 values; write the values out or use "
        "fewer aliases"]
    assert seconds < SAFETY and peak < 5_000_000


def test_a_billion_laughs_takes_milliseconds_and_little_memory() -> None:
    # in a child process, so that if the guard ever breaks this fails after a minute instead of eating the machine
    text = "title: x\n" + bomb(9)
    code = textwrap.dedent(f"""
        import time, tracemalloc
        from reportsite.errors import ConfigError
        from reportsite.config.yamlsrc import load_text
        tracemalloc.start()
        started = time.process_time()
        try:
            load_text({text!r}, "reports/x.yaml")
        except ConfigError as exc:
            print(exc)
        print(time.process_time() - started, tracemalloc.get_traced_memory()[1])
        """)

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)

    message, measured = done.stdout.splitlines()
    seconds, peak = measured.split()
    assert message == ("reports/x.yaml:5:45 YAML aliases here expand to more than 10,000 values; write the values out "
                       "or use fewer aliases")
    assert float(seconds) < SAFETY and int(peak) < 5_000_000


def test_aliases_up_to_the_budget_are_fine() -> None:
    # 'b' is a list of 9 items (10 values); each alias to it adds 10 values
    uses = MAX_ALIAS_VALUES // 10
    text = "b: &b [1, 2, 3, 4, 5, 6, 7, 8, 9]\n" + "".join(f"k{i}: *b\n" for i in range(uses))

    assert len(load_text(text, "reports/x.yaml").data) == uses + 1
    assert errors(text + "one_more: *b\n") == [
        f"reports/x.yaml:{uses + 2}:11 YAML aliases here expand to more than 10,000 values; write the values "
        "out or use fewer aliases"]


@pytest.mark.parametrize(("text", "expected"), [
    ("a: &a [*a]\n", "reports/x.yaml:1:8 '*a' refers to the anchor '&a' that contains it; an alias cannot include "
                     "itself"),
    ("a: &a\n  b:\n    c: [1, *a]\n", "reports/x.yaml:3:12 '*a' refers to the anchor '&a' that contains it; an "
                                     "alias cannot include itself"),
    ("a: &a {<<: *a}\n", "reports/x.yaml:1:12 '*a' refers to the anchor '&a' that contains it; an alias cannot "
                         "include itself"),
])
def test_an_alias_inside_its_own_anchor(text: str, expected: str) -> None:
    assert errors(text) == [expected]


def test_merge_keys_used_several_times_keep_working() -> None:
    text = textwrap.dedent("""\
        base: &base {type: line, width: half}
        params: &params {x: date, y: sales}
        charts:
          - {<<: *base, name: a, params: *params}
          - {<<: *base, name: b, params: {<<: *params, y: revenue}}
          - {<<: [*base, *params], name: c, width: full}
        """)

    located = load_text(text, "reports/x.yaml")

    assert located.problems == []
    assert located.data["charts"] == [
        {"type": "line", "width": "half", "name": "a", "params": {"x": "date", "y": "sales"}},
        {"type": "line", "width": "half", "name": "b", "params": {"x": "date", "y": "revenue"}},
        {"type": "line", "width": "full", "x": "date", "y": "sales", "name": "c"},
    ]


def test_an_alias_of_a_mapping_with_a_merge_key_keeps_its_own_values() -> None:
    located = load_text("base: &b {x: 1}\nuse: &u {<<: *b, x: 2}\nagain: *u\n", "reports/x.yaml")

    assert located.problems == []
    assert located.data["again"] == {"x": 2}


def test_nesting_up_to_100_levels_is_fine_and_101_is_refused() -> None:
    ok = "a: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n"  # the top mapping is level 1

    assert load_text(ok, "reports/x.yaml").data is not None
    assert errors("a: " + "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH + "\n") == [
        "reports/x.yaml:1:103 the YAML is nested more than 100 levels deep"]


def test_deep_block_nesting_is_refused_at_the_level_past_100() -> None:
    text = "".join(" " * level + f"k{level}:\n" for level in range(120)) + " " * 120 + "end\n"

    assert errors(text) == ["reports/x.yaml:101:101 the YAML is nested more than 100 levels deep"]


@pytest.mark.parametrize("depth", [10_000, 300_000])
def test_very_deep_flow_nesting_is_refused_quickly(depth: int) -> None:
    text = "title: x\ntext: " + "[" * depth + "]" * depth + "\n"

    seconds, peak = bounded(lambda: load_text(text, "reports/x.yaml"))

    assert errors(text) == ["reports/x.yaml:2:106 the YAML is nested more than 100 levels deep"]
    assert seconds < SAFETY and peak < 5_000_000


def test_mixed_block_and_flow_nesting_counts_every_level() -> None:
    text = "".join(" " * level + f"k{level}:\n" for level in range(50)) + " " * 50 + "x: " + "{a: " * 60 + "1" \
        + "}" * 60 + "\n"

    assert errors(text) == ["reports/x.yaml:51:250 the YAML is nested more than 100 levels deep"]


def test_more_values_than_the_budget_are_refused_quickly() -> None:
    text = "title: x\nt: [" + "1, " * 100_000 + "1]\n"

    assert errors(text) == [
        f"reports/x.yaml:2:{5 + 3 * (MAX_VALUES - 5)} the YAML holds more than 10,000 values (keys, list items and "
        "values); split it into smaller reports"]
    seconds, peak = bounded(lambda: load_text(text, "reports/x.yaml"))
    assert seconds < SAFETY and peak < 50_000_000


def test_a_recursion_error_while_building_is_a_located_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from reportsite.config import yamlsrc

    def too_deep(*args: object) -> None:
        raise RecursionError

    monkeypatch.setattr(yamlsrc, "_build", too_deep)

    assert errors("a: [1]\n") == ["reports/x.yaml the YAML is nested more than 100 levels deep"]


# --- values a page cannot hold -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ('title: "\\ud800"\n', "reports/x.yaml:1:8 title: the text contains an invalid character (a lone surrogate "
                           "U+D800); remove it"),
    ('title: "ok \\udfff"\n', "reports/x.yaml:1:8 title: the text contains an invalid character (a lone surrogate "
                              "U+DFFF); remove it"),
    ('charts:\n  - name: "a\\x00b"\n', "reports/x.yaml:2:11 charts[0].name: the text contains the control character "
                                       "U+0000; remove it"),
    ('title: "\\e[31m"\n', "reports/x.yaml:1:8 title: the text contains the control character U+001B; remove it"),
    ('title: "\\uffff"\n', "reports/x.yaml:1:8 title: the text contains an invalid character (U+FFFF, which is not "
                           "a character); remove it"),
    ('"\\ud800": 1\n', "reports/x.yaml:1:1 the text contains an invalid character (a lone surrogate U+D800); "
                       "remove it"),
    ('parameters: {"k\\ud800": 1}\n', "reports/x.yaml:1:14 parameters: the text contains an invalid character (a "
                                      "lone surrogate U+D800); remove it"),
])
def test_text_a_page_cannot_hold_is_located_at_the_value(text: str, expected: str) -> None:
    located = load_text(text, "reports/x.yaml")

    assert [str(p) for p in located.problems] == [expected]
    assert str(located.data).encode("utf-8")  # what is left can be written


def test_an_invalid_key_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "x.yaml"
    path.parent.mkdir()
    path.write_text(REPORT + '"\\ud800": 1\n' + "9" * 200 + ": 2\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_report(tmp_path, path)

    assert [str(p) for p in caught.value.problems] == [
        "reports/x.yaml:8:1 the text contains an invalid character (a lone surrogate U+D800); remove it",
        "reports/x.yaml:9:1 this number is 200 characters long; a number may have at most 100 (put it in quotes if "
        "it is text)",
    ]


def test_a_json_style_surrogate_pair_is_one_character() -> None:
    located = load_text('title: "\\ud83d\\ude42 and \\u00e9"\n', "reports/x.yaml")

    assert located.problems == []
    assert located.data == {"title": "🙂 and é"}


@pytest.mark.parametrize(("text", "expected"), [
    ("max_rows: " + "9" * 101 + "\n", "reports/x.yaml:1:11 max_rows: this number is 101 characters long; a number "
                                      "may have at most 100 (put it in quotes if it is text)"),
    ("t: 1" + ":00" * 5_000 + "\n", "reports/x.yaml:1:4 t: this number is 15,001 characters long; a number may have "
                                    "at most 100 (put it in quotes if it is text)"),
    ("t: 1.0e+400\n", "reports/x.yaml:1:4 t: the number '1.0e+400' is too large; write a number between -1e308 and "
                      "1e308 (put it in quotes if it is text)"),
    ("t: -.inf\n", "reports/x.yaml:1:4 t: the number '-.inf' is infinite; write a number between -1e308 and 1e308 "
                   "(put it in quotes if it is text)"),
    ("t: .nan\n", "reports/x.yaml:1:4 t: the number '.nan' is not a number; write a number between -1e308 and 1e308 "
                  "(put it in quotes if it is text)"),
])
def test_numbers_too_long_or_not_finite(text: str, expected: str) -> None:
    seconds, _ = bounded(lambda: load_text(text, "reports/x.yaml"))

    assert problems(text) == [expected]
    assert seconds < SAFETY


def test_a_large_but_short_number_is_an_ordinary_bounds_error(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "x.yaml"
    path.parent.mkdir()
    path.write_text(REPORT.replace("charts:", f"tables:\n  - name: t\n    query: SELECT 1\n    max_rows: {10**30}\n"
                                   "charts:"), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_report(tmp_path, path)

    assert [str(p) for p in caught.value.problems] == [
        "reports/x.yaml:6:5 tables[0].max_rows: expected at most 50000, found 1e+30"]


def test_long_and_huge_values_are_shortened_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "x.yaml"
    path.parent.mkdir()
    path.write_text(REPORT.replace("type: line", "type: " + "z" * 100_000) + "x" * 300 + ": 1\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_report(tmp_path, path)

    lines = [str(p) for p in caught.value.problems]
    assert lines == [
        f"reports/x.yaml:5:5 charts[0].type: unknown chart type '{'z' * 59}…'; expected one of: line, bar, area, "
        "scatter, pie, histogram, heatmap",
        f"reports/x.yaml:8:1 {'x' * 59}…: unknown key '{'x' * 59}…'; expected one of: title, description, "
        "update_frequency, data_source, data_sources, parameters, text, as_of, metrics, charts, tables, checks, "
        "filters, for_each, access, pdf, alerts, hide_title, currency, engine, athena",
    ]


def test_names_of_300_characters_load_and_check(make_project: Factory, sample_data: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    long = "Revenue " * 40
    root = make_project({"long.yaml": REPORT.replace('"Sales"', f'"{long}"').replace('"Revenue"', f'"{long}"')
                         .replace("params: {x: date, y: revenue}", f'params: {{x: date, y: revenue, title: "{long}", '
                                                                   f'x_title: "{long}"}}')},
                        data_root=sample_data)

    code = cli.main(["--project", str(root), "check"])

    err = capsys.readouterr().err
    assert code == 0, err
    assert "1 report(s) valid" in err


# --- report names ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("stem", "slug"), [
    ("Sales Report", "sales-report"), ("ümlaut", "umlaut"), (".hidden", "hidden"), ("Straße 2025", "strasse-2025"),
    ("日本", "report"), ("a.b.c", "a-b-c"), ("__x__", "x"), ("x" * 150, "x" * 96),
])
def test_suggested_names(stem: str, slug: str) -> None:
    assert suggested_slug(stem, set()) == slug


def test_a_suggested_name_that_is_taken_gets_a_number() -> None:
    assert suggested_slug("Sales", {"sales", "sales-2"}) == "sales-3"


def report_problems(root: Path) -> tuple[list[str], list[str]]:
    project, errors = gather_project(root)
    return [r.slug for r in project.reports], [str(p) for e in errors for p in e.problems]


def test_names_that_cannot_be_page_names_are_reported_with_every_other_problem(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("good.yaml", "x.yaml", "x.yml", "Sales Report.yaml", "ümlaut.yaml", ".hidden.yaml",
                 "a" * 101 + ".yaml", "b" * 100 + ".yaml"):
        (reports / name).write_text(REPORT, encoding="utf-8")
    (reports / "Broken File.yaml").write_text("title: [x\n", encoding="utf-8")
    (reports / os.fsdecode(b"caf\xe9.yaml")).write_text(REPORT, encoding="utf-8")

    slugs, lines = report_problems(tmp_path)

    rule = "a report's file name becomes its page (reports/<name>.html), so use only lower-case letters, digits, '-' " \
           "and '_'"
    assert slugs == ["b" * 100, "good", "x"]
    assert lines == [
        f"reports/.hidden.yaml is not a valid report name: {rule}; rename it to hidden.yaml",
        f"reports/Broken File.yaml is not a valid report name: {rule}; rename it to broken-file.yaml",
        "reports/Broken File.yaml:1:8 YAML syntax error: this list starting with '[' is never closed with ']'",
        f"reports/Sales Report.yaml is not a valid report name: {rule}; rename it to sales-report.yaml",
        f"reports/{'a' * 101}.yaml has a name of 101 characters: a report's file name becomes its page "
        "(reports/<name>.html), so use at most 100; rename it to a shorter name",
        f"reports/caf\\xe9.yaml is not a valid report name: {rule}; rename it to caf.yaml",
        "reports/x.yml has the same name as reports/x.yaml, and both would become reports/x.html; rename or remove "
        "one of them",
        f"reports/ümlaut.yaml is not a valid report name: {rule}; rename it to umlaut.yaml",
    ]


def test_build_refuses_misnamed_reports_and_writes_nothing(make_project: Factory, sample_data: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project({"sales.yaml": REPORT, "sales.yml": REPORT, "Sales Report.yaml": REPORT},
                        data_root=sample_data)

    code = cli.main(["--project", str(root), "build", "--out", str(root / "_site")])

    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    assert err.splitlines()[-3:] == [
        "error: reports/Sales Report.yaml is not a valid report name: a report's file name becomes its page "
        "(reports/<name>.html), so use only lower-case letters, digits, '-' and '_'; rename it to "
        "sales-report.yaml",
        "error: reports/sales.yml has the same name as reports/sales.yaml, and both would become "
        "reports/sales.html; rename or remove one of them",
        "2 problem(s); nothing was written.",
    ]
    assert not (root / "_site").exists()


def test_only_with_an_unprintable_name_is_a_plain_message(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "sales.yaml").write_text(REPORT, encoding="utf-8")

    _, errors = gather_project(tmp_path, only=["sa\nles\udce9", "y" * 300, "\ud800"])

    assert [str(p) for e in errors for p in e.problems] == [
        "no report named 'sa\\nles\\xe9' in reports/ (did you mean 'sales'?)",
        f"no report named '{'y' * 59}…' in reports/",
        "no report named '\\ud800' in reports/",
    ]


def test_cli_prints_problems_verbatim_with_unencodable_text_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from reportsite.build import checking

    def fails(root: Path, strict: bool = False, **options: object) -> None:
        raise ConfigError.at("bad \udce9 text :smile: [red]x[/red]", "reports/x.yaml", 1, 1)

    monkeypatch.setattr(checking, "check_project", fails)

    code = cli.main(["--project", str(tmp_path), "check"])

    assert code == 1
    assert capsys.readouterr().err.splitlines() == ["error: reports/x.yaml:1:1 bad \\udce9 text :smile: [red]x[/red]",
                                                    "1 problem(s); nothing was written."]


# --- the hostile-report corpus (yaml_* cases) ----------------------------------------------------------------

def test_there_are_hostile_yaml_cases_each_with_expectations_and_small() -> None:
    assert len(CASES) >= 5
    for case in CASES:
        assert (HOSTILE / f"{case}.expected").is_file(), case
        assert (HOSTILE / f"{case}.yaml").stat().st_size < 50_000, case


@pytest.mark.parametrize("case", CASES)
def test_hostile_yaml_case_gives_exact_messages(case: str, make_project: Factory, sample_data: Path) -> None:
    from reportsite.build.checking import check_project

    root = make_project(data_root=sample_data)
    shutil.copyfile(HOSTILE / f"{case}.yaml", root / "reports" / f"{case}.yaml")
    expected = [line.replace("{data}", str(sample_data))
                for line in (HOSTILE / f"{case}.expected").read_text(encoding="utf-8").splitlines() if line.strip()]

    started = time.process_time()  # CPU time: a busy machine does not stretch it
    with pytest.raises(ReportError) as caught:
        check_project(root)

    assert [str(p) for p in caught.value.problems] == expected
    assert time.process_time() - started < 5
