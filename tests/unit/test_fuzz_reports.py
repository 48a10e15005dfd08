"""Hostile reports: the demo reports damaged on purpose, the way an attacker (or a bad day) would.

Like the mutation test in test_bad_reports.py, but each mutation is hostile: text a page cannot hold,
huge values, deep nesting, alias bombs, odd file names, binary junk, a file over the size limit. Whatever
happens, ``reportsite check`` answers with located lines and exit code 1, never a traceback or an internal
error, and in bounded time. Reports that stay valid but hold odd text are also built, so the text reaches
the queries, charts and pages.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reportsite.build import checking
from reportsite.build.checking import check_project
from reportsite.cli import main as cli
from reportsite.errors import Problem, ReportError

REPO = Path(__file__).resolve().parents[2]
DEMOS = sorted((REPO / "reports").glob("*.yaml"))
Factory = Callable[..., Path]
# A report path (any characters but ':' in its name, escapes included), optionally :line[:column], then a space.
LOCATED = re.compile(r"^reports/[^:]+\.(yaml|yml|sql)(:\d+(:\d+)?)? ")
KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_]+):( .*)?$")

LONG = "x" * 300
HUGE = "y" * 100_000
VALUES = [
    '"\\ud800"', '"text \\udfff here"', '"\\x00"', '"a\\x07b"', '"\\x1b[31mred"', '"\\u200b\\u202e"', '"\\ufffe"',
    LONG, f'"{LONG}"', HUGE, f"'{HUGE}'", f"|\n  {HUGE}",
    "1e400", "1.0e+400", "-1.0e+400", ".inf", ".nan", str(10**30), str(-10**30), "9" * 5000, "1" + ":00" * 3000,
    "0", "-1", "-0.0", "0.0", "2147483648", "9223372036854775808",
    "[" * 150 + "]" * 150, "[" * 10_000 + "]" * 10_000, "{a: " * 120 + "b" + "}" * 120,
    "*nowhere", "&a [*a]", "!!binary aGVsbG8=", "!!python/object:os.system x",
    "ümlaut", "日本語のテキスト", "🙂" * 100, "\u202eevil", "e\u0301" * 50,
]
KEYS = ['"\\ud800"', "ümlaut", "日本", "🙂", '"a\\nb"', '"\\x00"', "x" * 300, '"' + "k" * 2000 + '"',
        "<<", "? [a, b]", "title", "max_rows", "min_rows"]
LIMITS = ["max_rows: 0", "max_rows: -1", "max_rows: 1.0e+400", f"max_rows: {10**30}", "min_rows: -5",
          f"min_rows: {10**30}", "max_age_days: 0", "max_age_days: -1", "max_age_days: 1e400",
          "max_age_days: 1.0e+300", f"max_age_days: {10**30}"]
TEXT_KEYS = ("title", "description", "name", "text", "x_title", "y_title")
TEXTS = [LONG, HUGE, "🙂" * 300, "\u202eevil\u202c", "zero\u200bwidth", "e\u0301" * 300, "<script>alert(1)</script>",
         "{{ 7 * 7 }} {% raw %}", "[red]markup[/red] :smile:", "line\u2028separator", "日本語" * 100, "\ufeffbom",
         "' OR 1=1 --", "$since $nothing", "%s %d {0}", "\\ backslash"]
EXTREMES = ["max_rows: 1", "max_rows: 5000", "min_rows: 0", f"min_rows: {10**30}", "max_age_days: 1.0e-300",
            "max_age_days: 1.0e+300", f"max_age_days: {10**30}"]
BOMB = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "x"] * 10) + "]\n" for i in range(9))
NAMES = ["Sales Report", "ümlaut", ".hidden", "日本", "a" * 150, "UPPER", "with.dot", "tab\there", "new\nline",
         "-dash", "ok_name"]


def hostile(text: str, rng: random.Random) -> str:
    """One hostile change to a report's text: a value, a key, a limit, or something appended or prepended."""
    lines = text.splitlines()
    kind = rng.choice(["value", "value", "value", "key", "limit", "bomb", "self_alias", "merge", "deep", "anchor"])
    keyed = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    index = rng.choice(keyed)
    match = KEY_LINE.match(lines[index])
    assert match is not None
    indent, key = match.group(1), match.group(2)
    inner = " " * len(indent)
    if kind == "value":
        lines[index] = f"{indent}{key}: {rng.choice(VALUES)}"
    elif kind == "key":
        lines.insert(index + 1, f"{inner}{rng.choice(KEYS)}: {rng.choice(['1', 'x', LONG])}")
    elif kind == "limit":
        target = next((i for i, line in enumerate(lines) if line.strip().startswith(("max_rows", "min_rows"))), None)
        limit = rng.choice(LIMITS)
        if target is not None and limit.split(":")[0] in lines[target]:
            lines[target] = lines[target].split(":")[0] + ":" + limit.split(":", 1)[1]
        else:
            lines.append(f"checks:\n  - table: sales\n    {limit}" if "age" not in limit else
                         f"checks:\n  - table: sales\n    freshness: {{column: date, {limit}}}")
    elif kind == "bomb":
        lines.insert(0, BOMB.rstrip("\n"))
    elif kind == "self_alias":
        lines[index] = f"{indent}{key}: &me {{a: [1, *me]}}"
    elif kind == "merge":
        lines.insert(0, "base: &base {x: 1, y: 2}")
        lines[index] = f"{indent}{key}: {{<<: [*base, *base, *base], z: 3}}"
    elif kind == "deep":
        depth = rng.choice([99, 101, 150, 5_000])
        lines.insert(index + 1, f"{inner}deep: " + "[" * depth + "1" + "]" * depth)
    else:
        lines[index] = f"{indent}{key}: &{'a' * rng.randint(1, 300)} {rng.choice(VALUES[:12])}"
    return "\n".join(lines) + "\n"


