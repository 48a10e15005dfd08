"""Reports written by an attacker with commit access to reports/: each is refused with a located line.

Each case is ``tests/fixtures/hostile_reports/<case>.yaml`` (plus any ``<case>*.sql``) with
``<case>.expected``: the exact problem lines ``reportsite build`` prints (``{data}`` stands for the
data folder). The case is added to a project whose site was already built; the build must exit 1,
print exactly those lines, leave every file of the project and the tool cache as it was (the old
site included), and never print or write the secrets the environment holds.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reportsite.cli import main as cli

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "hostile_reports"
CASES = sorted(p.stem for p in CORPUS.glob("*.yaml"))
CANARY = "canary-secret-9f3e1c"  # stands for the deploy role's keys in the runner's environment


def expected_lines(case: str, data: Path) -> list[str]:
    text = (CORPUS / f"{case}.expected").read_text(encoding="utf-8")
    return [line.replace("{data}", str(data)) for line in text.splitlines() if line.strip()]


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under the folders (the good site, reports, data, cache) with the sha256 of its bytes."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory, sample_data: Path) -> Path:
    """A project with the demo reports over the sample data, built once where every case runs (a source's
    fingerprint names its files by path, so each case's build reuses the demo reports, as the next build in the
    same checkout would) and kept as it was beside it: each case starts from that copy."""
    folder = tmp_path_factory.mktemp("hostile")
    root = folder / "project"
    shutil.copytree(REPO / "site_src", root / "site_src")
    shutil.copytree(REPO / "reports", root / "reports")
    shutil.copytree(sample_data, root / "data")
    (root / "site_src" / "site.yaml").write_text('title: "Acme"\ndata_root: "data"\n', encoding="utf-8")
    assert cli.main(["--project", str(root), "build"]) == 0
    shutil.copytree(root, folder / "as-built", symlinks=True)
    return root


@pytest.fixture
def attacked(built_project: Path, monkeypatch: pytest.MonkeyPatch,
             tool_cache: Path) -> Callable[[str], tuple[Path, dict[str, str]]]:
    """The built project as it was built, with one hostile case added; returns it and its files before the build."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CANARY)
    monkeypatch.setenv("REPORTSITE_TEST_TOKEN", CANARY)

    def add(case: str) -> tuple[Path, dict[str, str]]:
        root = built_project
        shutil.rmtree(root)
        shutil.copytree(root.parent / "as-built", root, symlinks=True)
        for path in CORPUS.glob(f"{case}*"):
            if path.suffix in (".yaml", ".sql"):
                shutil.copyfile(path, root / "reports" / path.name)
        monkeypatch.chdir(root)  # relative paths in the SQL would resolve here
        return root, snapshot(root, tool_cache)

    return add


@pytest.mark.parametrize("case", CASES)
def test_hostile_report_is_refused_and_nothing_changes(case: str, attacked: Callable[[str], tuple[Path, dict]],
                                                       tool_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, before = attacked(case)

    code = cli.main(["--project", str(root), "build"])

    out, err = capsys.readouterr()
    lines = err.splitlines()
    expected = expected_lines(case, root / "data")
    assert code == 1
    assert [line.removeprefix("error: ") for line in lines if line.startswith("error: ")] == expected
    assert lines[-1] == f"{len(expected)} problem(s); nothing was written."
    assert "Traceback" not in out + err and CANARY not in out + err
    assert snapshot(root, tool_cache) == before


def test_corpus_is_large_and_every_case_has_expectations() -> None:
    assert len(CASES) >= 20
    assert sorted(p.stem for p in CORPUS.glob("*.expected")) == CASES


@pytest.mark.integration
@pytest.mark.parametrize("case", ["sql_read_text_environ", "sql_copy_over_vega_bundle", "sql_in_cte_and_subquery"])
def test_after_a_refused_build_deploy_publishes_only_the_previous_site(
        case: str, attacked: Callable[[str], tuple[Path, dict]], s3, capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = attacked(case)
    s3.create_bucket(Bucket="site")

    assert cli.main(["--project", str(root), "build"]) == 1
    assert cli.main(["--project", str(root), "deploy", "--target", "s3://site/prod"]) == 0

    capsys.readouterr()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]]
    assert keys and not [k for k in keys if case in k]
    for key in keys:
        assert CANARY.encode() not in s3.get_object(Bucket="site", Key=key)["Body"].read(), key
