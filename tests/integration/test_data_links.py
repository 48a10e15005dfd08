"""Links in the data root: a file or folder whose link leads outside the data root is refused where the report
names it, before anything is read; links that stay inside it (and a data root that is itself a link) work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.build.checking import check_project
from reportsite.errors import ReportError

GOOD = """
title: Links
data_sources:
  linked: sales.parquet
  relative: again.parquet
  folder: within
  named: {named}
tables:
  - name: Orders
    query: >
      SELECT (SELECT count(*) FROM linked) AS linked, (SELECT count(*) FROM relative) AS relative,
             (SELECT count(*) FROM folder) AS folder, (SELECT count(*) FROM named) AS named
"""

BAD = """
title: Leaks
data_sources:
  fine: sales.parquet
  file: payroll.parquet
  folder: ext
  book: book.xlsx
  climbing: up.csv
tables:
  - name: Orders
    query: SELECT count(*) AS n FROM fine
"""


@pytest.fixture
def data(tmp_path: Path, sample_data: Path) -> Path:
    """data/real/sales.parquet with links to it from inside the data root (absolute, relative, a folder)."""
    root = tmp_path / "data"
    (root / "real").mkdir(parents=True)
    shutil.copy(sample_data / "sales.parquet", root / "real" / "sales.parquet")
    (root / "sales.parquet").symlink_to(root / "real" / "sales.parquet")
    (root / "again.parquet").symlink_to(Path("real") / "sales.parquet")
    (root / "within").symlink_to(root / "real", target_is_directory=True)
    return root


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """Files outside the data root that are not data at all (reading any would fail differently): a folder with a
    CSV and a workbook, and a Parquet file beside it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "up.csv").write_text("secret\nhunter2\n")
    (folder / "book.xlsx").write_text("not a workbook")
    (tmp_path / "payroll.parquet").write_text("not parquet: everyone's salary")
    return folder


def test_links_that_stay_inside_the_data_root_and_a_linked_data_root_work(make_project, data, sample_data,
                                                                          tmp_path) -> None:
    linked_root = tmp_path / "data-link"
    linked_root.symlink_to(data, target_is_directory=True)
    root = make_project({"links.yaml": GOOD.format(named=sample_data / "customers.csv")}, data_root=linked_root)

    result = build(root, BuildOptions(out=root / "_site"))

    assert result.status == "ok"
    (download,) = (root / "_site" / "data" / "links").glob("table-1-*.csv")
    customers = sum(1 for _ in (sample_data / "customers.csv").open()) - 1
    assert download.read_text(encoding="utf-8-sig").splitlines() == ["linked,relative,folder,named",
                                                                     f"20000,20000,20000,{customers}"]


def test_a_file_or_folder_linked_from_outside_the_data_root_is_refused_located(make_project, data, elsewhere,
                                                                               tmp_path) -> None:
    (data / "payroll.parquet").symlink_to(tmp_path / "payroll.parquet")
    (data / "ext").symlink_to(elsewhere, target_is_directory=True)  # its one data file is up.csv
    (data / "book.xlsx").symlink_to(elsewhere / "book.xlsx")
    (data / "up.csv").symlink_to(Path("..") / "elsewhere" / "up.csv")  # relative, climbing out
    root = make_project({"leaks.yaml": BAD}, data_root=data)

    with pytest.raises(ReportError) as error:
        build(root, BuildOptions(out=root / "_site"))

    expected = ("outside the data root {data}; a data source under the data root must be a file there (links that "
                "stay inside it are fine); name a file elsewhere by its own path in the report")
    tail = expected.format(data=data)
    assert [str(p) for p in error.value.problems] == [
        f"reports/leaks.yaml:4:3 data_sources.file: data source 'payroll.parquet': '{data / 'payroll.parquet'}' "
        f"leads to {tmp_path / 'payroll.parquet'}, {tail}",
        f"reports/leaks.yaml:5:3 data_sources.folder: data source 'ext': '{data / 'ext' / 'up.csv'}' leads to "
        f"{elsewhere / 'up.csv'}, {tail}",
        f"reports/leaks.yaml:6:3 data_sources.book: data source 'book.xlsx': '{data / 'book.xlsx'}' leads to "
        f"{elsewhere / 'book.xlsx'}, {tail}",
        f"reports/leaks.yaml:7:3 data_sources.climbing: data source 'up.csv': '{data / 'up.csv'}' leads to "
        f"{elsewhere / 'up.csv'}, {tail}",
    ]
    assert not (root / "_site").exists()


def test_a_check_refuses_the_same_links(make_project, data, elsewhere, tmp_path) -> None:
    (data / "payroll.parquet").symlink_to(tmp_path / "payroll.parquet")
    root = make_project({"leaks.yaml": BAD.replace("  folder: ext\n  book: book.xlsx\n  climbing: up.csv\n", "")},
                        data_root=data)

    with pytest.raises(ReportError, match=r"reports/leaks.yaml:4:3 data_sources.file: data source 'payroll.parquet': "
                                          r".* outside the data root"):
        check_project(root)
