"""Identifiers of the emulated platform: ULID-shaped slugs and their three kinds.

Runs, tasks and Workers are all named by 26-character Crockford base32 strings,
so the kind of a slug cannot be told from its shape; ``SlugKind`` names the
kinds that replies must not mix up.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time

#: Crockford base32, the alphabet of ULIDs.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class SlugKind(enum.Enum):
    """The three identifier kinds the platform says must not be mixed up."""

    WORKER = "scraper_slug"
    TASK = "task_slug"
    RUN = "run_slug"


def new_slug(when: float | None = None) -> str:
    """Return a 26-character ULID-like id: 48-bit millisecond time + 80 random bits.

    Args:
        when: Unix time in seconds for the time part; now when omitted.
    """
    millis = int((time.time() if when is None else when) * 1000) & ((1 << 48) - 1)
    value = (millis << 80) | secrets.randbits(80)
    return _encode_base32(value, 26)


def stable_slug(seed: str) -> str:
    """Return a ULID-shaped id derived from ``seed``, the same on every start."""
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:17], "big") >> 6
    return _encode_base32(value, 26)


def _encode_base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))
