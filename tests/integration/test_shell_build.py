"""The page shell through a real build: Markdown text, warnings on the page and in the summary, the logo."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.cli.main import main
from reportsite.errors import ConfigError, ReportError

TEXT_REPORT = """
title: "Notes for $region"
description: "What changed in **$region** since $since"
parameters:
  region: "North & <South>"
  since: 2025-01-01
text: |
  # Summary

  Revenue in $region grew. See the [sales report](sales.html) or [our wiki](https://wiki.example/x).

  - one
  - two

  ![tracker](https://tracker.example/p.gif) [bad](javascript:alert(1)) <script>alert(1)</script>
"""

WARNED = """
title: "Warned"
update_frequency: daily
data_source: "sales.parquet"
metrics:
  - name: "Orders"
    query: "SELECT count(*) AS value FROM sales"
checks:
  - table: sales
    min_rows: 100000000
    severity: warning
"""


def test_text_is_markdown_with_parameters_filled_and_escaped(make_project, sample_data):
    root = make_project({"notes.yaml": TEXT_REPORT}, data_root=sample_data)
    build(root, BuildOptions(out=Path("_site")))
    html = (root / "_site" / "reports" / "notes.html").read_text()
    text = html[html.index('data-testid="report-text"'):]
    text = text[:text.index("</div>")]
    assert "<h2>Summary</h2>" in text
    assert "Revenue in North &amp; &lt;South&gt; grew." in text
    assert '<a href="sales.html">sales report</a>' in text
    assert '<a href="https://wiki.example/x" rel="noopener noreferrer">our wiki</a>' in text
    assert '<a href="https://tracker.example/p.gif" rel="noopener noreferrer">tracker</a>' in text
    assert "<img" not in html.replace('<img src="../assets/', "")  # only a logo could be an image
    assert "[bad](javascript:alert(1)) &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<li>one</li>" in text
    assert "What changed in <strong>North &amp; &lt;South&gt;</strong> since 2025-01-01" in html
    assert '<meta name="description" content="What changed in North &amp; &lt;South&gt; since 2025-01-01">' in html
    index = (root / "_site" / "index.html").read_text()
    assert "What changed in North &amp; &lt;South&gt; since 2025-01-01</p>" in index  # plain text, no <strong>
    entry = json.loads((root / "_site" / "manifest.json").read_text())["reports"]["notes"]
    assert entry["description"] == "What changed in North & <South> since 2025-01-01"


def test_warnings_show_on_the_page_in_plain_words_and_in_the_summary_located(make_project, sample_data,
                                                                             tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    week_ago = (data / "sales.parquet").stat().st_mtime - 7 * 86400
    os.utime(data / "sales.parquet", (week_ago, week_ago))
    root = make_project({"warned.yaml": WARNED}, data_root=data)
    summary = tmp_path / "summary.md"
    assert main(["--project", str(root), "build", "--summary", str(summary)]) == 0  # warnings never block
    err = capsys.readouterr().err
    assert "warning: reports/warned.yaml:9:5 checks[0].min_rows: table 'sales' has 20000 rows" in err
    html = (root / "_site" / "reports" / "warned.html").read_text()
    notes = re.findall(r'data-testid="report-warning">([^<]*)<', html)
    assert notes == [
        "The “sales” data was last updated 7 days ago ("
        + re.search(r"\((\d{4}-\d\d-\d\d \d\d:\d\d UTC)\)", notes[0]).group(1)  # type: ignore[union-attr]
        + "). This report normally updates daily, so its numbers may be out of date.",
        "The “sales” data has only 20,000 rows, fewer than the 100,000,000 expected, so some of it may be missing.",
    ]
    assert "reports/warned.yaml" not in html
    text = summary.read_text()
    assert "| warned | built |" in text and "#### Warnings" in text
    assert ("- **warned**: reports/warned.yaml:9:5 checks\\[0\\].min\\_rows: table 'sales' has 20000 rows; "
            "at least 100000000 expected\n") in text
    assert "reports/warned.yaml:3:1 data\\_source: data source 'sales.parquet' was last modified" in text
    index = (root / "_site" / "index.html").read_text()
    assert 'data-status="stale"' in index and "Stale data" in index

    assert main(["--project", str(root), "build", "--summary", str(summary)]) == 0  # unchanged: still listed
    assert summary.read_text().count("checks\\[0\\].min\\_rows") == 2
    with pytest.raises(ReportError, match=r"\(warning; --strict treats warnings as errors\)"):
        build(root, BuildOptions(out=Path("_site"), full=True, strict=True))


def test_a_check_warning_without_stale_data_is_marked_on_the_index(make_project, sample_data):
    root = make_project({"warned.yaml": WARNED.replace("daily", "manual")}, data_root=sample_data)
    build(root, BuildOptions(out=Path("_site")))
    index = (root / "_site" / "index.html").read_text()
    assert 'data-status="warning"' in index and "Data warning" in index and "Stale data" not in index


def test_a_report_whose_data_stops_changing_is_rebuilt_once_it_turns_stale(make_project, sample_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    root = make_project({"warned.yaml": WARNED.replace("min_rows: 100000000", "min_rows: 1")}, data_root=data)
    modified = dt.datetime.fromtimestamp((data / "sales.parquet").stat().st_mtime, dt.UTC)
    fresh = build(root, BuildOptions(out=Path("_site")), now=lambda: modified + dt.timedelta(hours=1))
    assert fresh.reports[0].warnings == []
    later = build(root, BuildOptions(out=Path("_site")), now=lambda: modified + dt.timedelta(days=5))
    assert later.reports[0].status == "built" and later.reports[0].warnings
    assert 'data-testid="report-warnings"' in (root / "_site" / "reports" / "warned.html").read_text()
    again = build(root, BuildOptions(out=Path("_site")), now=lambda: modified + dt.timedelta(days=5, hours=2))
    assert again.status == "unchanged"


LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


def test_logo_is_copied_with_a_content_hash_and_shown_in_the_header(make_project, sample_data):
    root = make_project({"notes.yaml": TEXT_REPORT},
                        site_yaml=f'title: "T"\ndata_root: "{sample_data}"\nlogo: static/logo.svg\n')
    (root / "site_src" / "static" / "logo.svg").write_text(LOGO)
    build(root, BuildOptions(out=Path("_site")))
    logos = list((root / "_site" / "assets").glob("logo.*.svg"))
    assert len(logos) == 1 and logos[0].read_text() == LOGO
    assert f'<img src="../assets/{logos[0].name}" alt=""' in (root / "_site" / "reports" / "notes.html").read_text()
    assert f'<img src="assets/{logos[0].name}" alt=""' in (root / "_site" / "index.html").read_text()
    manifest = json.loads((root / "_site" / "manifest.json").read_text())
    assert f"assets/{logos[0].name}" in manifest["files"]


@pytest.mark.parametrize(("logo", "make", "message"), [
    ("static/logo.svg", None, "'static/logo.svg' not found: there is no file site_src/static/logo.svg"),
    ("../reports/notes.yaml", None,
     "'../reports/notes.yaml' is outside site_src/; put the image in site_src/static/ and write static/<file>"),
    ("/etc/hostname", None,
     "'/etc/hostname' is outside site_src/; put the image in site_src/static/ and write static/<file>"),
    ("static/link.svg", "link", "'static/link.svg' is outside site_src/; put the image in site_src/static/ and "
                                "write static/<file>"),
    ("static/logo.txt", "text", "'static/logo.txt' is not an image file; use one of .svg, .png, .jpg, .jpeg, .webp, "
                                ".gif, .avif"),
])
def test_an_unusable_logo_is_a_located_error_and_nothing_is_written(make_project, sample_data, tmp_path,
                                                                    logo, make, message):
    root = make_project({"notes.yaml": TEXT_REPORT},
                        site_yaml=f'title: "T"\ndata_root: "{sample_data}"\nlogo: "{logo}"\n')
    if make == "link":
        outside = tmp_path / "outside.svg"
        outside.write_text(LOGO)
        (root / "site_src" / "static" / "link.svg").symlink_to(outside)
    elif make == "text":
        (root / "site_src" / "static" / "logo.txt").write_text("hello")
    with pytest.raises(ConfigError) as error:
        build(root, BuildOptions(out=Path("_site")))
    assert str(error.value) == f"site_src/site.yaml:3:1 logo: {message}"
    assert not (root / "_site").exists()


def test_check_reports_an_unusable_logo_too(make_project, sample_data):
    from reportsite.build.checking import check_project
    from reportsite.errors import ReportError

    root = make_project({"notes.yaml": TEXT_REPORT},
                        site_yaml=f'title: "T"\ndata_root: "{sample_data}"\nlogo: "static/missing.svg"\n')

    with pytest.raises(ReportError) as error:
        check_project(root)

    assert [str(p) for p in error.value.problems] == [
        "site_src/site.yaml:3:1 logo: 'static/missing.svg' not found: there is no file site_src/static/missing.svg"]
