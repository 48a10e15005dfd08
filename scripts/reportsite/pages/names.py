"""File names of a for_each report's pages: safe for any value, readable where they can be, stable across builds.

``C-00042`` → ``c-00042``, ``Zürich`` → ``zurich``, ``東京`` → ``3f9a1c2e`` (a digest of the value): lower-case
ASCII letters, digits and ``-`` only, at most 60 characters before an 8-character digest. Values whose readable
names would be the same (``North`` and ``north``) all take a digest, so no two pages share a file name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

MAX_NAME = 60
RESERVED = {"index", "slices", "data"}


def readable(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:MAX_NAME].strip("-")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def page_files(tokens: Iterable[str]) -> dict[str, str]:
    """Each value's (as its URL token) file name, without .html."""
    tokens = list(dict.fromkeys(tokens))
    names = {token: readable(token) for token in tokens}
    count: dict[str, int] = {}
    for name in names.values():
        count[name] = count.get(name, 0) + 1
    files = {}
    for token, name in names.items():
        if not name or count[name] > 1 or name in RESERVED:
            name = f"{name}-{digest(token)}" if name else digest(token)
        files[token] = name
    return files
