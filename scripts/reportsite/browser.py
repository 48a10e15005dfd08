"""Find or install the Chromium that Playwright drives (the build prints PDFs with it, smoke checks pages).

The system Chromium (Debian's ``chromium``) is used where it exists; as root
with apt it is installed; otherwise Playwright downloads its own build
(``playwright install chromium``, as on GitHub's runners).

A bottom-layer tool like ``caches``: it imports nothing of the package, so the build's PDF stage and the
smoke checks can both use it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def system_chromium() -> str | None:
    configured = os.environ.get("REPORTSITE_CHROMIUM")
    if configured and os.path.exists(configured):
        return configured
    return next((c for c in SYSTEM_CANDIDATES if os.path.exists(c)), None)


def ensure() -> str:
    """Make sure a browser is available; return a description of which one."""
    found = system_chromium()
    if found:
        return f"system Chromium at {found}"
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
        found = system_chromium()
        if found:
            return f"system Chromium at {found} (installed with apt)"
    subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=True)
    return "Playwright's Chromium"


def launch(playwright: Any) -> Any:
    """Launch headless Chromium through a started ``sync_playwright()`` object."""
    path = system_chromium()
    kwargs: dict[str, Any] = {"args": LAUNCH_ARGS, "headless": True}
    if path:
        kwargs["executable_path"] = path
    return playwright.chromium.launch(**kwargs)


@contextlib.contextmanager
def launched() -> Iterator[Any]:
    """Start Playwright and headless Chromium for the length of a ``with`` block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


if __name__ == "__main__":
    print(f"browser: {ensure()}")
