"""A quiet HTTP server for a built site on 127.0.0.1 (preview, smoke checks of a local folder, tests)."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request and without browser caching (a preview changes)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def start(folder: Path, port: int = 0) -> ThreadingHTTPServer:
    """Serve ``folder`` (looked up by path on every request, so a swapped-in build is picked up)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(QuietHandler, directory=str(folder)))
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
