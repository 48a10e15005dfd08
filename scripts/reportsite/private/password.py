"""``reportsite password new``: a strong random password for an audience (about 158 bits from ``secrets``).

Eight groups of four characters from 31 that are hard to confuse (no 0/o, 1/l/i), e.g.
``k7qm-2xrt-9dwe-…``: easy to paste into a GitHub secret, far beyond any brute force.
"""

from __future__ import annotations

import secrets
from typing import Any

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # 31 letters and digits that read unambiguously
GROUPS, GROUP = 8, 4


def new_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP)) for _ in range(GROUPS))


def throwaway_env(site: Any) -> list[str]:
    """``VARIABLE=password`` for every audience of ``site``, each password new: what a pull request's build uses,
    so code under review never sees the real passwords (its private pages open for no one)."""
    names = dict.fromkeys(a.password_env for a in site.audiences.values())
    return [f"{name}={new_password()}" for name in names]


__all__ = ["new_password", "throwaway_env"]