def harmless(text: str, rng: random.Random, names: list[str] | None = None) -> str:
    """A change that keeps the report valid, so its queries and checks run: odd, long or huge text, extreme limits.

    ``names`` are the texts a chart, table or metric name may get (all of TEXTS unless given).
    """
    lines = text.splitlines()
    if rng.random() < 0.2:
        for index, line in enumerate(lines):
            key = line.strip().split(":")[0]
            limit = rng.choice([e for e in EXTREMES if e.startswith(key)] or [""])
            if limit:
                lines[index] = line.split(":")[0] + ":" + limit.split(":", 1)[1]
        return "\n".join(lines) + "\n"
    keyed = [i for i, line in enumerate(lines) if (m := KEY_LINE.match(line)) and m.group(2) in TEXT_KEYS
             and (m.group(3) or "").strip() not in ("|", ">")]
    index = rng.choice(keyed)
    match = KEY_LINE.match(lines[index])
    assert match is not None
    choices = names if names is not None and match.group(2) == "name" else TEXTS
    lines[index] = f"{match.group(1)}{match.group(2)}: {json.dumps(rng.choice(choices))}"
    return "\n".join(lines) + "\n"


def write_hostile_project(root: Path, rng: random.Random, count: int = 20) -> None:
    """``count`` damaged demo reports, some under hostile file names, plus junk, a duplicate and a huge file."""
    reports = root / "reports"
    for number in range(count):
        damaged = rng.choice(DEMOS).read_text(encoding="utf-8")
        change = hostile if number % 4 else harmless  # a quarter stay valid, so their queries and checks run
        for _ in range(rng.randint(1, 3)):
            damaged = change(damaged, rng)
        name = f"hostile_{number:02d}"
        if rng.random() < 0.25:
            name = f"{rng.choice(NAMES)}{number}"
        (reports / f"{name}.yaml").write_text(damaged, encoding="utf-8")
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4000)))
    (reports / "junk.yaml").write_bytes(junk)
    (reports / "junk_text.yaml").write_bytes(junk.replace(b"\x00", b"").decode("latin-1").encode("utf-8"))
    for name in ("twice.yaml", "twice.yml"):
        (reports / name).write_text(rng.choice(DEMOS).read_text(encoding="utf-8"), encoding="utf-8")
    (reports / "huge.yaml").write_bytes(b"title: x\ntext: |\n" + b"  lorem ipsum dolor sit amet\n" * 40_000)
    (reports / (b"caf\xe9.yaml").decode("utf-8", "surrogateescape")).write_bytes(b"title: x\n")


def run(root: Path, capsys: pytest.CaptureFixture[str], *command: str) -> tuple[int, list[str], float]:
    started = time.process_time()  # CPU seconds: a machine busy with other work does not stretch them
    code = cli.main(["--project", str(root), *command])
    seconds = time.process_time() - started
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in out + err, err[-2000:]
    return code, err.splitlines(), seconds


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], float]:
    return run(root, capsys, "check")


