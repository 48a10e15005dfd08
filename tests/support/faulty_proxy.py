"""A loopback HTTP proxy in front of the S3 test server that counts requests and injects faults.

Tests point ``AWS_ENDPOINT_URL`` at it to count what a deploy sends (a no-op deploy
must make zero PUTs) and to make some writes fail (503 SlowDown, dropped connections)
the way a busy S3 does.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


@dataclass(frozen=True)
class Fault:
    """What to answer instead of forwarding: an S3 error response, or (drop=True) a closed connection."""

    status: int = 503
    code: str = "SlowDown"
    message: str = "Please reduce your request rate."
    drop: bool = False

    def body(self) -> bytes:
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{self.code}</Code>'
                f"<Message>{self.message}</Message></Error>").encode()


@dataclass(frozen=True)
class Seen:
    """One request as the proxy received it; ``nth`` counts requests of the same method, from 1."""

    method: str
    path: str
    nth: int


FaultRule = Callable[[Seen], Fault | None]


def is_object_put(seen: Seen) -> bool:
    """A PutObject (not a bucket-level PUT such as CreateBucket, which has no key in its path)."""
    path = seen.path.split("?", 1)[0].strip("/")
    return seen.method == "PUT" and "/" in path


def every_nth_put(n: int, fault: Fault | None = None) -> FaultRule:
    """Fail every n-th object PUT (counting all PUTs received, retries included) with ``fault``."""
    counter = {"puts": 0}
    lock = threading.Lock()
    answer = fault or Fault()

    def rule(seen: Seen) -> Fault | None:
        if not is_object_put(seen):
            return None
        with lock:
            counter["puts"] += 1
            return answer if counter["puts"] % n == 0 else None

    return rule


def puts_after(allowed: int, fault: Fault | None = None) -> FaultRule:
    """Let ``allowed`` object PUTs through, then fail every later one (a deploy cut off half-way)."""
    counter = {"puts": 0}
    lock = threading.Lock()
    answer = fault or Fault(403, "AccessDenied", "Access Denied")

    def rule(seen: Seen) -> Fault | None:
        if not is_object_put(seen):
            return None
        with lock:
            counter["puts"] += 1
            return answer if counter["puts"] > allowed else None

    return rule


class FaultyProxy:
    """Forward every request to ``upstream`` (``http://127.0.0.1:PORT``) unless ``fault`` says otherwise."""

    def __init__(self, upstream: str, fault: FaultRule | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.fault = fault
        self.counts: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.log: list[Seen] = []
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultyProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="faulty-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every client connection still open (keep-alive)."""
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            open_sockets = list(self._sockets)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def reset(self) -> None:
        """Forget the counts and the log (the fault rule keeps its own state)."""
        with self._lock:
            self.counts.clear()
            self.faults.clear()
            self.log.clear()

    def puts(self) -> list[str]:
        """Paths of the object PUTs received, in order (faulted ones included)."""
        with self._lock:
            return [s.path for s in self.log if is_object_put(s)]

    def __enter__(self) -> FaultyProxy:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _record(self, method: str, path: str) -> Seen:
        with self._lock:
            self.counts[method] += 1
            seen = Seen(method, path, self.counts[method])
            self.log.append(seen)
        return seen

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._sockets.add if add else self._sockets.discard)(sock)


def _handler_for(proxy: FaultyProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30

        def setup(self) -> None:
            super().setup()
            proxy._track(self.connection, add=True)

        def finish(self) -> None:
            proxy._track(self.connection, add=False)
            super().finish()

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def _handle(self) -> None:
            body = self._read_body()
            seen = proxy._record(self.command, self.path)
            fault = proxy.fault(seen) if proxy.fault else None
            if fault is not None:
                with proxy._lock:
                    proxy.faults[self.command] += 1
                self._answer_fault(fault)
                return
            self._forward(body)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline().strip():  # trailers
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _answer_fault(self, fault: Fault) -> None:
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = fault.body()
            self.send_response(fault.status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _forward(self, body: bytes) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            if body or self.command in ("PUT", "POST"):
                headers["Content-Length"] = str(len(body))
            upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
            try:
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                self.send_response_only(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                length = response.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            finally:
                upstream.close()

    return Handler
