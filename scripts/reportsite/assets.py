"""Self-hosted assets: Tailwind CSS compiled offline, the Vega bundle, our page script.

Each is written as ``assets/<name>.<hash>.<ext>``. The expensive ones (Tailwind,
the Vega bundle) are cached under ``.cache/reportsite`` keyed by their inputs, so
a warm build only copies bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import RenderError

CACHE_DIR = Path(".cache") / "reportsite"
CACHE_ENV = "REPORTSITE_CACHE_DIR"


def cache_dir(root: Path) -> Path:
    """Where compiled CSS and the Vega bundle are kept: $REPORTSITE_CACHE_DIR or .cache/reportsite."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else root / CACHE_DIR


@dataclass(frozen=True)
class Asset:
    name: str  # logical name: css, vega, site
    path: str  # site-relative path, e.g. assets/site.3f2a9c1d.css
    content: bytes


def short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def hashed(name: str, ext: str, content: bytes) -> Asset:
    return Asset(name=name, path=f"assets/{name}.{short_hash(content)}.{ext}", content=content)


def tailwind_binary() -> str:
    here = Path(sys.executable).parent
    for candidate in (here / "tailwindcss", shutil.which("tailwindcss")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise RenderError("the Tailwind CSS compiler is not installed; run: pip install -r requirements.txt")


def templates_digest(site_src: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((site_src / "templates").rglob("*")) + sorted((site_src / "static").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(site_src)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def tailwind_css(root: Path, site_src: Path) -> Asset:
    """Compile ``site_src/static/site.css`` with the classes used in the templates (cached by input)."""
    source = site_src / "static" / "site.css"
    if not source.exists():
        raise RenderError.at("Tailwind input missing", str(source.relative_to(root)))
    key = templates_digest(site_src)[:20]
    cached = cache_dir(root) / f"tailwind-{key}.css"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        result = subprocess.run(
            [tailwind_binary(), "-i", str(source), "-o", str(tmp), "--minify"],
            cwd=site_src / "static", capture_output=True, text=True, check=False,
        )
        if result.returncode != 0 or not tmp.exists():
            raise RenderError(f"Tailwind CSS failed: {result.stderr.strip()[-400:]}")
        tmp.replace(cached)
    return hashed("site", "css", cached.read_bytes())


def vega_bundle(root: Path) -> Asset:
    """vega + vega-lite + vega-embed in one offline script (from vl-convert; cached per version)."""
    import importlib.metadata

    version = importlib.metadata.version("vl-convert-python")
    cached = cache_dir(root) / f"vega-{version}.js"
    if not cached.exists():
        import vl_convert

        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(vl_convert.javascript_bundle(), encoding="utf-8")  # type: ignore[call-arg]
        tmp.replace(cached)
    return hashed("vega", "js", cached.read_bytes())


def page_script(site_src: Path) -> Asset:
    return hashed("site", "js", (site_src / "static" / "site.js").read_bytes())


def all_assets(root: Path, site_src: Path) -> dict[str, Asset]:
    return {"css": tailwind_css(root, site_src), "vega": vega_bundle(root), "js": page_script(site_src)}
