"""Every page carries a Content-Security-Policy that runs only the site's own scripts (issue 23: a script put
into a page, or a poisoned bundle's call home, could read the unlock keys in sessionStorage)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from pathlib import Path

import pytest

from reportsite.build.builder import BuildOptions, build
from tests.support import private_data

pytestmark = pytest.mark.integration
META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')


def test_every_page_allows_only_its_own_scripts_and_requests(tmp_path: Path, monkeypatch) -> None:
    for name, value in private_data.PASSWORDS.items():
        monkeypatch.setenv(name, value)
    root = private_data.make_project(tmp_path / "project", private_data.write_data(tmp_path / "data").parent)
    build(root, BuildOptions(out=Path("_site")), now=lambda: private_data.NOW)

    pages = sorted((root / "_site").rglob("*.html"))
    assert len(pages) >= 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = META.findall(text)
        assert len(found) == 1, page
        policy = dict([*d.split(" ", 1), ""][:2] for d in html.unescape(found[0]).split("; "))
        assert policy["default-src"] == "'self'" and policy["connect-src"] == "'self'"
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
        sources = policy["script-src"].split()
        assert sources[0] == "'self'" and all(s.startswith("'sha256-") for s in sources[1:])
        # each inline script that runs is listed by its hash; no other inline script exists
        inline = re.findall(r"<script>(.*?)</script>", text, re.S)
        assert sorted(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in set(inline)) == sorted(sources[1:]), page
        assert text.index("Content-Security-Policy") < text.index("<script")
