"""The client side's one reading of the wall clock.

Everything that needs "now" as a date (the default end of a history window, the
``fetched_at`` of a frame, the export time on an About sheet) asks here, so that a
test can move the whole process's clock (``time-machine``) or pass an instant to
the pure function that takes one. Durations use ``time.monotonic`` instead, which
no calendar change can move.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
