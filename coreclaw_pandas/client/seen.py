"""The row ids a read has kept, in memory that stays small at any run size.

A read de-duplicates rows by ``__coreclaw_data_id__`` (:mod:`.paging`), so it must know
every id it kept. As Python strings in a set, a 64-character id costs about 155 bytes:
1.5 GB for a run of 10 million rows, most of what ``cc.to_parquet`` held (issue 19).
:class:`SeenIds` keeps each id's 64-bit hash instead: the most recent ids in a set of
ints, older ones in sorted numpy blocks of 8 bytes an id.

Two different ids sharing a hash would make the second look like a repeat: the
chance is about n²/2⁶⁵ (3 in a billion for a million rows), and such a row would be
dropped as a duplicate, which the read's count check then reports as missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["SeenIds"]

#: Hashes kept in the set before they move to a sorted block; a set costs about 60
#: bytes a hash, a block 8.
SET_LIMIT = 1 << 16


class SeenIds:
    """A set of row ids (str or int) by their 64-bit hashes.

    Blocks are merged as in a binary counter (a block is merged into the one before
    it while that is no larger), so there are at most about log2(n / SET_LIMIT) + 1
    of them and each id is copied that many times in all.

    Args:
        set_limit: Hashes kept in the set before they move to a block.
    """

    def __init__(self, *, set_limit: int = SET_LIMIT) -> None:
        self._recent: set[int] = set()
        self._blocks: list[np.ndarray] = []
        self._limit = set_limit

    def __contains__(self, key: Any) -> bool:
        return self._has(hash(key))

    def isdisjoint(self, keys: Iterable[Any]) -> bool:
        """True when none of ``keys`` was seen."""
        hashes = [hash(key) for key in keys]
        if not self._recent.isdisjoint(hashes):
            return False
        if not self._blocks or not hashes:
            return True
        wanted = np.fromiter(hashes, np.int64, len(hashes))
        return not any(_found(block, wanted).any() for block in self._blocks)

    def add(self, key: Any) -> None:
        """Remember one id."""
        self.update((key,))

    def update(self, keys: Iterable[Any]) -> None:
        """Remember ids."""
        self._recent.update(hash(key) for key in keys)
        if len(self._recent) >= self._limit:
            self._spill()

    def _has(self, value: int) -> bool:
        if value in self._recent:
            return True
        wanted = np.array([value], np.int64)
        return any(_found(block, wanted).any() for block in self._blocks)

    def _spill(self) -> None:
        block = np.fromiter(self._recent, np.int64, len(self._recent))
        block.sort()
        self._recent = set()
        while self._blocks and len(self._blocks[-1]) <= len(block):
            # Two sorted runs: a stable sort merges them in one linear pass.
            block = np.sort(np.concatenate((self._blocks.pop(), block)), kind="stable")
        self._blocks.append(block)


def _found(block: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which of ``wanted`` are in the sorted ``block``."""
    at = np.searchsorted(block, wanted)
    at[at == len(block)] = 0
    found: np.ndarray = block[at] == wanted
    return found
