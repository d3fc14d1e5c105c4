"""Scrapes over time: a Collection of every scrape, diffs between two, and verdicts on one.

Workflows over the ``cc.*`` façade (layer 5 in ARCHITECTURE.md): they read runs
through :mod:`coreclaw_pandas.api` and never import ``batches`` or ``live``; a
Batch is recognised by its ``.df`` frame with a ``run_slug`` column.

Example:
    >>> store = cc.Collection("nyc-cafes", key="place_id")
    >>> new = store.update(run)
    >>> d = cc.diff(last_week, this_week, key="place_id")
    >>> cc.verify(run).status
"""

from .changes import Diff, diff
from .collection import Collection, UpdateReport
from .quality import quality
from .sources import TrackingError
from .storage import CollectionLockTimeout
from .verdicts import Verdict, VerdictStatus, verify

__all__ = [
    "Collection",
    "CollectionLockTimeout",
    "Diff",
    "TrackingError",
    "UpdateReport",
    "Verdict",
    "VerdictStatus",
    "diff",
    "quality",
    "verify",
]
