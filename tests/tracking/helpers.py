"""Workers and the expected difference between catalogue editions, from the documented rules."""

from __future__ import annotations

import coreclaw_pandas as cc

CATALOGUE = "coreclaw/catalogue-generator"
CAPTCHA = "coreclaw/captcha-worker"
FAILING = "coreclaw/failing-worker"
SLOW = "coreclaw/slow-worker"


def edition(number: int, rows: int = 1000) -> cc.Run:
    """A finished run of one edition of the catalogue (small rows, no reviews)."""
    custom = {"rows": rows, "edition": number, "max_reviews": 0}
    return cc.run_worker(CATALOGUE, custom, progress=False)


def expected(number: int, rows: int = 1000) -> dict[str, int]:
    """Editions ``number`` and ``number + 1``: counts the catalogue's README promises."""
    step = max(1, rows // 100)
    both = range(number * step, (number - 1) * step + rows)
    changed = sum(1 for i in both if i % 10 == (number + 1) % 10)
    return {"added": step, "removed": step, "changed": changed,
            "unchanged": len(both) - changed}
