"""Where a site to check is and which pages it has: its base URL (a folder is served on loopback), the manifest's
pages or, without one, the pages its links reach."""

from __future__ import annotations

import contextlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from reportsite.build.manifest_model import Manifest
from reportsite.smoke.findings import SITE, Problem
from reportsite.smoke.localhttp import serve_folder
from reportsite.values.words import ENGLISH, Words

FETCH_TIMEOUT_S = 15.0
MAX_CRAWL = 500


def base_url(url: str) -> str:
    """The site's folder URL, ending in '/': ``http://h/p`` and ``http://h/p/index.html`` → ``http://h/p/``."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        path = path[: len(path) - len(last)] if "." in last else path + "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def local_folder(url: str) -> Path | None:
    """The folder a file path or file:// URL names, or None for an http(s) URL."""
    if re.match(r"^https?://", url, re.IGNORECASE):
        return None
    if url.lower().startswith("file:"):
        url = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
    path = Path(url).expanduser()
    return path.parent if path.suffix == ".html" else path


class NotASite(Exception):
    """A local path that holds no built site."""


@contextlib.contextmanager
def site_address(url: str, words: Words = ENGLISH) -> Iterator[str]:
    """Yield the http(s) base URL of the site: the URL itself, or a loopback server for a folder."""
    folder = local_folder(url)
    if folder is None:
        yield base_url(url)
        return
    if not (folder / "index.html").is_file():
        raise NotASite(words.gettext("%(folder)s is not a built site (no index.html); run `reportsite build` first",
                                     folder=folder))
    with serve_folder(folder.resolve()) as served:
        yield served


def fetch(url: str, method: str = "GET") -> tuple[int, bytes]:
    """HTTP status and body of ``url`` (status 0 when the server cannot be reached)."""
    request = urllib.request.Request(url, method=method, headers={"User-Agent": "reportsite-smoke"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
            return response.status, response.read() if method == "GET" else b""
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except (urllib.error.URLError, OSError) as exc:
        raise ConnectionError(str(getattr(exc, "reason", exc))) from exc


def check_url(url: str) -> str | None:
    """None when ``url`` answers below 400; otherwise why not (HEAD first, GET where HEAD is refused)."""
    try:
        status, _ = fetch(url, "HEAD")
        if status in (405, 501):
            status, _ = fetch(url)
    except ConnectionError as exc:
        return f"unreachable ({exc})"
    return None if status < 400 else f"HTTP {status}"


class _Links(HTMLParser):
    """Every href/src in an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("href", "src") and v]


def inside(url: str, base: str) -> str | None:
    """The site-relative path of ``url`` when it lies under ``base``, else None."""
    clean = urllib.parse.urldefrag(url)[0].split("?", 1)[0]
    return clean[len(base):] if clean.startswith(base) else None


def _crawl(base: str) -> list[str]:
    """Pages reachable from index.html by links, for sites without a manifest or sitemap."""
    seen, queue = ["index.html"], ["index.html"]
    while queue and len(seen) < MAX_CRAWL:
        page = queue.pop(0)
        try:
            status, body = fetch(base + page)
        except ConnectionError:
            continue
        if status >= 400:
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        for link in parser.found:
            relative = inside(urllib.parse.urljoin(base + page, link), base)
            if relative and relative.endswith(".html") and relative not in seen:
                seen.append(relative)
                queue.append(relative)
    return seen


def discover(base: str, words: Words = ENGLISH) -> tuple[list[str], Manifest | None, list[Problem]]:
    """The site's pages (from its manifest, else by links), its manifest and any problem finding them."""
    try:
        status, body = fetch(base + "manifest.json")
    except ConnectionError as exc:
        return [], None, [Problem(SITE, words.gettext("cannot reach %(base)s: %(error)s", base=base, error=exc), (),
                                  words)]
    manifest = None
    if status < 400:
        with contextlib.suppress(ValueError):
            manifest = Manifest.from_json(json.loads(body))
    problems: list[Problem] = []
    if manifest is not None and manifest.has("pages"):
        if manifest.status not in (None, "ok"):
            problems.append(Problem("manifest.json", words.gettext("the build status is '%(status)s', not 'ok'",
                                                                   status=manifest.status), (), words))
        return [str(p) for p in manifest.pages], manifest, problems
    return _crawl(base), None, problems


__all__ = ["NotASite", "base_url", "check_url", "discover", "fetch", "inside", "local_folder", "site_address"]
