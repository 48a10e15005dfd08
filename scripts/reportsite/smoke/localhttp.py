"""A quiet HTTP server for a built site on 127.0.0.1 (preview, smoke checks of a local folder, tests).

It answers only requests addressed to the loopback by name (``Host: 127.0.0.1``, ``localhost`` or ``[::1]``,
with any port): a web page whose own host name an attacker has pointed at 127.0.0.1 (DNS rebinding) sends
its own name as the Host and gets 403, so it cannot read the preview's pages, keys or data.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
LOOPBACK_HOST = re.compile(r"(?P<name>[^:\[\]]+|\[[^\]]*\])(?::\d{1,5})?")


def loopback_host(header: str | None) -> bool:
    """Whether a Host header names the loopback (``127.0.0.1``, ``localhost`` or ``[::1]``, with or without a
    port); a missing header or any other name is not."""
    found = LOOPBACK_HOST.fullmatch((header or "").strip())
    return found is not None and found.group("name").lower() in LOOPBACK_NAMES


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files to requests addressed to the loopback by name, without logging each request and without
    browser caching (a preview changes)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self._addressed_here():
            super().do_GET()

    def do_HEAD(self) -> None:
        if self._addressed_here():
            super().do_HEAD()

    def _addressed_here(self) -> bool:
        """True for a loopback Host; otherwise answer 403 (DNS rebinding: another site's name on 127.0.0.1)."""
        if loopback_host(self.headers.get("Host")):
            return True
        self.send_error(403, "Forbidden", "this preview answers only requests to 127.0.0.1, localhost or [::1]")
        return False

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


# Preview only: poll the site's own manifest and reload the page when a rebuild changed it. A script file of
# the server's own (not inline): the pages' Content-Security-Policy allows scripts from the site only.
LIVE_RELOAD_PATH = "/__reportsite/live-reload.js"
LIVE_RELOAD = b"""(function () {
  var seen = null;
  function poll() {
    fetch("/manifest.json", {cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) { if (m) { if (seen && m.built_at !== seen) { location.reload(); } seen = m.built_at; } })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 700); });
  }
  poll();
})();
"""
LIVE_RELOAD_TAG = f'<script src="{LIVE_RELOAD_PATH}"></script>\n'.encode()


class LiveReloadHandler(QuietHandler):
    """Serves HTML pages with the live-reload script added before ``</body>`` (never written to disk)."""

    def send_head(self) -> Any:
        if self.path.split("?", 1)[0] == LIVE_RELOAD_PATH:
            return self._body(LIVE_RELOAD, "text/javascript; charset=utf-8")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        return self._body(path.read_bytes().replace(b"</body>", LIVE_RELOAD_TAG + b"</body>", 1),
                          "text/html; charset=utf-8")

    def _body(self, body: bytes, content_type: str) -> io.BytesIO:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def start(folder: Path, port: int = 0, live_reload: bool = False) -> ThreadingHTTPServer:
    """Serve ``folder`` (looked up by path on every request, so a swapped-in build is picked up)."""
    handler = LiveReloadHandler if live_reload else QuietHandler
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, args=(0.05,), name="reportsite-http", daemon=True).start()
    return server


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


@contextlib.contextmanager
def serve_folder(folder: Path, port: int = 0) -> Iterator[str]:
    """Yield the base URL (ending in '/') of ``folder`` served over HTTP; stop the server afterwards."""
    server = start(folder, port)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        stop(server)