@pytest.fixture
def every_problem(monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    """Every problem `reportsite check` finds, including those the CLI does not print (after the first 50)."""
    found: list[Problem] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        try:
            return check_project(*args, **kwargs)
        except ReportError as exc:
            found.extend(exc.problems)
            raise

    monkeypatch.setattr(checking, "check_project", recording)
    return found


def assert_located_and_capped(lines: list[str]) -> None:
    """Located 'error: ' lines (at most 50), then '… and N more problem(s)' when more, then the count."""
    *printed, last = lines
    total = int(last.split()[0])
    assert last == f"{total} problem(s); nothing was written."
    shown = min(total, cli.MAX_PRINTED)
    assert printed[shown:] == ([f"… and {total - shown} more problem(s)"] if total > shown else [])
    for line in printed[:shown]:
        assert line.startswith("error: ") and LOCATED.match(line.removeprefix("error: ")), line[:300]


def assert_every_problem_is_one_located_line(problems: list[Problem]) -> None:
    assert problems
    for problem in problems:
        text = str(problem)
        assert LOCATED.match(text), text[:300]
        assert "\n" not in text, text[:300]
        text.encode("utf-8")  # no lone surrogates: the line can be printed and written anywhere


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_hostile_reports_give_located_lines_never_a_crash(seed: int, make_project: Factory, sample_data: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          every_problem: list[Problem]) -> None:
    root = make_project(data_root=sample_data)
    write_hostile_project(root, random.Random(seed))

    code, lines, seconds = check(root, capsys)

    assert code == 1
    assert_located_and_capped(lines)
    assert_every_problem_is_one_located_line(every_problem)
    assert seconds < 60  # a safety net only: speed belongs to the benchmarks


# Names become download file names; names of 300 characters are left out here because report_run.slugify
# turns them into file names too long to write (another change fixes that).
SHORT = [t for t in TEXTS if len(t) <= 100]
ODD = [*SHORT, "\ud800", "a\x00b", "\x1b[2J", "\udfff"]


@pytest.mark.parametrize(("seed", "names", "expected"), [(21, SHORT, 0), (22, ODD, 1), (23, ODD, 1)])
def test_odd_reports_build_or_fail_plainly(seed: int, names: list[str], expected: int, make_project: Factory,
                                           sample_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Reports that stay valid reach the queries, the charts and the pages; odd text never crashes the build."""
    rng = random.Random(seed)
    root = make_project(data_root=sample_data)
    for number in range(5):
        text = rng.choice(DEMOS).read_text(encoding="utf-8")
        for _ in range(rng.randint(1, 3)):
            text = harmless(text, rng, SHORT)
        odd = json.dumps(rng.choice(names))
        text = re.sub(r"^(  - name: ).*$", lambda m, odd=odd: m.group(1) + odd, text, count=1, flags=re.M)
        (root / "reports" / f"odd_{number}.yaml").write_text(text, encoding="utf-8")

    code, lines, seconds = run(root, capsys, "build", "--out", str(root / "_site"))

    assert code == expected
    if code == 1:
        assert lines[-1].endswith(" problem(s); nothing was written.")
        for line in (line for line in lines if line.startswith("error: ")):
            assert LOCATED.match(line.removeprefix("error: ")), line[:300]
        assert not (root / "_site").exists()
    else:
        assert len(list((root / "_site" / "reports").glob("*.html"))) == 5
        for page in (root / "_site").rglob("*.html"):
            page.read_text(encoding="utf-8")
    assert seconds < 60


def test_more_than_50_problems_print_50_then_a_count(make_project: Factory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project({f"r{n:02d}.yaml": "title: [x\n" for n in range(53)}, site_yaml="title: Reports\n")

    code, lines, _ = check(root, capsys)

    assert code == 1
    assert len(lines) == 52
    assert lines[0] == "error: reports/r00.yaml:1:8 YAML syntax error: this list starting with '[' is never closed " \
                       "with ']'"
    assert lines[49].startswith("error: reports/r49.yaml:1:8 ")
    assert lines[-2:] == ["… and 3 more problem(s)", "53 problem(s); nothing was written."]


def test_exactly_50_problems_print_without_a_more_line(make_project: Factory,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project({f"r{n:02d}.yaml": "title: [x\n" for n in range(50)}, site_yaml="title: Reports\n")

    _, lines, _ = check(root, capsys)

    assert len(lines) == 51
    assert lines[-1] == "50 problem(s); nothing was written."
