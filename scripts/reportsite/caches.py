"""Where the caches live: the project's build cache and the installation's tool cache.

The build cache (``.cache/reportsite``: S3 column copies, loader results, DuckDB's spill folder) belongs
to one project; the tool cache (the Vega bundle, compiled CSS) to one installation, shared by every project
that uses it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CACHE_DIR = Path(".cache") / "reportsite"
CACHE_ENV = "REPORTSITE_CACHE_DIR"
TOOL_CACHE_ENV = "REPORTSITE_TOOL_CACHE"


def cache_dir(root: Path) -> Path:
    """The project's build cache (S3 column copies): $REPORTSITE_CACHE_DIR or .cache/reportsite."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else root / CACHE_DIR


def tool_cache_dir() -> Path:
    """Where compiled CSS and the Vega bundle are kept, shared by every project using this installation.

    $REPORTSITE_TOOL_CACHE, else $REPORTSITE_CACHE_DIR (one folder for everything), else inside the
    virtualenv (``<venv>/var/cache/reportsite``), else ``~/.cache/reportsite``. Their names carry the
    versions of the tools that made them (and the templates' digest for CSS), so a first build of a new
    project reuses them instead of paying ~2 s for the bundle.
    """
    for name in (TOOL_CACHE_ENV, CACHE_ENV):
        if os.environ.get(name):
            return Path(os.environ[name])
    if sys.prefix != sys.base_prefix:  # a virtualenv: the cache lives and dies with the installed versions
        venv = Path(sys.prefix) / "var" / "cache" / "reportsite"
        if os.access(sys.prefix, os.W_OK):
            return venv
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reportsite"


__all__ = ["CACHE_DIR", "CACHE_ENV", "TOOL_CACHE_ENV", "cache_dir", "tool_cache_dir"]
