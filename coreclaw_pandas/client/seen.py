"""The row ids a read has kept, in memory that stays small at any run size.

A read de-duplicates rows by ``__coreclaw_data_id__`` (:mod:`.paging`). As Python
strings in one set, a 64-character id costs about 155 bytes: 1.5 GB for a run of 10
million rows, most of what ``cc.to_parquet`` held (issue 19). :class:`SeenIds` keeps two
things instead:

* the hashes of the most recent ids, exactly, in sets (``WINDOW`` to twice that many):
  the rows a page repeats or a shifted page serves again are dropped as they come,
  as before;
* every id's 64-bit hash, 8 bytes an id in numpy arrays, split into 16 buckets by
  their top bits. :meth:`SeenIds.repeats` sorts them at the end of the read, a bucket
  at a time, and counts ids kept twice: a repeat too far back for the window is then
  reported (the read is not complete), never silently kept.

Two different ids sharing a hash would make the second look like a repeat: the chance
is about n²/2⁶⁵ (3 in a billion for a million rows), and the read would then say it
is incomplete rather than be wrong silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["SeenIds"]

#: Ids checked exactly as they arrive: the last 131,072 to 262,144 (8 to 16 MB of sets),
#: far more than the pages in flight at once (128 pages of 100 rows).
WINDOW = 1 << 17
#: Hashes gathered before they are packed into the buckets.
_PACK = 1 << 16
_BUCKETS = 16


class SeenIds:
    """Row ids (str or int) a read kept: recent ones exactly, all of them for a final count.

    Args:
        window: Recent ids checked as they arrive (default ``WINDOW``).
    """

    def __init__(self, *, window: int | None = None) -> None:
        self._window = window or WINDOW
        self._current: set[int] = set()
        self._previous: set[int] = set()
        self._pending: list[int] = []
        self._buckets: list[list[np.ndarray]] = [[] for _ in range(_BUCKETS)]

    def __contains__(self, key: Any) -> bool:
        value = hash(key)
        return value in self._current or value in self._previous

    def isdisjoint(self, keys: Iterable[Any]) -> bool:
        """True when none of ``keys`` is among the recent ids."""
        hashes = [hash(key) for key in keys]
        return self._current.isdisjoint(hashes) and self._previous.isdisjoint(hashes)

    def add(self, key: Any) -> None:
        """Remember one kept id."""
        self.update((key,))

    def update(self, keys: Iterable[Any]) -> None:
        """Remember kept ids."""
        hashes = [hash(key) for key in keys]
        self._current.update(hashes)
        self._pending += hashes
        if len(self._pending) >= _PACK:
            self._pack()
        if len(self._current) >= self._window:
            self._previous, self._current = self._current, set()

    def repeats(self) -> int:
        """How many kept ids repeat one kept before (0 for a clean read).

        Sorts every hash, one bucket at a time: for 10 million ids, 80 MB held and about
        5 MB more while a bucket is sorted.
        """
        self._pack()
        found = 0
        for bucket in self._buckets:
            if bucket:
                values = np.concatenate(bucket) if len(bucket) > 1 else bucket[0].copy()
                values.sort()
                found += int(np.count_nonzero(values[1:] == values[:-1]))
        return found

    def _pack(self) -> None:
        if not self._pending:
            return
        values = np.array(self._pending, dtype=np.int64)
        self._pending = []
        top = (values >> 60) & (_BUCKETS - 1)
        for index, bucket in enumerate(self._buckets):
            part = values[top == index]
            if len(part):
                bucket.append(part)
