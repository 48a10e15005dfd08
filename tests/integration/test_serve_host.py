"""`reportsite serve` answers only requests addressed to the loopback by name: a page of another site whose name
was pointed at 127.0.0.1 (DNS rebinding) gets 403, not the preview's pages, keys or data."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from rich.console import Console

from reportsite.cli.serve import serve
from reportsite.smoke import localhttp
from tests.conftest import free_port
from tests.support.polling import fetch, wait_for


def raw_get(port: int, path: str, host: str | None, method: str = "GET") -> tuple[int, bytes]:
    """One HTTP/1.1 request written by hand, so the Host header is exactly ``host`` (or absent)."""
    lines = [f"{method} {path} HTTP/1.1", *([f"Host: {host}"] if host is not None else []), "Connection: close"]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.fixture
def preview(tmp_path: Path):  # type: ignore[no-untyped-def]
    site = tmp_path / "_site"
    site.mkdir()
    (site / "index.html").write_text("<html><body>the private index</body></html>", encoding="utf-8")
    (site / "keys.json").write_text('{"key": "secret-key-material"}', encoding="utf-8")
    server = localhttp.start(site, live_reload=True)
    try:
        yield int(server.server_address[1])
    finally:
        localhttp.stop(server)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:{port}", "localhost", "LOCALHOST:{port}", "[::1]",
                                  "[::1]:{port}"])
def test_the_loopback_by_name_with_or_without_the_port_is_served(preview: int, host: str) -> None:
    status, body = raw_get(preview, "/keys.json", host.format(port=preview))
    assert (status, body) == (200, b'{"key": "secret-key-material"}')


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example",
                                  "localhost.evil.example:{port}", "[::1].evil.example", "127.0.0.2", "0.0.0.0",
                                  "localhost:http", "", None])
@pytest.mark.parametrize("path", ["/keys.json", "/index.html", "/", localhttp.LIVE_RELOAD_PATH])
def test_any_other_host_gets_403_and_nothing_of_the_site(preview: int, host: str | None, path: str) -> None:
    status, body = raw_get(preview, path, None if host is None else host.format(port=preview))
    assert status == 403
    assert b"secret-key-material" not in body and b"private index" not in body and b"fetch(" not in body
    assert b"this preview answers only requests to 127.0.0.1, localhost or [::1]" in body


def test_a_head_request_with_a_foreign_host_gets_403(preview: int) -> None:
    assert raw_get(preview, "/keys.json", "evil.example", "HEAD")[0] == 403
    assert raw_get(preview, "/keys.json", "localhost", "HEAD")[0] == 200


def test_reportsite_serve_refuses_a_rebinding_host(make_project, sample_data) -> None:
    report = 'title: "Sales Report"\ndata_source: sales.parquet\nmetrics:\n  - {name: N, query: "SELECT 1 AS value"}\n'
    root = make_project({"sales.yaml": report}, data_root=sample_data)
    port, stop = free_port(), threading.Event()
    thread = threading.Thread(target=serve, args=(root, Path("_site"), port, Console(quiet=True), stop))
    thread.start()
    try:
        assert wait_for(lambda: "Sales Report" in fetch(f"http://127.0.0.1:{port}/index.html"), timeout=120)
        status, body = raw_get(port, "/reports/sales.html", "evil.example")
        assert status == 403 and b"Sales Report" not in body
        status, body = raw_get(port, "/reports/sales.html", f"localhost:{port}")
        assert status == 200 and b"Sales Report" in body
    finally:
        stop.set()
        thread.join(timeout=10)
