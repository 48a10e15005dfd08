"""Route every S3 client of a test through a proxy in front of the loopback S3 server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


@contextmanager
def through(proxy_class: Any, s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start ``proxy_class(s3_server)``, point AWS_ENDPOINT_URL at it for the block, and stop it after."""
    from reportsite.sources import s3env

    with proxy_class(s3_server) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        s3env.reset()
        yield running
    s3env.reset()
