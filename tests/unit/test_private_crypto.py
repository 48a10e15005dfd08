"""The sealing primitives: deterministic AES-256-GCM that only the right key opens."""

from __future__ import annotations

import base64

import pytest

from reportsite.private import crypto as private
from reportsite.private.password import ALPHABET, new_password


@pytest.fixture(scope="module")
def keys() -> list[private.AudienceKey]:
    return [private.audience_key("finance", "a" * 20), private.audience_key("owners", "b" * 20)]


def test_seal_is_deterministic_and_opens_only_with_its_key(keys: list[private.AudienceKey]) -> None:
    key = private.content_key("margins", keys)
    sealed = private.seal(key, b"revenue,1234")
    assert sealed == private.seal(key, b"revenue,1234")  # a rebuild writes the same bytes
    assert sealed != private.seal(key, b"revenue,1235")
    assert sealed.startswith(private.MAGIC) and b"revenue" not in sealed
    assert private.unseal(key, sealed) == b"revenue,1234"
    with pytest.raises(ValueError, match="wrong key"):
        private.unseal(private.content_key("other", keys), sealed)
    with pytest.raises(ValueError, match="wrong key"):
        private.unseal(key, sealed[:-1] + bytes([sealed[-1] ^ 1]))


def test_audience_keys_follow_the_password_and_the_name() -> None:
    first = private.audience_key("finance", "a" * 20)
    assert first.key == private.audience_key("finance", "a" * 20).key
    assert first.key != private.audience_key("finance", "a" * 21).key
    assert first.salt != private.audience_key("owners", "a" * 20).salt
    # the same audience name and password on another site: another salt, so no table of guesses carries over
    elsewhere = private.audience_key("finance", "a" * 20, "https://reports.other.example/")
    assert elsewhere.salt != first.salt and elsewhere.key != first.key
    assert private.derive("a" * 20, first.salt) == first.key
    assert private.ITERATIONS >= 600_000


def test_the_content_key_changes_with_any_audience_password(keys: list[private.AudienceKey]) -> None:
    changed = [keys[0], private.audience_key("owners", "c" * 20)]
    assert private.content_key("margins", keys) != private.content_key("margins", changed)
    assert private.content_key("margins", keys) == private.content_key("margins", list(reversed(keys)))
    assert private.content_key("margins", keys) != private.content_key("costs", keys)


def test_each_audience_unwraps_the_same_page_key(keys: list[private.AudienceKey]) -> None:
    lock = private.Lock.of("margins", keys)
    config = lock.page_config()
    assert config["iterations"] == private.ITERATIONS
    for audience, key in zip(config["audiences"], keys, strict=True):  # type: ignore[call-overload]
        assert audience["salt"] == base64.b64encode(key.salt).decode()
        assert private.unseal(key.key, base64.b64decode(audience["wrapped"])) == lock.key
    names = lock.file_names(["C-001", "c-001"])
    assert len(set(names.values())) == 2 and all("001" not in n for n in names.values())


def test_new_passwords_are_long_and_random() -> None:
    made = {new_password() for _ in range(20)}
    assert len(made) == 20
    for password in made:
        assert len(password) >= 24 and set(password) <= set(ALPHABET + "-")
