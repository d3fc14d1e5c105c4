"""The run queue: runs submitted to be started later, on the caller's word.

Production (its audited run-queue pages, added 2026-07-31) holds a queued run as
``waiting`` instead of refusing it, for example when the balance is short; the
caller activates it once the condition is gone, or releases it so it never runs.
The queue only stores what a start needs; starting goes through
``Engine.create_run`` like every other start.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from .. import clock
from ..workers.base import WorkerSpec

WAITING = "waiting"
#: A released item, or one that was activated and became a run: it never runs again.
INACTIVE = "inactive"
QUEUE_STATUSES = (WAITING, INACTIVE)
#: Production's queue refs are decimal strings ("123456"); ours count up from here.
FIRST_REF = 100_001


@dataclass
class QueueItem:
    """One queued run: what to start, and where it stands.

    Attributes:
        ref: The ``queue_ref`` (a decimal string).
        worker: The Worker to run.
        custom: Worker input.
        system: System parameter overrides.
        version: Worker version, or None for the current one.
        callback_url: URL to notify about the run, once it exists.
        status: ``waiting`` or ``inactive``.
        created_at: Unix seconds when it was queued.
        run_slug: The run it became, once activated.
        reason: Why it was released, as the caller said.
    """

    ref: str
    worker: WorkerSpec
    custom: dict[str, Any]
    system: dict[str, Any]
    version: str | None
    callback_url: str | None
    status: str = WAITING
    created_at: float = field(default_factory=clock.now)
    run_slug: str | None = None
    reason: str | None = None


class RunQueue:
    """The account's queued runs, oldest first; safe to use from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, QueueItem] = {}
        self._refs = itertools.count(FIRST_REF)

    def add(
        self,
        worker: WorkerSpec,
        *,
        custom: dict[str, Any],
        system: dict[str, Any],
        version: str | None,
        callback_url: str | None,
    ) -> QueueItem:
        """Queue a run as ``waiting`` and return its item."""
        with self._lock:
            item = QueueItem(
                str(next(self._refs)), worker, dict(custom), dict(system), version, callback_url
            )
            self._items[item.ref] = item
        return item

    def get(self, ref: str) -> QueueItem | None:
        """Return the item ``ref``, or None."""
        with self._lock:
            return self._items.get(ref)

    def items(self, status: str | None = None) -> list[QueueItem]:
        """Return the items, oldest first, only those in ``status`` when given."""
        with self._lock:
            return [i for i in self._items.values() if status is None or i.status == status]

    def take_waiting(self, ref: str) -> QueueItem | None:
        """Mark ``ref`` inactive and return it if it was waiting (else None)."""
        with self._lock:
            item = self._items.get(ref)
            if item is None or item.status != WAITING:
                return None
            item.status = INACTIVE
            return item

    def put_back(self, item: QueueItem) -> None:
        """Return an item taken by ``take_waiting`` to ``waiting`` (its start was refused)."""
        with self._lock:
            item.status = WAITING

    def clear(self) -> None:
        """Forget every item and restart the refs."""
        with self._lock:
            self._items.clear()
            self._refs = itertools.count(FIRST_REF)
