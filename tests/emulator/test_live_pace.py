"""Emulator: paced rows (``rows_per_second``) and a row count that trails them (issue 18)."""

from __future__ import annotations

import pytest

from .helpers import Api

SLOW = "coreclaw/slow-worker"
CATALOGUE = "coreclaw/catalogue-generator"


def test_the_slow_worker_emits_rows_at_a_set_pace_in_small_batches(emu, api: Api):
    emu.configure(run_speed=20)
    slug = api.start(SLOW, {"interval_seconds": 1, "duration_seconds": 10, "rows_per_second": 30})
    detail = api.wait(slug)
    rows = api.rows(slug)
    assert detail["status"] == 3 and len(rows) == 300
    assert [row["tick"] for row in rows] == list(range(1, 301))
    # Several batches a second, not one lump: rows share a stamp only within a batch.
    assert len({row["elapsed_seconds"] for row in rows}) >= 10 * 3


def test_the_slow_worker_without_a_pace_still_makes_one_row_per_interval(emu, api: Api):
    emu.configure(run_speed=50)
    slug = api.start(SLOW, {"interval_seconds": 0.5, "duration_seconds": 3})
    api.wait(slug)
    assert [row["tick"] for row in api.rows(slug)] == [1, 2, 3, 4, 5, 6]


def test_the_row_count_trails_the_rows_served_by_count_lag(emu, api: Api):
    emu.configure(count_lag=30)
    slug = api.start(CATALOGUE, {"rows": 120})
    detail = api.wait(slug)
    page = api.ok("/api/v1/run/result/list", {"run_slug": slug, "page_index": 1, "page_size": 100})
    # Ended, its rows served, and its record still shows the count of 30 s ago.
    assert detail["status"] == 3 and page["count"] == 120
    assert detail["results"] == 0
    listed = api.ok("/api/v1/run/list", {"page_index": 1, "page_size": 10})["list"]
    assert [run["results"] for run in listed if run["slug"] == slug] == [0]


def test_without_count_lag_the_count_is_exact(emu, api: Api):
    slug = api.start(CATALOGUE, {"rows": 120})
    assert api.wait(slug)["results"] == 120


@pytest.mark.parametrize("bad", [-1, 61, True, "2"])
def test_count_lag_refuses_a_bad_value(emu, bad):
    with pytest.raises(ValueError, match="count_lag"):
        emu.configure(count_lag=bad)
