"""The ids a read has kept: exact answers whether they sit in the set or in sorted blocks."""

from __future__ import annotations

import random

from coreclaw_pandas.client.seen import SeenIds


def _ids(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.getrandbits(256):064x}" for _ in range(count)]


def test_membership_is_exact_across_the_set_and_many_merged_blocks():
    # A small set limit forces spills and merges: blocks of 16, 32, 64... rows.
    seen = SeenIds(set_limit=16)
    kept, others = _ids(5_000, 1), _ids(2_000, 2)
    for start in range(0, len(kept), 7):  # pages of uneven size
        page = kept[start : start + 7]
        assert seen.isdisjoint(page)
        seen.update(page)
    assert len(seen._blocks) <= 10  # about log2(5000 / 16), not one per spill
    assert all(key in seen for key in kept)
    assert not any(key in seen for key in others)
    assert seen.isdisjoint(others)
    for probe in (kept[0], kept[2_500], kept[-1]):  # first, middle and last spilled
        assert not seen.isdisjoint([*others[:50], probe])


def test_int_ids_and_repeats():
    seen = SeenIds(set_limit=4)
    seen.update([1, 2, 3, 2, 1])
    seen.update(range(100))
    assert 99 in seen and 100 not in seen
    assert not seen.isdisjoint([500, 42]) and seen.isdisjoint([])
