"""``reportsite password new``: a strong random password for an audience (about 158 bits from ``secrets``).

Eight groups of four characters from 31 that are hard to confuse (no 0/o, 1/l/i), e.g.
``k7qm-2xrt-9dwe-…``: easy to paste into a GitHub secret, far beyond any brute force.
"""

from __future__ import annotations

import secrets

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # 31 letters and digits that read unambiguously
GROUPS, GROUP = 8, 4


def new_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP)) for _ in range(GROUPS))


__all__ = ["new_password"]
