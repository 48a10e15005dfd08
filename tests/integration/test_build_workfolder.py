"""What a build killed half-way leaves beside its output is removed by the next build, but never the folders of a
build that is still running (it holds its lock file with flock)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reportsite.build import workfolder
from reportsite.build.builder import BuildOptions, build

REPORT = 'title: "Sales"\ndata_source: sales.parquet\nmetrics:\n  - {name: N, query: "SELECT 1 AS value"}\n'

# A stand-in for a build, in its own process: it takes its staging folder exactly as a build does, writes into
# it, says where it is, then waits (for a kill, or for its stdin to close: then it finishes like a build).
HOLDER = """
import sys
from pathlib import Path
from reportsite.build import workfolder

with workfolder.held(Path(sys.argv[1])) as staging:
    (staging / "index.html").write_text("half-built")
    print(staging, flush=True)
    sys.stdin.read()
"""


def start_holder(out: Path) -> tuple[subprocess.Popen[str], Path]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=env)
    assert child.stdout is not None
    return child, Path(child.stdout.readline().strip())


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture
def project(make_project, sample_data) -> Path:  # type: ignore[no-untyped-def]
    return make_project({"sales.yaml": REPORT}, data_root=sample_data)


def test_a_killed_builds_staging_folder_and_lock_are_removed_by_the_next_build(project: Path) -> None:
    out = project / "_site"
    child, staging = start_holder(out)
    assert staging == workfolder.staging_path(out, child.pid) and (staging / "index.html").is_file()
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert leftovers(out) == [f"._site.build-{child.pid}.lock", f"._site.staging-{child.pid}"]  # left forever

    notes: list[str] = []
    assert build(project, BuildOptions(out=out), log=notes.append).status == "ok"

    assert leftovers(out) == []
    assert (out / "reports" / "sales.html").is_file()
    assert f"note: removed ._site.staging-{child.pid}, left beside _site by a build that stopped before it " \
           "finished" in notes


def test_the_staging_folder_of_a_build_still_running_is_kept(project: Path) -> None:
    out = project / "_site"
    child, staging = start_holder(out)
    try:
        assert build(project, BuildOptions(out=out)).status == "ok"
        assert (staging / "index.html").read_text() == "half-built"  # its lock is held: not touched
        assert leftovers(out) == [f"._site.build-{child.pid}.lock", f"._site.staging-{child.pid}"]
        assert build(project, BuildOptions(out=out, full=True)).status == "ok"  # a second build: still kept
        assert (staging / "index.html").is_file()
    finally:
        assert child.stdin is not None
        child.stdin.close()  # the holder finishes and removes its own folder and lock
        child.wait(timeout=30)
    assert leftovers(out) == []


def test_folders_of_a_build_from_before_lock_files_go_by_whether_the_process_runs(project: Path) -> None:
    out = project / "_site"
    gone, alive = dead_pid(), os.getppid()
    for pid in (gone, alive):
        workfolder.staging_path(out, pid).mkdir(parents=True)
        (workfolder.staging_path(out, pid) / "index.html").write_text("half-built")

    build(project, BuildOptions(out=out))

    assert leftovers(out) == [f"._site.staging-{alive}"]


def test_a_site_moved_aside_by_a_build_killed_while_swapping_is_put_back_or_removed(project: Path) -> None:
    out = project / "_site"
    assert build(project, BuildOptions(out=out)).status == "ok"
    before = (out / "reports" / "sales.html").read_text()
    pid = dead_pid()
    out.rename(workfolder.old_path(out, pid))  # killed between its two renames: the site is only beside _site
    workfolder.lock_path(out, pid).write_text("")
    notes: list[str] = []

    result = build(project, BuildOptions(out=out), log=notes.append)

    assert result.status == "unchanged" and (out / "reports" / "sales.html").read_text() == before
    assert leftovers(out) == []
    assert notes[0] == (f"note: put back _site from ._site.old-{pid}, where a build that stopped before it finished "
                        "had moved it")
    aside = workfolder.old_path(out, dead_pid())  # killed after its second rename, while removing the old site
    aside.mkdir()
    (aside / "index.html").write_text("half-removed")
    assert build(project, BuildOptions(out=out)).status == "unchanged"
    assert leftovers(out) == [] and (out / "reports" / "sales.html").read_text() == before


def test_only_the_folders_of_the_same_output_are_looked_at(project: Path) -> None:
    out = project / "_site"
    pid = dead_pid()
    other = project / f"._site2.staging-{pid}"
    other.mkdir()
    unrelated = project / f"._site.staging-{pid}-notes"
    unrelated.mkdir()

    build(project, BuildOptions(out=out))

    assert other.is_dir() and unrelated.is_dir()
