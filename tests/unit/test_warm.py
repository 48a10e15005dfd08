"""The workers' fork server is started early only for a build that looks like it will need workers: what the
report files' top-level keys say, and what the command line asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportsite.cli import start
from reportsite.pages import warm


def project(tmp_path: Path, **reports: str) -> Path:
    (tmp_path / "reports").mkdir()
    for name, text in reports.items():
        (tmp_path / "reports" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_filters_or_a_page_per_value_need_workers_and_say_what_they_preload(tmp_path: Path) -> None:
    root = project(tmp_path, plain='title: "A"\ncharts:\n  - name: x\n',
                   filtered='title: "B"\nfilters:\n  - {name: r}\nmetrics: []\n',
                   family='title: "C"\nfor_each:\n  parameter: store\ncharts: []\n')
    assert warm.needs(root) == (True, True, True)
    (tmp_path / "two").mkdir()
    many, charts, pages = warm.needs(project(tmp_path / "two", filtered='title: "B"\nfilters:\n  - {name: r}\n'))
    assert (many, charts, pages) == (True, False, False)
    assert warm.preloads(charts, pages) == ["reportsite.pages.workers", "reportsite.pages.worker_ready"]
    assert "reportsite.charts.ready" in warm.preloads(True) and "reportsite.render.page_writers" in warm.preloads(
        False, True)


def test_only_top_level_keys_count(tmp_path: Path) -> None:
    """A chart's own ``filters`` key or a word in a description is not a report's filters; the charts of a report
    without filters do not make the fork server import Altair."""
    root = project(tmp_path, plain='title: "A"\ndescription: "filters: none"\nsource:\n  filters: x\n',
                   charted='title: "B"\ncharts:\n  - name: x\n')
    assert warm.needs(root) == (False, False, False)
    assert warm.needs(tmp_path / "nowhere") == (False, False, False)


@pytest.mark.parametrize(("argv", "root"), [
    (["build"], "."),
    (["--project", "site", "build", "--full"], "site"),
    (["--project=site", "build", "--out", "x"], "site"),
    (["--debug", "build"], "."),
    (["check"], None),
    (["serve", "build"], None),
    (["--project"], None),
    ([], None),
])
def test_the_command_line_starts_it_only_for_a_build(argv: list[str], root: str | None,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    started: list[Path] = []
    monkeypatch.setattr(warm, "start_for", started.append)
    start.early(argv)
    assert started == ([] if root is None else [Path(root)])
    assert capsys.readouterr().err == ""  # a mistake in the arguments is cli.main's to report, once


def test_no_workers_asked_for_means_no_fork_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(warm.WORKERS_ENV, "0")
    asked: list[object] = []
    monkeypatch.setattr(warm.forkserver, "ensure_running", lambda: asked.append(True))
    warm.start(charts=True, pages=True)
    assert asked == []
    monkeypatch.setenv(warm.WORKERS_ENV, "3")  # workers asked for, whatever the cores
    warm.start(charts=True, pages=True)
    assert asked == [True]
    monkeypatch.delenv(warm.WORKERS_ENV)
    warm.start(charts=True, pages=True)
    assert asked == ([True, True] if warm.memory.threads() > 1 else [True])


def test_a_huge_a_binary_or_a_hostile_report_file_is_only_glanced_at(tmp_path: Path) -> None:
    """At most MAX_READ characters of a file are read; bytes that are not UTF-8 are no error; a pipe (which
    would wait for a writer forever) and a folder are passed by; the build itself reports what is wrong."""
    import os

    root = project(tmp_path, huge="title: x\n" + "#" * (warm.MAX_READ + 10) + "\nfilters:\n  - {name: r}\n")
    (root / "reports" / "binary.yaml").write_bytes(b"\xff\xfe\x00filters\x00")
    os.mkfifo(root / "reports" / "pipe.yaml")
    (root / "reports" / "folder.yml").mkdir()
    assert warm.needs(root) == (False, False, False)  # the huge file's filters lie past what is read
    (root / "reports" / "small.yaml").write_text("filters:\n  - {name: r}\ncharts: []\n", encoding="utf-8")
    assert warm.needs(root) == (True, True, False)
