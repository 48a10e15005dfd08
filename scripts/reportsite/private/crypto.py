"""Encryption of private reports: deterministic AES-256-GCM under keys only a password opens.

Keys:
- each audience's key (KEK) is PBKDF2-SHA256 of its password, ``ITERATIONS`` rounds, with a salt made from
  the site and the audience's name (``salt_of``), so the browser can derive the same key from the same
  password, and one table of guesses worked out for "finance" on one site is of no use on another;
- each report's content key is HKDF-SHA256 of the keys of the audiences that may read it and the report's
  name, and is stored on every page wrapped (AES-GCM) once per audience.

Every nonce is an HMAC of the key, the purpose and the plaintext, so an unchanged file encrypts to the
same bytes on every build (a no-op deploy uploads nothing). The one thing this tells an observer is
whether two ciphertexts under the same key hold the same plaintext. Sealed files start with ``MAGIC``,
then the 12-byte nonce, then the ciphertext with its tag.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

ITERATIONS = 600_000
MAGIC = b"RSE1"
SALT_CONTEXT = "reportsite audience salt v2"


@dataclass(frozen=True)
class AudienceKey:
    name: str
    salt: bytes
    key: bytes  # the PBKDF2 output; never written anywhere

    @property
    def key_id(self) -> str:
        """A short public digest of the key: changes when the password does (it tells nothing about it)."""
        return hashlib.sha256(b"reportsite key id" + self.key).hexdigest()[:16]


def salt_of(audience: str, site: str = "") -> bytes:
    """The audience's salt on ``site`` (what names the site: its address, else its title)."""
    return hashlib.sha256(f"{SALT_CONTEXT}\x00{site}\x00{audience}".encode()).digest()[:16]


def audience_key(name: str, password: str, site: str = "") -> AudienceKey:
    salt = salt_of(name, site)
    return AudienceKey(name, salt, derive(password, salt))


def derive(password: str, salt: bytes) -> bytes:
    """The key a password gives with a salt: what the page's script derives from the salt the page holds."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=ITERATIONS)
    return kdf.derive(password.encode("utf-8"))


def content_key(slug: str, audiences: list[AudienceKey]) -> bytes:
    """The report's own key: the same for the same audience keys, new when any of their passwords changes."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    material = b"".join(a.key for a in sorted(audiences, key=lambda a: a.name))
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"reportsite content key v1", info=slug.encode("utf-8")
    ).derive(material)


def _nonce(key: bytes, purpose: str, plaintext: bytes) -> bytes:
    return hmac.new(key, purpose.encode("utf-8") + b"\x00" + plaintext, hashlib.sha256).digest()[:12]


def seal(key: bytes, plaintext: bytes, purpose: str = "file") -> bytes:
    """MAGIC + nonce + AES-256-GCM ciphertext (with tag); the same input always gives the same bytes."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = _nonce(key, purpose, plaintext)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, None)


def unseal(key: bytes, sealed: bytes) -> bytes:
    """The plaintext of ``seal``; raises ValueError on a wrong key or altered bytes."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + 12 + 16:
        raise ValueError("not a sealed file")
    nonce, body = sealed[len(MAGIC) : len(MAGIC) + 12], sealed[len(MAGIC) + 12 :]
    try:
        return AESGCM(key).decrypt(nonce, body, None)
    except InvalidTag:
        raise ValueError("wrong key, or the file was altered") from None


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class Lock:
    """What one private report is encrypted with: its content key and who may open it."""

    slug: str
    key: bytes
    audiences: tuple[AudienceKey, ...]

    @classmethod
    def of(cls, slug: str, audiences: list[AudienceKey]) -> Lock:
        return cls(slug, content_key(slug, audiences), tuple(sorted(audiences, key=lambda a: a.name)))

    def page_config(self) -> dict[str, object]:
        """What private.js needs to open the page: per audience its salt and the content key wrapped in its key."""
        return {
            "iterations": ITERATIONS,
            "audiences": [
                {"name": a.name, "salt": b64(a.salt), "wrapped": b64(seal(a.key, self.key, f"wrap:{self.slug}"))}
                for a in self.audiences
            ],
        }

    def fingerprint(self) -> list[str]:
        return [f"access:{a.name}:{a.key_id}" for a in self.audiences]

    def file_names(self, tokens: Iterable[str]) -> dict[str, str]:
        """For_each pages' file names that do not show their values: a keyed digest of each."""
        return {
            token: hmac.new(
                self.key, b"page name\x00" + token.encode("utf-8", "surrogatepass"), hashlib.sha256
            ).hexdigest()[:20]
            for token in tokens
        }

    def seal_json(self, value: object) -> str:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return b64(seal(self.key, text, "page"))


__all__ = ["ITERATIONS", "AudienceKey", "Lock", "audience_key", "content_key", "derive", "salt_of", "seal", "unseal"]
