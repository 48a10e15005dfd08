"""Pages made and written by worker processes equal pages made and written in the build's own process, and a
script that calls build() without an ``if __name__ == "__main__":`` guard builds once (the workers never run the
caller's script)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

FAMILY = """
title: "Region $region"
data_source: "sales.parquet"
for_each:
  parameter: region
  query: "SELECT DISTINCT region FROM sales ORDER BY 1"
metrics:
  - name: "Revenue"
    query: "SELECT SUM(amount) AS value FROM sales WHERE region = $region"
charts:
  - name: "By channel"
    type: bar
    query: "SELECT channel, SUM(amount) AS revenue FROM sales WHERE region = $region GROUP BY 1 ORDER BY 1"
    params: {x: channel, y: revenue}
tables:
  - name: "Top customers"
    query: >
      SELECT customer_id, SUM(amount) AS revenue FROM sales WHERE region = $region
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5
"""

SCRIPT = """
import datetime as dt
import sys
from pathlib import Path
sys.path.insert(0, {scripts!r})
from reportsite.build.builder import BuildOptions, build
print("building", flush=True)
print(build(Path({root!r}), BuildOptions(out=Path({out!r})),
            now=lambda: dt.datetime(2026, 6, 15, 7, 2, tzinfo=dt.UTC)).status, flush=True)
"""


def _build(root: Path, out: str, workers: str) -> subprocess.CompletedProcess[str]:
    script = root / f"build_{out}.py"  # no main guard, on purpose
    script.write_text(SCRIPT.format(scripts=str(REPO / "scripts"), root=str(root), out=out))
    env = {**os.environ, "REPORTSITE_WORKERS": workers}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, env=env,
                          cwd=root)


def _files(site: Path) -> dict[str, bytes]:
    skip = {"manifest.json"}  # holds how long each step took
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name not in skip and not p.name.endswith(".pdf")}


def test_workers_make_the_same_pages_and_an_unguarded_script_builds_once(make_project, sample_data: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"region.yaml": FAMILY}, data_root=sample_data)

    pooled = _build(root, "pooled", "2")
    assert pooled.returncode == 0, pooled.stderr
    assert pooled.stdout.split() == ["building", "ok"]  # the workers did not run the script again

    here = _build(root, "here", "0")
    assert here.returncode == 0, here.stderr

    pooled_files, here_files = _files(root / "pooled"), _files(root / "here")
    assert any(name.startswith("reports/region/") for name in pooled_files)
    assert pooled_files.keys() == here_files.keys()
    assert [name for name in pooled_files if pooled_files[name] != here_files[name]] == []
