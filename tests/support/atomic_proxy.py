"""A FaultyProxy that forwards conditional writes one at a time, the way S3 applies them.

moto checks a request's ``If-None-Match`` / ``If-Match`` and then stores the object in
separate steps, so two conditional PUTs in flight at the same moment could both pass
its check; real S3 lets exactly one of them win. Tests of racing deploys go through
this proxy so they test the deploy, not moto's locking.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.faulty_proxy import FaultRule, FaultyProxy, _handler_for


class AtomicProxy(FaultyProxy):
    """Counting, fault-injecting proxy (see FaultyProxy) whose conditional requests reach S3 one at a time."""

    def __init__(self, upstream: str, fault: FaultRule | None = None) -> None:
        super().__init__(upstream, fault)
        self._server.server_close()
        self.conditional = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _serialized(_handler_for(self), self.conditional))
        self._server.daemon_threads = True


def _serialized(base: type[BaseHTTPRequestHandler], lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(base):  # type: ignore[valid-type,misc]
        def _forward(self, body: bytes) -> None:
            if self.headers.get("If-None-Match") or self.headers.get("If-Match"):
                with lock:
                    super()._forward(body)
            else:
                super()._forward(body)

    return Handler
