"""Turn a private report's written files into ones that show nothing without the password.

Pages are rendered as public ones (with markers around the content and the scripts, see base.html), then
rewritten as a shell: the site's header and footer, a password form, and the content sealed. Every other
file of the report (slices, CSV downloads, table rows) is sealed whole. The manifest's entry keeps only
what the index may show.
"""

from __future__ import annotations

import hashlib
import hmac
import html as htmlmod
import json
import re
import shutil
from pathlib import Path
from typing import Any

from reportsite.build.manifest_model import Entry
from reportsite.errors import RenderError
from reportsite.private.crypto import MAGIC, Lock, seal
from reportsite.render.templates import render
from reportsite.values.words import ENGLISH, N_, Words

NEUTRAL_TITLE = N_("Private report")  # in the site's words
_PART = r"<!--reportsite:{0}-->(.*?)<!--/reportsite:{0}-->"
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def shown_title(config: Any, title: str, words: Words = ENGLISH) -> str:
    return words.gettext(NEUTRAL_TITLE) if config.hide_title else title


def _part(name: str, html: str, relative: str) -> str:
    found = re.search(_PART.format(name), html, re.S)
    if not found:
        raise RuntimeError(f"{relative}: the page has no {name} markers to seal")  # a template lost them
    return found.group(1)


def seal_page(env: Any, common: dict[str, Any], html: str, relative: str, lock: Lock, title: str) -> str:
    """The shell of one page, its content (and the scripts that use it) sealed inside."""
    found = _TITLE.search(html)
    payload = {
        "content": _part("content", html, relative),
        "scripts": _part("scripts", html, relative),
        "title": htmlmod.unescape(found.group(1)) if found else title,
    }
    root = "../" * relative.count("/")
    return render(
        env,
        "private.html",
        {
            **common,
            "root": root,
            "page_title": title,
            "lock_config": lock.page_config(),
            "payload": lock.seal_json(payload),
        },
    )


def seal_files(
    env: Any, common: dict[str, Any], staging: Path, files: list[str], lock: Lock, slug: str, title: str
) -> list[str]:
    """Rewrite every file of a private report in ``staging``: pages as shells, the rest sealed. Downloads are
    renamed to keyed digests (their names hold chart and table titles) and links to them follow; a download
    still saves under its own name. Returns the report's files as they are now."""
    renamed = {
        old: _hidden_name(lock, slug, old)
        for old in dict.fromkeys(files)
        if not old.endswith(".html") and "/slices/" not in old
    }
    out = []
    for relative in dict.fromkeys(files):
        path = staging / relative
        if relative.endswith(".html"):
            html = _relinked(path.read_text(encoding="utf-8"), renamed)
            path.write_text(seal_page(env, common, html, relative, lock, title), encoding="utf-8")
            out.append(relative)
            continue
        data = path.read_bytes()
        if relative not in renamed:  # a filter's results: the same blocks, relinked
            body = json.loads(data)
            body["blocks"] = {k: _relinked(v, renamed) for k, v in (body.get("blocks") or {}).items()}
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        target = staging / renamed.get(relative, relative)
        path.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(seal(lock.key, data))
        out.append(renamed.get(relative, relative))
    for old in renamed:  # folders the renamed files left empty (their names came from the data)
        folder = (staging / old).parent
        while folder != staging and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return out


def discard_written(staging: Path, slug: str) -> None:
    """Remove what a report that failed half-way wrote (its downloads, slices and pages): its failure page
    links none of it, and a private report's files are written sealed or not at all."""
    shutil.rmtree(staging / "data" / slug, ignore_errors=True)
    shutil.rmtree(staging / "reports" / slug, ignore_errors=True)
    (staging / "reports" / f"{slug}.html").unlink(missing_ok=True)


def check_sealed(staging: Path, slug: str, files: list[str]) -> None:
    """Every file a private report has in ``staging`` is one of its sealed files or shells; anything else
    (a file its run wrote that sealing did not know of) stops the build rather than being published."""
    listed = set(files)
    found = [p for folder in (staging / "data" / slug, staging / "reports" / slug) if folder.is_dir()
             for p in folder.rglob("*") if p.is_file()]
    for path in found:
        relative = path.relative_to(staging).as_posix()
        sealed = relative.endswith(".html") or path.read_bytes()[:len(MAGIC)] == MAGIC
        if relative not in listed or not sealed:
            raise RenderError(f"private report '{slug}': {relative} would be published without being sealed; "
                              "nothing was written (please report this as a bug)")
    for relative in files:
        if relative.endswith(".html") and 'id="private-payload"' not in (staging / relative).read_text("utf-8"):
            raise RenderError(f"private report '{slug}': the page {relative} is not sealed; nothing was written "
                              "(please report this as a bug)")


def _hidden_name(lock: Lock, slug: str, relative: str) -> str:
    """data/<slug>/<digest><extensions>: the same extensions (a table's rows beside its CSV keep the same stem)."""
    folder, _, name = relative.rpartition("/")
    stem, dot, extensions = name.partition(".")
    digest = hmac.new(lock.key, f"file name\x00{folder}/{stem}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"data/{slug}/{digest}{dot}{extensions}"


_DOWNLOAD = re.compile(r'href="([^"]*?)(data/[^"\\]+)" download(?=[\s>])')
_PATH = re.compile(r"data/[^\"'\s<>\\]+")


def _relinked(html: str, renamed: dict[str, str]) -> str:
    def named(match: re.Match[str]) -> str:
        old = match.group(2)
        if old not in renamed:
            return match.group(0)
        return f'href="{match.group(1)}{renamed[old]}" download="{htmlmod.escape(old.rpartition("/")[2])}"'

    html = _DOWNLOAD.sub(named, html)
    return _PATH.sub(lambda m: renamed.get(m.group(0), m.group(0)), html)


_PUBLIC_KEYS = ("title", "description", "data_modified", "data_as_of", "data_as_of_label", "data_as_of_at", "rows",
                "charts", "metrics", "tables", "sources", "warnings", "problems")
_KEPT_KEYS = ("update_frequency", "status", "fingerprint", "built_at", "stale", "files", "seconds")


def public_entry(entry: Entry, config: Any, failed: bool, words: Words = ENGLISH) -> Entry:
    """A private report's manifest entry: only what the index shows (title, unless hidden) and what the build and
    deploy need (status, fingerprint, files); descriptions, counts, sources, warnings and values are left out."""
    kept = [key for key in _KEPT_KEYS if entry.has(key)]
    family = entry.has("members")  # the page names are keyed digests: keep them, not the values they stand for
    out = Entry(
        title=shown_title(config, entry.title, words),
        problems=["This private report could not be built; the build's log says why."] if failed else [],
        **{key: getattr(entry, key) for key in kept},
        private=True,
        access=list(config.access),
        members={file: file for file in (entry.members or {}).values()} if family else None,
        pages=0 if family else None,
        json_keys=[*_PUBLIC_KEYS, *kept, "private", "access", *(("members", "pages") if family else ())],
    )
    return out


hidden_name = _hidden_name  # where a sealed file of a private report is published (digests find its PDF with it)

__all__ = ["NEUTRAL_TITLE", "check_sealed", "discard_written", "hidden_name", "public_entry", "seal_files",
           "seal_page", "shown_title"]
