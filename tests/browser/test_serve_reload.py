"""`reportsite serve`: an open page reloads itself after a rebuild, and the built files stay untouched."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from rich.console import Console

from reportsite.cli.serve import serve
from tests.conftest import free_port
from tests.support.polling import fetch, wait_for

pytestmark = pytest.mark.browser


REPORT = """
title: "Sales Report"
data_source: "sales.parquet"
metrics:
  - name: "Orders"
    query: "SELECT COUNT(*) AS value FROM sales"
"""
# Generous waits that only bound a hang: a rebuild takes about a second here, but a loaded machine stretches it.
LOADED_MACHINE = 120


def test_open_page_reloads_after_a_report_changes(browser, make_project, sample_data):
    root = make_project({"sales.yaml": REPORT}, data_root=sample_data)  # one small report: the reload is the point
    port, stop = free_port(), threading.Event()
    thread = threading.Thread(target=serve, args=(root, Path("_site"), port, Console(quiet=True), stop))
    thread.start()
    page = browser.new_page()
    try:
        assert wait_for(lambda: "Sales Report" in fetch(f"http://127.0.0.1:{port}/index.html"),
                        timeout=LOADED_MACHINE)  # built, serving
        page.goto(f"http://127.0.0.1:{port}/reports/sales.html")
        assert page.locator("h1").inner_text() == "Sales Report"
        report = root / "reports" / "sales.yaml"
        report.write_text(report.read_text().replace('title: "Sales Report"', 'title: "Revenue Report"'))
        page.wait_for_function("() => document.querySelector('h1').innerText === 'Revenue Report'",
                               timeout=LOADED_MACHINE * 1000)
    finally:
        page.close()
        stop.set()
        thread.join(timeout=10)
    assert "manifest.json" not in (root / "_site" / "reports" / "sales.html").read_text()  # preview-only script
