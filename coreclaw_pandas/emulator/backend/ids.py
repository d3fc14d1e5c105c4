"""Identifiers of the emulated platform: ULID-shaped slugs, their kinds, row ids.

Runs, tasks and Workers are all named by 26-character Crockford base32 strings,
so the kind of a slug cannot be told from its shape; ``SlugKind`` names the
kinds that replies must not mix up. Every stored result row carries a stable
64-hex id under ``DATA_ID_KEY``, written into its JSON by ``encode_row``.
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from .. import clock

#: Crockford base32, the alphabet of ULIDs.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Key added to every stored row; the platform keeps it out of ``headers``.
DATA_ID_KEY = "__coreclaw_data_id__"
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


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
    millis = int((clock.now() if when is None else when) * 1000) & ((1 << 48) - 1)
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


def data_id(run_slug: str, index: int) -> str:
    """Return the stable 64-hex id of row ``index`` of run ``run_slug``."""
    return hashlib.sha256(f"{run_slug}:{index}".encode()).hexdigest()


def encode_row(row: Mapping[str, Any], row_id: str) -> bytes:
    """Encode ``row`` as compact UTF-8 JSON with ``DATA_ID_KEY`` first.

    Raises:
        TypeError: ``row`` is not a mapping or holds values JSON cannot encode.
        ValueError: ``row`` holds NaN or infinity (not valid JSON).
    """
    if not isinstance(row, Mapping):
        raise TypeError(f"a result row must be a mapping, got {type(row).__name__}")
    if DATA_ID_KEY in row:
        row = {k: v for k, v in row.items() if k != DATA_ID_KEY}
    body = _ENCODER.encode(row if isinstance(row, dict) else dict(row))
    head = '{"' + DATA_ID_KEY + '":"' + row_id + '"'
    return (head + "}" if body == "{}" else head + "," + body[1:]).encode()
