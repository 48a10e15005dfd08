"""Smoke checks of private reports: nothing readable without a password, everything checked with one.

Locked, a private page may show only the password form, and every file of a private report (as the manifest
lists them) must be sealed. Then the page is opened with the audience's password from the environment (the
variables site.yaml names, as the build uses them) and checked like a public page.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reportsite.build.manifest_model import Manifest
from reportsite.config.project import SITE_FILE, load_site
from reportsite.errors import ReportError
from reportsite.private.crypto import MAGIC
from reportsite.values.words import ENGLISH, Words

OPEN_TIMEOUT_MS = 30_000  # PBKDF2 (600,000 rounds) in the browser, then the page's scripts
MAX_FILES = 40  # files of each private report fetched to see that they are sealed

Fetch = Callable[[str], tuple[int, bytes]]

_STATE = "() => document.documentElement.dataset.private || null"
_SETTLED = "() => ['locked', 'open', 'unavailable'].includes(document.documentElement.dataset.private)"
_LEAKED = """() => {
  const main = document.querySelector('main');
  const shown = main ? main.querySelectorAll('[data-spec], [data-block], [data-testid="metric"], '
    + '[data-testid="table-card"], [data-testid="family-list"]').length : 0;
  const json = [...document.querySelectorAll('script[type="application/json"]')]
    .filter(s => s.id !== 'private-config' && !s.hasAttribute('data-messages')).length;  // the site's words are public
  return shown + json;
}"""
_AUDIENCES = """() => JSON.parse(document.getElementById('private-config').textContent).audiences.map(a => a.name)"""


def passwords(project: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each audience's password, from the variables the project's site.yaml names (none without one)."""
    environ = os.environ if environ is None else environ
    if not (project / SITE_FILE).is_file():
        return {}
    try:
        site = load_site(project)
    except ReportError:
        return {}
    return {name: environ[a.password_env] for name, a in site.audiences.items() if environ.get(a.password_env)}


def site_words(project: Path) -> Words:
    """The words of the project's site (its language), English when it has no readable site.yaml."""
    if not (project / SITE_FILE).is_file():
        return ENGLISH
    try:
        return Words.of(load_site(project))
    except ReportError:
        return ENGLISH


def unlock(page: Any, known: Mapping[str, str], words: Words = ENGLISH) -> list[str]:
    """Open a private page (no-op on a public one); the problems found on the way."""
    if not page.evaluate("() => !!document.getElementById('private-config')"):
        return []
    page.wait_for_function(_SETTLED, timeout=OPEN_TIMEOUT_MS)
    state = page.evaluate(_STATE)
    if state == "unavailable":
        return [words.gettext("the private page cannot be opened here: the browser offers no WebCrypto (not a secure "
                              "context)")]
    if state == "locked":
        if page.evaluate(_LEAKED):
            return [words.gettext("the locked private page shows report content without the password")]
        audiences = page.evaluate(_AUDIENCES)
        password = next((known[a] for a in audiences if a in known), None)
        if password is None:
            return [words.gettext("cannot open the private page: no password for audience %(audience)s in the "
                                  "environment (the variable its password_env names in site_src/site.yaml)",
                                  audience=words.gettext(" or ").join(audiences))]
        page.fill("#private-password", password)
        page.click("[data-private-submit]")
        page.wait_for_function(
            "() => ['open', 'locked'].includes(document.documentElement.dataset.private) && "
            "!document.querySelector('[data-private-form][aria-busy=true]')",
            timeout=OPEN_TIMEOUT_MS,
        )
        if page.evaluate(_STATE) != "open":
            error = page.text_content("[data-private-error]") or ""
            return [words.gettext("the password of the environment did not open the private page: %(error)s",
                                  error=error.strip())]
    return []


def sealed_problems(base: str, manifest: Manifest | None, fetch: Fetch,
                    words: Words = ENGLISH) -> list[tuple[str, str]]:
    """(file, problem) for each file of a private report that can be read without the password."""
    found: list[tuple[str, str]] = []
    reports = manifest.reports if manifest is not None else {}
    for entry in reports.values():
        if not entry.private:
            continue
        for relative in [str(f) for f in entry.files][:MAX_FILES]:
            try:
                status, body = fetch(base + relative)
            except ConnectionError:
                continue  # unreachable files are the link checks' finding
            if status >= 400:
                continue
            if relative.endswith(".html"):
                if b'id="private-payload"' not in body or b"data-spec=" in body or b'id="report-filters"' in body:
                    found.append((relative, words.gettext("the private page holds readable report content")))
            elif not body.startswith(MAGIC):
                found.append((relative, words.gettext("a file of a private report is readable without the "
                                                      "password")))
    return found


__all__ = ["passwords", "sealed_problems", "site_words", "unlock"]
