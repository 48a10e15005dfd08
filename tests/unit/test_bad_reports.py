"""The bad-report corpus: every mistake an analyst can make gives its exact, located one-line message.

Each case is ``tests/fixtures/bad_reports/<case>.yaml`` (plus any ``<case>*.sql`` beside it) and
``<case>.expected``: the whole lines ``reportsite check`` prints for it, in order. ``{data}`` in an
expected line stands for the data folder. Cases named ``s3_*`` read from the loopback S3 server.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from reportsite.build.checking import check_project
from reportsite.cli import main as cli
from reportsite.errors import ReportError

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "bad_reports"
CASES = sorted(p.stem for p in CORPUS.glob("*.yaml"))
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
BUCKET = "acme-data"
Factory = Callable[..., Path]
LINE = re.compile(r"^(reports/\S+\.yaml(:\d+(:\d+)?)?|reports/\S+\.sql:\d+(:\d+)?) ")


@pytest.fixture(scope="session")
def corpus_data(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data plus the corpus's own small files (a CSV with gaps, a corrupt Parquet file)."""
    out = tmp_path_factory.mktemp("corpus-data")
    shutil.copytree(sample_data, out, dirs_exist_ok=True)
    shutil.copytree(CORPUS / "data", out, dirs_exist_ok=True)
    return out


def expected_lines(case: str, data: Path) -> list[str]:
    text = (CORPUS / f"{case}.expected").read_text(encoding="utf-8")
    return [line.replace("{data}", str(data)) for line in text.splitlines() if line.strip()]


def project_with(make_project: Factory, data: Path, cases: list[str]) -> Path:
    """A project whose reports/ holds the given corpus cases, byte for byte."""
    root = make_project(data_root=data)
    for case in cases:
        for path in CORPUS.glob(f"{case}*"):
            if path.suffix in (".yaml", ".sql") and (path.stem == case or path.suffix == ".sql"):
                shutil.copyfile(path, root / "reports" / path.name)
    return root


def check_lines(root: Path) -> list[str]:
    """What `reportsite check` reports for the project, one string per problem."""
    try:
        check_project(root, now=NOW)
    except ReportError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.fixture
def s3_bucket(s3: Any, sample_data: Path) -> Any:
    """The loopback S3 with bucket acme-data holding sales.parquet."""
    s3.create_bucket(Bucket=BUCKET)
    s3.upload_file(str(sample_data / "sales.parquet"), BUCKET, "sales.parquet")
    return s3


