"""``python -m reportsite.smoke.browser`` (make browser): find or install Chromium. The finder itself is
``reportsite.browser``, a bottom-layer tool, since the build prints PDFs with it too."""

from __future__ import annotations

from reportsite.browser import LAUNCH_ARGS, ensure, launch, launched, system_chromium

__all__ = ["LAUNCH_ARGS", "ensure", "launch", "launched", "system_chromium"]

if __name__ == "__main__":
    print(f"browser: {ensure()}")
