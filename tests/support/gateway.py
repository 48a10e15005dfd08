"""A website gateway on 127.0.0.1 that shows an S3 bucket/prefix to a browser.

moto's S3 server is not a website host (no anonymous reads, no index documents),
so browser tests of published pages go through this: ``GET /path`` returns the
object at ``prefix/path`` with the Content-Type and Cache-Control it was stored
with, ``/`` (or any folder) serves ``index.html``, a missing key is a 404. It
reads through boto3 with the standard AWS environment, like the real code.
"""

from __future__ import annotations

import contextlib
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Gateway:
    """A running gateway: its base URL (ending in '/') and every path it was asked for."""

    url: str
    bucket: str
    prefix: str
    requests: list[str] = field(default_factory=list)


def object_key(prefix: str, path: str) -> str:
    """The S3 key that a URL path maps to: folders get their index.html."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(path).path).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    prefix = prefix.strip("/")
    return f"{prefix}/{path}" if prefix else path


def _handler(client: Any, gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve(body=True)

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def _serve(self, body: bool) -> None:
            gateway.requests.append(self.path)
            key = object_key(gateway.prefix, self.path)
            if "/../" in f"/{key}/":
                self._missing(body)
                return
            try:
                found = client.get_object(Bucket=gateway.bucket, Key=key)
            except client.exceptions.NoSuchKey:
                self._missing(body)
                return
            data = found["Body"].read()
            self.send_response(200)
            self.send_header("Content-Type", found.get("ContentType") or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            for header, name in (("Cache-Control", "CacheControl"), ("ETag", "ETag")):
                if found.get(name):
                    self.send_header(header, found[name])
            self.end_headers()
            if body:
                self.wfile.write(data)

        def _missing(self, body: bool) -> None:
            message = b"404 Not Found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            if body:
                self.wfile.write(message)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def serve_bucket(bucket: str, prefix: str = "", client: Any = None) -> Iterator[Gateway]:
    """Serve ``s3://bucket/prefix`` on a free loopback port until the block ends."""
    if client is None:
        import boto3

        client = boto3.client("s3")
    gateway = Gateway(url="", bucket=bucket, prefix=prefix)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(client, gateway))
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="s3-gateway", daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_target(target: str, client: Any = None) -> contextlib.AbstractContextManager[Gateway]:
    """``serve_bucket`` for an ``s3://bucket/prefix`` URL."""
    parts = urllib.parse.urlsplit(target)
    return serve_bucket(parts.netloc, parts.path.strip("/"), client)
