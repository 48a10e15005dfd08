"""`reportsite deploy` refuses a target that holds a report's data, or lies inside it, before any S3 request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from tests.integration.test_deploy import BUCKET, REGIONS, bucket, deploy, site_files
from tests.support.faulty_proxy import FaultyProxy
from tests.support.s3_proxy import through

pytestmark = pytest.mark.integration

ADVICE = ("deploy deletes every object under its target that is not part of the site, so publish to another "
          "prefix or bucket")


@pytest.fixture
def proxy(s3, s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyProxy]:
    """Counts every request the deploy sends to the loopback S3 server."""
    s3.create_bucket(Bucket=BUCKET)
    with through(FaultyProxy, s3_server, monkeypatch) as running:
        yield running


def built(make_project, sample_data: Path, reports: dict[str, str]) -> Path:
    """A project whose site is built from local data, with ``reports`` added only afterwards (the deploy reads
    the reports' configuration, not the data). Keys are located where they start (``4:1``), like every other
    error about a data source."""
    root = make_project({"regions.yaml": REGIONS}, data_root=sample_data)
    assert build(root, BuildOptions(out=root / "_site")).status == "ok"
    for name, text in reports.items():
        (root / "reports" / name).write_text(text, encoding="utf-8")
    return root


REMOTE = """title: "Remote"
data_sources:
  sales: "sales.parquet"
  archive: "s3://site-bucket/site/archive/2024.parquet"
text: "Old sales."
"""
GLOB = """title: "Globbed"
data_source: "s3://site-bucket/site/data/*/part-*.parquet"
text: "Partitions."
"""
FOLDER = """title: "Folder"
data_source: "s3://site-bucket/data/"
text: "A folder of files."
"""


@pytest.mark.parametrize("target, reports, data_root, message", [
    ("s3://site-bucket/site", {}, "s3://site-bucket",
     f"reports/regions.yaml:4:1 data_source: deploy target s3://site-bucket/site/ holds this data source "
     f"(s3://site-bucket/site/data/sales.parquet); {ADVICE}"),
    ("s3://site-bucket/site", {"remote.yaml": REMOTE}, None,
     f"reports/remote.yaml:4:3 data_sources.archive: deploy target s3://site-bucket/site/ holds this data "
     f"source (s3://site-bucket/site/archive/2024.parquet); {ADVICE}"),
    ("s3://site-bucket/site/", {"globbed.yaml": GLOB}, None,
     f"reports/globbed.yaml:2:1 data_source: deploy target s3://site-bucket/site/ holds this data source "
     f"(s3://site-bucket/site/data/*/part-*.parquet); {ADVICE}"),
    ("s3://site-bucket", {"globbed.yaml": GLOB}, None,
     f"reports/globbed.yaml:2:1 data_source: deploy target s3://site-bucket/ holds this data source "
     f"(s3://site-bucket/site/data/*/part-*.parquet); {ADVICE}"),
    ("s3://site-bucket/data/site", {"folder.yaml": FOLDER}, None,
     "reports/folder.yaml:2:1 data_source: deploy target s3://site-bucket/data/site/ lies inside this data "
     "source (s3://site-bucket/data/), so the build would read the site's own files (its CSV downloads) as "
     "data; publish to another prefix or bucket"),
    ("s3://site-bucket/site/data/2024/x", {"globbed.yaml": GLOB}, None,
     "reports/globbed.yaml:2:1 data_source: deploy target s3://site-bucket/site/data/2024/x/ lies inside this "
     "data source (s3://site-bucket/site/data/*/part-*.parquet), so the build would read the site's own files "
     "(its CSV downloads) as data; publish to another prefix or bucket"),
], ids=["relative-under-data-root", "absolute-in-data_sources", "glob", "glob-at-bucket-root", "inside-a-folder",
        "inside-a-glob"])
def test_a_target_overlapping_a_data_source_is_refused_before_any_request(
        make_project, sample_data, s3, proxy, capsys, monkeypatch, target, reports, data_root, message):
    root = built(make_project, sample_data, reports)
    if data_root:  # the reports read S3 from here on; the site was built from the local copy
        monkeypatch.setenv("REPORTSITE_DATA_ROOT", data_root)
        (root / "reports" / "regions.yaml").write_text(REGIONS.lstrip().replace('"sales.parquet"',
                                                                               '"site/data/sales.parquet"'))

    code, out = deploy(root, capsys, target=target)

    assert code == 1
    assert f"error: {message}\n" in out
    if data_root:  # a target inside the whole-bucket data root is refused for that too
        assert "error: deploy target s3://site-bucket/site/ lies inside the data root s3://site-bucket: " in out
    assert out.count("error: ") == (2 if data_root else 1) and "Traceback" not in out
    assert proxy.counts.total() == 0
    assert bucket(s3) == {}


def test_every_overlap_is_listed_with_the_data_root(make_project, sample_data, s3, proxy, capsys, monkeypatch):
    root = built(make_project, sample_data, {"remote.yaml": REMOTE, "globbed.yaml": GLOB})
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://site-bucket/site/data")

    code, out = deploy(root, capsys, target="s3://site-bucket/site")

    assert code == 1
    errors = [line.split(" ")[0:2] for line in out.splitlines() if line.startswith("error: ")]
    assert errors == [["error:", "deploy"], ["error:", "reports/globbed.yaml:2:1"],
                      ["error:", "reports/regions.yaml:4:1"], ["error:", "reports/remote.yaml:3:3"],
                      ["error:", "reports/remote.yaml:4:3"]]
    assert ("error: deploy target s3://site-bucket/site/ contains the data root s3://site-bucket/site/data: the "
            "deploy deletes every object") in out
    assert "5 problem(s)." in out
    assert proxy.counts.total() == 0


@pytest.mark.parametrize("source", [
    "s3://site-bucket/site-data/sales.parquet",  # a sibling whose name starts like the prefix
    "s3://site-bucket/sites/*.parquet",
    "s3://other-bucket/site/sales.parquet",  # the same prefix in another bucket
    "data/sales.parquet",  # local
])
def test_sources_beside_the_target_are_fine(make_project, sample_data, s3, proxy, capsys, source):
    root = built(make_project, sample_data, {"other.yaml": f'title: "Other"\ndata_source: "{source}"\ntext: "x"\n'})

    code, out = deploy(root, capsys, target="s3://site-bucket/site")

    assert code == 0, out
    assert bucket(s3, "site/") == site_files(root / "_site")


def test_a_report_that_does_not_load_is_not_the_deploys_concern(make_project, sample_data, s3, proxy, capsys):
    root = built(make_project, sample_data, {"broken.yaml": 'title: "Broken"\ndata_source: "s3://site-bucket/site/'
                                                           'x.parquet"\nno_such_key: 1\n'})

    code, out = deploy(root, capsys, target="s3://site-bucket/site")

    assert code == 0, out


@pytest.mark.parametrize("target", ["s3://site-bucket/data/site", "s3://site-bucket/data"])
def test_a_target_inside_the_data_root_is_refused(make_project, sample_data, s3, proxy, capsys, monkeypatch, target):
    """Issue 23: a target inside the data root deleted data objects (only targets holding it were refused)."""
    root = built(make_project, sample_data, {})
    monkeypatch.setenv("REPORTSITE_DATA_ROOT", "s3://site-bucket/data")

    code, out = deploy(root, capsys, target=target)

    assert code == 1
    shown = target.rstrip("/") + "/"
    if shown == "s3://site-bucket/data/":
        assert (f"error: deploy target {shown} contains the data root s3://site-bucket/data: the deploy deletes "
                "every object under its target that is not part of the site; publish to a separate prefix or "
                "bucket") in out
    else:
        assert (f"error: deploy target {shown} lies inside the data root s3://site-bucket/data: the deploy deletes "
                "every object under its target that is not part of the site, and objects there are data; publish "
                "to a prefix or bucket outside the data root") in out
    assert proxy.counts.total() == 0
