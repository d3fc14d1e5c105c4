"""The ids a read has kept: recent repeats caught as they come, far ones counted at the end."""

from __future__ import annotations

import random

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.client import ReadTally, seen
from coreclaw_pandas.client.seen import SeenIds
from coreclaw_pandas.frames import PageDecoder

from .helpers import page_server

CATALOGUE = "coreclaw/catalogue-generator"


def _ids(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.getrandbits(256):064x}" for _ in range(count)]


def test_recent_ids_are_caught_as_they_come_and_the_window_moves_on():
    ids = SeenIds(window=100)
    first, later = _ids(100, 1), _ids(150, 2)
    ids.update(first)
    assert all(key in ids for key in first)
    assert not ids.isdisjoint([*later[:5], first[50]])
    ids.update(later)  # 250 ids: the first hundred have left the window
    assert first[0] not in ids and later[-1] in ids
    assert ids.repeats() == 0


def test_repeats_far_back_are_counted_once_each_at_the_end():
    ids = SeenIds(window=10)
    kept = _ids(200_000, 3)  # several packs, spread over every bucket
    for start in range(0, len(kept), 100):
        ids.update(kept[start : start + 100])
    ids.update([kept[0], kept[99_999], kept[-1]])
    ids.update([7, 8])  # int ids too
    assert ids.repeats() == 3


@pytest.mark.parametrize("bulk", [True, False])
def test_a_page_served_again_far_back_makes_the_read_incomplete(monkeypatch, bulk):
    """Rows repeated too far back to drop as they come are reported, not kept silently."""
    monkeypatch.setattr(seen, "WINDOW", 10)  # the window then holds about one page
    # Page 6 serves page 1's rows again.
    with page_server(
        400, first_row=lambda index, size: (0 if index == 6 else index - 1) * size
    ) as url:
        with cc.Client("k" * 16, base_url=url, page_size=50) as c:
            tally = ReadTally()
            pages = (
                c.iter_table_pages("run-1", decode=PageDecoder(), tally=tally)
                if bulk
                else c.iter_result_pages("run-1", tally=tally)
            )
            rows = sum(p.row_count if hasattr(p, "table") else len(p.rows) for p in pages)
    assert rows == 400 and tally.repeated == 50 and not tally.complete
    assert any("repeat the id" in problem for problem in tally.problems())