@pytest.fixture
def iam_user(s3_bucket: Any, s3_server: str,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], None]]:
    """Switch the loopback server to enforcing IAM and use a user who may only s3:ListBucket (or unknown keys)."""
    import boto3

    from reportsite.sources import s3env

    iam = boto3.client("iam", endpoint_url=s3_server, region_name="us-east-1")
    iam.create_user(UserName="analyst")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    iam.put_user_policy(UserName="analyst", PolicyName="list-only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="analyst")["AccessKey"]

    def use(known_user: bool) -> None:
        key_id, secret = (key["AccessKeyId"], key["SecretAccessKey"]) if known_user else ("AKIAUNKNOWN000000000", "x")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        s3env.reset()
        requests.post(f"{s3_server}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()

    try:
        yield use
    finally:
        requests.post(f"{s3_server}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()


@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith("s3_")])
def test_bad_report_gives_exact_messages(case: str, make_project: Factory, corpus_data: Path) -> None:
    root = project_with(make_project, corpus_data, [case])

    assert check_lines(root) == expected_lines(case, corpus_data)


@pytest.mark.integration
@pytest.mark.parametrize("case", ["s3_missing_object", "s3_missing_bucket"])
def test_bad_s3_source_gives_exact_messages(case: str, make_project: Factory, corpus_data: Path,
                                            s3_bucket: Any) -> None:
    root = project_with(make_project, corpus_data, [case])

    assert check_lines(root) == expected_lines(case, corpus_data)


@pytest.mark.integration
@pytest.mark.parametrize("case", ["s3_access_denied", "s3_access_denied_folder"])
def test_s3_access_denied_names_the_url(case: str, make_project: Factory, corpus_data: Path,
                                        iam_user: Callable[[bool], None]) -> None:
    root = project_with(make_project, corpus_data, [case])
    iam_user(True)

    assert check_lines(root) == expected_lines(case, corpus_data)


@pytest.mark.integration
def test_s3_wrong_credentials_say_so(make_project: Factory, corpus_data: Path,
                                     iam_user: Callable[[bool], None]) -> None:
    root = project_with(make_project, corpus_data, ["s3_bad_credentials"])
    iam_user(False)

    assert check_lines(root) == expected_lines("s3_bad_credentials", corpus_data)


@pytest.mark.integration
def test_s3_object_gone_after_listing_is_one_line_naming_the_source(make_project: Factory, corpus_data: Path,
                                                                    s3_bucket: Any, tmp_path: Path) -> None:
    import datetime as dt

    from reportsite.build import report_run
    from reportsite.config.project import load_report
    from reportsite.config.site_models import SiteConfig
    from reportsite.errors import SourceError
    from reportsite.sources import kinds

    root = make_project({"orders.yaml": """
        title: Orders
        data_source: s3://acme-data/sales.parquet
        metrics:
          - name: Orders
            query: SELECT count(*) AS value FROM sales
        """}, data_root=corpus_data)
    report = load_report(root, root / "reports" / "orders.yaml")
    found = kinds.resolve_sources(report, str(corpus_data))
    s3_bucket.delete_object(Bucket=BUCKET, Key="sales.parquet")

    with pytest.raises(SourceError) as caught:
        report_run.run_report(report, SiteConfig(), found, None, dt.datetime.now(dt.UTC), tmp_path)

    assert [str(p) for p in caught.value.problems] == [
        "reports/orders.yaml:2:1 data_source: data source 's3://acme-data/sales.parquet': cannot read "
        "s3://acme-data/sales.parquet: an object was not found (was it deleted or renamed while the build ran?)"]


def test_corpus_is_large_and_every_case_has_expectations() -> None:
    assert len(CASES) >= 30
    assert sorted(p.stem for p in CORPUS.glob("*.expected")) == CASES


def test_every_expected_line_is_one_located_line(corpus_data: Path) -> None:
    for case in CASES:
        for line in expected_lines(case, corpus_data):
            assert LINE.match(line), f"{case}: {line}"


LOCAL_CASES = ["unknown_chart_type", "missing_query", "sql_syntax_block", "check_min_rows", "empty",
               "binary_file", "yaml_bad_indentation", "params_column_missing"]


def test_several_bad_files_are_all_reported_in_one_run(make_project: Factory, corpus_data: Path) -> None:
    root = project_with(make_project, corpus_data, LOCAL_CASES)
    expected = [line for case in sorted(LOCAL_CASES) for line in expected_lines(case, corpus_data)]

    lines = check_lines(root)

    assert len(lines) == len(expected) == 9
    assert sorted(lines) == sorted(expected)


def test_cli_check_prints_every_problem_on_stderr_and_exits_1(make_project: Factory, corpus_data: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = project_with(make_project, corpus_data, ["unknown_chart_type", "missing_query", "empty"])

    code = cli.main(["--project", str(root), "check"])

    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    assert out == ""
    assert err.splitlines() == [
        "error: reports/empty.yaml:1:1 the file is empty; a report needs at least 'title' and one of metrics, "
        "charts, tables or text",
        "error: reports/missing_query.yaml:4:5 charts[0]: missing required key 'query' (the SQL to run)",
        "error: reports/unknown_chart_type.yaml:5:5 charts[0].type: unknown chart type 'lines' (did you mean "
        "'line'?); expected one of: line, bar, area, scatter, pie, histogram, heatmap",
        "3 problem(s); nothing was written.",
    ]


def test_cli_build_refuses_a_bad_report_without_traceback(make_project: Factory, corpus_data: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = project_with(make_project, corpus_data, ["sql_syntax_block"])

    code = cli.main(["--project", str(root), "build", "--out", str(root / "_site")])

    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    assert expected_lines("sql_syntax_block", corpus_data)[0] in err
    assert not (root / "_site" / "reports" / "sql_syntax_block.html").exists()


# --- reports nobody wrote on purpose: random damage to the demo reports ---------------------------------------

JUNK = ["{", "}", "[", "]", ":", "- ", "\t", "'", '"', "&a", "*b", "!!str", "%", "@", "|", ">", "#", "?", "\x00"]
VALUES = ["[1, 2]", "{a: 1}", "", "yes", "12", "null", "'text'", "2025-13-45", "|\n  SELECT nope"]


def mutate(text: str, rng: random.Random) -> str:
    """One random kind of damage: delete, duplicate or re-indent a line; replace a value; insert junk."""
    lines = text.splitlines()
    index = rng.randrange(len(lines))
    line = lines[index]
    kind = rng.choice(["delete", "duplicate", "indent", "dedent", "value", "junk", "key", "truncate"])
    if kind == "delete":
        del lines[index]
    elif kind == "duplicate":
        lines.insert(index, line)
    elif kind == "indent":
        lines[index] = " " * rng.randint(1, 3) + line
    elif kind == "dedent":
        lines[index] = line[rng.randint(1, 4):]
    elif kind == "value" and ": " in line:
        lines[index] = line.split(": ", 1)[0] + ": " + rng.choice(VALUES)
    elif kind == "key" and ":" in line:
        key, rest = line.split(":", 1)
        lines[index] = key + rng.choice(["s", "x", "_", ""]) + ":" + rest
    elif kind == "truncate":
        return text[: rng.randrange(len(text))]
    else:
        at = rng.randrange(len(line) + 1)
        lines[index] = line[:at] + rng.choice(JUNK) + line[at:]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_randomly_damaged_reports_give_located_lines_never_a_crash(seed: int, make_project: Factory,
                                                                   sample_data: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(seed)
    demos = sorted((REPO / "reports").glob("*.yaml"))
    root = make_project(data_root=sample_data)
    for number in range(30):
        source = rng.choice(demos).read_text(encoding="utf-8")
        damaged = source
        for _ in range(rng.randint(1, 3)):
            damaged = mutate(damaged, rng)
        (root / "reports" / f"damaged_{number:02d}.yaml").write_bytes(damaged.encode("utf-8"))

    code = cli.main(["--project", str(root), "check"])

    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in err
    assert code == 1
    problems = err.splitlines()[:-1]
    hidden = int(problems.pop().split()[2]) if problems[-1].startswith("… and ") else 0  # at most 50 are printed
    assert err.splitlines()[-1] == f"{len(problems) + hidden} problem(s); nothing was written."
    files = set()
    for line in problems:
        text = line.removeprefix("error: ")
        assert LINE.match(text), line
        files.add(text.split(":", 1)[0].split(" ", 1)[0])
    assert len(files) >= 20  # most of the 30 damaged files are broken, and each is named
