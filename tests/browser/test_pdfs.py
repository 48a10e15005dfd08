"""PDFs as paper: the checks smoke runs on them can fail, and the demo and the awkward project print clean on
A4 and on Letter (every sheet A4 or Letter with text, no ink in the side margins, and every page laid out at
both papers' widths with nothing wider than the paper)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from reportsite.build.builder import BuildOptions, build
from reportsite.build.manifest_model import Manifest
from reportsite.pdf.paper import A4
from reportsite.smoke.crawl import fetch, site_address
from reportsite.smoke.pdfs import check_pdfs, layout_problems, sheet_problems
from tests.conftest import REPO
from tests.support.awkward_data import make_project as make_awkward

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>@page {{ margin: 14mm 12mm; }}
body {{ margin: 0; font: 12pt sans-serif; }}</style></head><body><main>{body}</main></body></html>"""


def printed(browser: Any, tmp_path: Path, body: str) -> bytes:
    page_file = tmp_path / "page.html"
    page_file.write_text(PAGE.format(body=body), encoding="utf-8")
    context = browser.new_context(viewport={"width": A4.content_width_px, "height": A4.content_height_px})
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        return bytes(page.pdf(format="A4", margin=A4.margins, print_background=True))
    finally:
        context.close()


def test_the_sheet_check_finds_what_runs_past_the_printable_width(browser: Any, tmp_path: Path) -> None:
    assert sheet_problems(printed(browser, tmp_path, "<p>Revenue by region</p>")) == []
    wide = '<p>Revenue by region</p><div style="width: 1400px; height: 40px; background: #334155"></div>'
    assert sheet_problems(printed(browser, tmp_path, wide)) == [
        "sheet 1 is printed at 67%: something on the page is wider than the paper, and Chromium shrank the page "
        "to fit it"]
    beside = '<p>Revenue by region</p><div style="position: absolute; left: 690px; width: 30px; height: 40px; ' \
             'background: #334155"></div>'
    assert sheet_problems(printed(browser, tmp_path, beside)) == [
        "sheet 1 is printed at 98%: something on the page is wider than the paper, and Chromium shrank the page "
        "to fit it"]
    assert sheet_problems(b"%PDF-1.7 not really") != []


def test_the_sheet_scale_read_from_the_stream_s_start_equals_pypdf_s_full_parse(browser: Any, tmp_path: Path) -> None:
    # _content_scale reads the first two `cm` operators with a pattern; pypdf's parser reads every operator.
    import io

    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    from reportsite.smoke.pdfs import _content_scale

    bodies = ["<p>Revenue by region</p>", '<div style="width: 1400px; height: 40px"></div>' + "<p>x</p>" * 200,
              '<p>Revenue</p><div style="position: absolute; left: 690px; width: 30px; height: 40px"></div>']
    for body in bodies:
        reader = PdfReader(io.BytesIO(printed(browser, tmp_path, body)))
        for page in reader.pages:
            operations = ContentStream(page.get_contents(), reader).operations
            scales = [abs(float(args[0])) for args, op in operations if op == b"cm"][:2]
            assert _content_scale(page) == scales[0] * scales[1]


def test_the_layout_check_names_what_is_wider_than_the_paper(browser: Any, tmp_path: Path) -> None:
    page_file = tmp_path / "wide.html"
    page_file.write_text(PAGE.format(body='<p style="width: 900px">A very long line of text</p>'), encoding="utf-8")

    def context_for(paper: Any) -> Any:
        return browser.new_context(viewport={"width": paper.content_width_px, "height": paper.content_height_px})

    assert layout_problems(context_for, page_file.as_uri()) == [
        "printed on A4, wider than the paper: A very long line of text (198 px)",
        "printed on Letter, wider than the paper: A very long line of text (175 px)"]


def demo(root: Path, sample_data: Path, paper: str) -> Path:
    shutil.copytree(REPO / "site_src", root / "site_src")
    shutil.copytree(REPO / "reports", root / "reports")
    site = (REPO / "site_src" / "site.yaml").read_text(encoding="utf-8").replace('data_root: "data"',
                                                                                f'data_root: "{sample_data}"')
    (root / "site_src" / "site.yaml").write_text(site + f"pdf: {{paper: {paper}}}\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("project", ["demo", "awkward"])
def test_the_pdfs_of_the_demo_and_the_awkward_project_fit_the_paper(project: str, paper: str, tmp_path: Path,
                                                                    sample_data: Path, browser: Any) -> None:
    if project == "demo":
        root = demo(tmp_path / "demo", sample_data, paper)
    else:
        root = make_awkward(tmp_path / "awkward")
        with (root / "site_src" / "site.yaml").open("a", encoding="utf-8") as handle:
            handle.write(f"\npdf: {{paper: {paper}}}\n")
    build(root, BuildOptions(out=root / "_site", pdf=True))
    manifest = json.loads((root / "_site" / "manifest.json").read_text(encoding="utf-8"))
    pdfs = {slug: entry["pdf"] for slug, entry in manifest["reports"].items()}
    assert all(pdfs.values()) and len(pdfs) >= 4, pdfs
    with site_address(str(root / "_site")) as base:
        problems = [str(p) for p in check_pdfs(base, Manifest.from_json(manifest), browser, fetch)]
    assert problems == [], "\n".join(["", *problems])
