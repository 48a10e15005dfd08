"""What digests and alerts last sent, kept with the site: ``<target>/.reportsite/deliveries.json`` in the site's
bucket (beside the deploy's lock; a deploy never touches it), or a local file.

    {"digests": {"weekly": {"sent_for": "2026-12-07T08:00:00+01:00", "sent_at": "…", "told": ["email:3f…"]}},
     "alerts": {"9c1e…": {"holds": true, "since": "…", "told": ["email"]}}}

Recipients and alerts are named by digests (a private report's alert names its metric; the bucket's
``.reportsite/`` objects may be reachable where the site is served), and no value is kept.

A state that cannot be read is a warning and counts as empty; one that cannot be written is a warning too
(the next run may then send again what this one sent).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

NAME = "deliveries.json"  # under the target's .reportsite/ folder (deploy.target.STATE)


def digest_of(text: str) -> str:
    """A short stable name for an address list or an alert, that does not show what it names."""
    return hashlib.sha256(f"reportsite delivery\x00{text}".encode()).hexdigest()[:24]


def empty() -> dict[str, Any]:
    return {"digests": {}, "alerts": {}}


class Store:
    """The state in S3 (``bucket`` and ``key``) or in a local file (``path``)."""

    def __init__(self, bucket: str | None = None, key: str | None = None, path: Path | None = None,
                 client: Any = None) -> None:
        self.bucket, self.key, self.path, self.client = bucket, key, path, client

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.bucket else str(self.path)

    def load(self, warn: Any) -> dict[str, Any]:
        try:
            if self.bucket is not None:
                from botocore.exceptions import ClientError

                try:
                    body = self.client.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                        return empty()
                    raise
            elif self.path is not None and self.path.is_file():
                body = self.path.read_bytes()
            else:
                return empty()
            state = json.loads(body)
            return {**empty(), **state} if isinstance(state, dict) else empty()
        except Exception as exc:  # unreadable: send as if nothing was sent, and say so
            warn(f"deliver: could not read {self.where} ({exc}); treating it as empty")
            return empty()

    def save(self, state: dict[str, Any], warn: Any) -> None:
        body = json.dumps(state, indent=1, sort_keys=True).encode("utf-8")
        try:
            if self.bucket is not None:
                self.client.put_object(Bucket=self.bucket, Key=self.key, Body=body,
                                       ContentType="application/json", CacheControl="no-store")
            elif self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_bytes(body)
        except Exception as exc:
            warn(f"deliver: could not write {self.where} ({exc}); the next run may send these messages again")


__all__ = ["NAME", "Store", "digest_of", "empty"]
