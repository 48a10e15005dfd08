"""yamlsrc: source positions of keys and of characters inside values; duplicate keys; plain syntax errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reportsite.config.positions import Mark, format_path
from reportsite.config.yamlsrc import load_file, load_text
from reportsite.errors import ConfigError

DOC = textwrap.dedent("""\
    title: "Sales"
    charts:
      - name: "Revenue"
        query: |
          SELECT date,
                 SUM(amount) AS sales

          FROM salez
        params: {x: date, y: sales}
      - name: b
        query: "SELECT a FROM b"
        plain: SELECT a
          FROM c
          WHERE d
        folded: >
          SELECT a
          FROM c
        escaped: 'it''s'
    """)


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_text(text, "reports/x.yaml")
    return [str(p) for p in caught.value.problems]


def position(path: tuple[str | int, ...], token: str) -> tuple[int, int] | None:
    located = load_text(DOC, "reports/x.yaml")
    value = located.scalar(path)
    assert value is not None
    return located.value_position(path, value.index(token))


def test_marks_of_keys_and_list_items() -> None:
    located = load_text(DOC, "reports/x.yaml")

    assert located.keys[("title",)] == Mark(1, 1)
    assert located.keys[("charts", 0)] == Mark(3, 5)
    assert located.keys[("charts", 0, "params", "y")] == Mark(9, 23)
    assert located.mark(("charts", 1, "missing", "deeper")) == Mark(10, 5)


def test_problem_names_file_line_column_and_key_path() -> None:
    located = load_text(DOC, "reports/x.yaml")

    problem = located.problem(("charts", 0, "params", "x"), "column 'date' is not in the query result")

    assert str(problem) == "reports/x.yaml:9:14 charts[0].params.x: column 'date' is not in the query result"


def test_format_path() -> None:
    assert format_path(("charts", 2, "params", "x")) == "charts[2].params.x"
    assert format_path((3,)) == "[3]"
    assert format_path(()) == ""


@pytest.mark.parametrize(("path", "token", "expected"), [
    (("charts", 0, "query"), "salez", (8, 12)),       # literal block: the line and column of the token
    (("charts", 0, "query"), "SUM", (6, 14)),
    (("charts", 1, "query"), "FROM", (11, 22)),       # double-quoted on one line: after the quote
    (("charts", 1, "plain"), "WHERE", (14, 7)),       # plain scalar folded over three lines
    (("charts", 1, "folded"), "FROM", (17, 7)),       # folded block
])
def test_value_position_finds_a_character_in_the_source(path: tuple[str | int, ...], token: str,
                                                       expected: tuple[int, int]) -> None:
    assert position(path, token) == expected


def test_value_position_gives_up_when_escapes_change_the_text() -> None:
    assert position(("charts", 1, "escaped"), "s") is None


def test_value_line_of_block_scalar_lines() -> None:
    located = load_text(DOC, "reports/x.yaml")

    assert [located.value_line(("charts", 0, "query"), n) for n in (1, 2, 3, 4)] == [5, 6, 7, 8]
    assert located.value_line(("charts", 1, "query"), 3) == 11  # one-line value: always its own line
    assert located.value_line(("charts", 1, "nothing"), 1) == 10  # no value: the nearest key


def test_duplicate_keys_are_problems_at_the_second_key() -> None:
    located = load_text("title: a\ncharts:\n  - name: x\n    name: y\ntitle: b\n", "reports/x.yaml")

    assert [str(p) for p in located.problems] == [
        "reports/x.yaml:4:5 charts[0].name: duplicate key 'name' (first defined on line 3); remove one of them",
        "reports/x.yaml:5:1 title: duplicate key 'title' (first defined on line 1); remove one of them",
    ]
    assert located.data == {"title": "a", "charts": [{"name": "x"}]}


def test_merge_keys_are_not_duplicates_and_own_keys_win() -> None:
    located = load_text("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "reports/x.yaml")

    assert located.problems == []
    assert located.data["use"] == {"x": 1, "y": 3}


def test_impossible_date_is_a_located_problem_not_a_crash() -> None:
    located = load_text("title: x\nsince: 2025-02-30\n", "reports/x.yaml")

    assert [str(p) for p in located.problems] == [
        "reports/x.yaml:2:8 since: '2025-02-30' looks like a date but is not a valid one (day is out of range for "
        "month); put it in quotes if it is text"]


@pytest.mark.parametrize(("text", "expected"), [
    ('title: "x\n', "reports/x.yaml:1:8 YAML syntax error: this quoted value is never closed; add the closing quote"),
    ("a:\n\t- b\n", "reports/x.yaml:2:1 YAML syntax error: a tab character is not allowed for indentation in YAML; "
                    "indent with spaces"),
    ("a: [b, c\n", "reports/x.yaml:1:4 YAML syntax error: this list starting with '[' is never closed with ']'"),
    ("a: {b: c\n", "reports/x.yaml:1:4 YAML syntax error: this mapping starting with '{' is never closed with '}'"),
    ("a: b\nc\nd: e\n", "reports/x.yaml:2:1 YAML syntax error: this line has no ':' after its key "
                        "(write 'key: value')"),
    ("a:\n  b: 1\n c: 2\n", "reports/x.yaml:3:2 YAML syntax error: bad indentation: this key does not line up with "
                            "the keys above it"),
    ("title: x\n- a\n", "reports/x.yaml:2:1 YAML syntax error: a list item ('- ') is not allowed here; check its "
                        "indentation and the key above it"),
    ("a: b: c\n", "reports/x.yaml:1:5 YAML syntax error: unexpected ':' (is this line indented too far, or does a "
                  "value containing ': ' need quotes?)"),
    ("a: @x\n", "reports/x.yaml:1:4 YAML syntax error: a value cannot start with '@'; put the value in quotes"),
    ("a: *nope\n", "reports/x.yaml:1:4 YAML syntax error: '*nope' refers to an anchor '&nope' that is not defined "
                   "above it"),
    ("a: 1\n---\nb: 2\n", "reports/x.yaml:2:1 YAML syntax error: the file holds more than one YAML document "
                          "('---'); a report is one document"),
    ("a: !!python/name:os.system x\n", "reports/x.yaml:1:4 YAML syntax error: the YAML tag "
                                       "'!!python/name:os.system' is not supported; write a plain value"),
    ("a: !!python/object/apply:os.system [x]\n", "reports/x.yaml:1:4 YAML syntax error: the YAML tag "
                                                 "'!!python/object/apply:os.system' is not supported; write a "
                                                 "plain value"),
    ("a: |x\n  b\n", "reports/x.yaml:1:5 YAML syntax error: only a digit, '-' or '+' may follow '|' or '>' on its "
                     "line; start the text on the next line, indented"),
    ("a: x\x07\n", "reports/x.yaml:1:5 the control character U+0007 is not allowed in YAML text; remove it"),
])
def test_syntax_errors_are_one_plain_located_line(text: str, expected: str) -> None:
    assert errors(text) == [expected]


@pytest.mark.parametrize(("raw", "expected"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "reports/x.yaml is a binary file, not YAML text"),
    ("title: x\n".encode("utf-16"), "reports/x.yaml is UTF-16 text; save the file as UTF-8"),
    (b"title: caf\xe9\n", "reports/x.yaml:1:11 is not UTF-8 text (byte 0xe9 cannot be decoded); save the file as "
                          "UTF-8"),
])
def test_unreadable_files(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(raw)

    with pytest.raises(ConfigError) as caught:
        load_file(path, "reports/x.yaml")

    assert [str(p) for p in caught.value.problems] == [expected]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbftitle: x\n")

    assert load_file(path, "reports/x.yaml").data == {"title": "x"}


def test_empty_and_comment_only_texts_have_no_data() -> None:
    assert load_text("", "reports/x.yaml").data is None
    assert load_text("# nothing yet\n", "reports/x.yaml").data is None


def test_an_anchor_defined_twice_names_the_first() -> None:
    assert errors("a: &p 1\nb: &p 2\n") == [
        "reports/x.yaml:2:4 YAML syntax error: the anchor '&p' is already defined on line 1; rename one of them"]


def test_merged_keys_from_several_sources_are_not_duplicates() -> None:
    located = load_text("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc: {<<: [*a, *b], w: 0}\n", "reports/x.yaml")

    assert located.problems == []
    assert located.data["c"] == {"x": 1, "y": 1, "z": 2, "w": 0}  # the first source listed wins, as YAML says
