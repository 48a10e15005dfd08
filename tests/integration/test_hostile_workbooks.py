"""Workbooks that aborted or exhausted the build (issue 23) are each one located error, quickly, with bounded
memory: checked before they are parsed (``workbook_check``), parsed in a bounded child (``excel_child``).

Figures for the report come from ``make bench``-style measures here: CPU time of this process and its
children, and the children's peak memory (ru_maxrss), never wall-clock limits.
"""

from __future__ import annotations

import resource
import shutil
import sys
from pathlib import Path

import pytest

from reportsite.cli import main as cli

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "hostile_workbooks"
sys.path.insert(0, str(CORPUS))
from make_corpus import zip_bomb  # noqa: E402

FIX = ("open it in Excel, delete the empty rows and columns after the data (Ctrl+End shows the last cell) and save "
       "it again")
EXPECTED = {
    "far_cell.xlsx": "declares sheet1's used range as A1:XFD1048576, 17,179,869,184 cells (at most 50,000,000); a "
                     "cell far beyond the data stretches it: in Excel, delete the empty rows and columns after the "
                     "data (Ctrl+End shows the last cell) and save again",
    "shared_strings_count.xlsx": "claims 4,000,000,000 shared strings in 222 bytes (at most 20,000,000, and no more "
                                 "than its bytes can hold); the file is damaged or made to exhaust the reader: open "
                                 "it in Excel and save it again",
    "far_cell_undeclared.xlsx": ": reading the workbook needed more than 4,096 MB of memory "
                                f"(REPORTSITE_EXCEL_MEMORY_MB) and was stopped; the file is damaged, made to exhaust "
                                f"the reader, or its cells reach far beyond the data: {FIX}",
    "bomb.xlsx": "has a part (xl/worksheets/sheet1.xml) that inflates",
}


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", inflated=512 * 1024**2)


def usage() -> tuple[float, int]:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime, children.ru_maxrss * 1024


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_hostile_workbook_is_one_located_error(name: str, bomb: Path, make_project, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(bomb if name == "bomb.xlsx" else CORPUS / name, data / name)
    report = f'title: "Book"\ndata_source: "{name}"\ntables:\n  - name: "All"\n    query: "FROM {name[:-5]}"\n'
    root = make_project({"book.yaml": report}, data_root=data)
    cpu_before, _ = usage()

    code = cli.main(["--project", str(root), "check"])

    cpu, peak = usage()
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert code == 1 and "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith(f"error: reports/book.yaml:2:1 data_source: data source '{name}'")
    assert EXPECTED[name] in lines[0]
    assert cpu - cpu_before < 30  # CPU seconds, generous: measured 0.1–1.5 s (the bombs took 81 s)
    assert peak < 5 * 1024**3  # the child's address space is capped at 4 GiB
